"""Group commit: requests that arrive while one batch is being written go together in the next.

Why: at 200 votes/s one vote per transaction kept a backend's database threads fighting for the
GIL and every transaction of a show queueing on its counter row (README "Benchmarks"). With one
batch in flight per process, a batch holds whatever arrived during the previous one: one
transaction, one commit and one counter update per song for all of them, and nothing waits for a
timer (a lone vote is written at once).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
Req = TypeVar("Req")
Out = TypeVar("Out")
#: A batch writer: one outcome per request, in order; an exception outcome is raised to its caller.
Writer = Callable[[list[Req]], Awaitable[Sequence[Out | BaseException]]]


class GroupCommit(Generic[Req, Out]):
    """Collects `submit`ted requests and writes them in batches of at most `max_batch`, one at a time."""

    def __init__(self, write: Writer[Req, Out], max_batch: int = 200) -> None:
        self._write = write
        self._max = max_batch
        self._waiting: list[tuple[Req, asyncio.Future[Out]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, request: Req) -> Out:
        """Queue `request`; its outcome once its batch is written (an exception outcome is raised)."""
        future: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        # A drainer that found the queue empty is already done (no await after its last check).
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
            outcomes = await self._outcomes([request for request, _ in batch])
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # its caller was cancelled
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def _outcomes(self, requests: list[Req]) -> Sequence[Out | BaseException]:
        try:
            return await self._write(requests)
        except Exception as exc:
            if len(requests) == 1:
                return [exc]
            # One request may be what broke the batch, or the database chose it as a deadlock
            # victim: each on its own then, so one failure cannot fail the others.
            log.warning("batch of %d failed; writing them one by one", len(requests), exc_info=True)
            return [outcome for request in requests for outcome in await self._outcomes([request])]
