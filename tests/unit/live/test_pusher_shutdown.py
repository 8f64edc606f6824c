"""The live hub's flusher ends when cancelled, even when the cancel arrives as it is woken (on
Python 3.11 `asyncio.wait_for` swallowed such a cancel: the flusher ran on and a backend worker's
shutdown, or a test waiting for the hub, hung)."""

from __future__ import annotations

import asyncio

from setlist_app.live.pusher import LiveHub


async def test_flusher_stops_when_cancelled_as_it_wakes() -> None:
    for _ in range(3):
        hub = LiveHub()
        task = asyncio.create_task(hub._flusher())
        await asyncio.sleep(0.01)  # the flusher waits for a wake-up
        hub._wake.set()  # a vote arrives...
        task.cancel()  # ...as the worker shuts down
        done, _ = await asyncio.wait({task}, timeout=2)
        assert task in done and task.cancelled()
