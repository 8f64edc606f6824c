"""Python 3.11 backport for python-engineio's websocket writer: wait for packets without a Task each.

`engineio.AsyncSocket.poll` waits with `asyncio.wait_for(queue.get(), timeout)`, which on Python
3.11 wraps the wait in a new Task for every packet a socket sends (3.12's `wait_for` does not). At
1,000 viewers of a show, each push wakes 1,000 writers: that Task creation was the largest single
cost of a push (profiled with py-spy; README "Benchmarks"). This `poll` keeps the contract —
returns the queued packets, `[]` after the `None` sentinel, `QueueEmpty` on timeout or cancel —
with `asyncio.timeout`, and takes an already-queued packet without waiting at all.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from engineio import exceptions
from engineio.async_socket import AsyncSocket


async def poll(self: AsyncSocket) -> list[Any]:
    """Drop-in for `AsyncSocket.poll` (same results and exceptions)."""
    queue: asyncio.Queue[Any] = self.queue
    try:
        if queue.empty():
            async with asyncio.timeout(self.server.ping_interval + self.server.ping_timeout):
                first = await queue.get()
        else:
            first = queue.get_nowait()
        queue.task_done()
    except (TimeoutError, asyncio.CancelledError):
        raise exceptions.QueueEmpty() from None
    if first is None:
        return []
    packets = [first]
    while not queue.empty():
        pkt = queue.get_nowait()
        queue.task_done()
        if pkt is None:
            queue.put_nowait(None)  # leave the close sentinel for the next poll, as upstream does
            break
        packets.append(pkt)
    return packets


def install() -> bool:
    """Use `poll` where `wait_for` still creates a Task (Python < 3.12). Returns whether it did."""
    if sys.version_info >= (3, 12):
        return False
    AsyncSocket.poll = poll  # type: ignore[method-assign]
    return True
