"""The engine.io writer backport keeps `AsyncSocket.poll`'s contract (and is what the app runs)."""

from __future__ import annotations

import asyncio
import sys
from types import SimpleNamespace

import pytest
from engineio import exceptions
from engineio.async_socket import AsyncSocket

from setlist_app.live import engineio_writer


def _socket(timeout: float = 5.0) -> AsyncSocket:
    sock = AsyncSocket.__new__(AsyncSocket)  # only `queue` and the server's ping settings are used
    sock.server = SimpleNamespace(ping_interval=timeout / 2, ping_timeout=timeout / 2)
    sock.queue = asyncio.Queue()
    return sock


def test_queued_packets_come_out_together_in_order() -> None:
    async def scenario() -> None:
        sock = _socket()
        for n in (1, 2, 3):
            sock.queue.put_nowait(n)
        assert await engineio_writer.poll(sock) == [1, 2, 3]
        assert sock.queue.empty()

    asyncio.run(scenario())


def test_waits_for_a_packet_then_stops_at_the_close_sentinel() -> None:
    async def scenario() -> None:
        sock = _socket()
        waiting = asyncio.create_task(engineio_writer.poll(sock))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        sock.queue.put_nowait("a")
        sock.queue.put_nowait(None)  # close: the packet before it is still sent...
        assert await waiting == ["a"]
        assert await engineio_writer.poll(sock) == []  # ...and the sentinel ends the writer

    asyncio.run(scenario())


def test_timeout_and_cancel_raise_queue_empty() -> None:
    async def scenario() -> None:
        with pytest.raises(exceptions.QueueEmpty):
            await engineio_writer.poll(_socket(timeout=0.05))
        task = asyncio.create_task(engineio_writer.poll(_socket()))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(exceptions.QueueEmpty):
            await task

    asyncio.run(scenario())


def test_installed_by_the_app_on_python_before_3_12() -> None:
    import setlist_app.setlist_app  # noqa: F401  (the app module installs it at import)

    expected = engineio_writer.poll if sys.version_info < (3, 12) else AsyncSocket.poll
    assert AsyncSocket.poll is expected
