"""GroupCommit: what arrives while a batch is written is the next batch; failures stay per request."""

from __future__ import annotations

import asyncio

import pytest

from setlist_app.live.group_commit import GroupCommit


class Writer:
    """Records the batches; the first one waits for `gate`; "bad" fails any batch it is in."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = asyncio.Event()

    async def __call__(self, requests: list[str]) -> list[str | BaseException]:
        self.batches.append(list(requests))
        if len(self.batches) == 1:
            await self.gate.wait()
        if "bad" in requests:
            raise ConnectionError("the batch failed")
        return [LookupError(r) if r.startswith("refused") else r.upper() for r in requests]


def test_requests_arriving_during_a_write_go_together_in_the_next_batch() -> None:
    async def scenario() -> None:
        writer = Writer()
        commit: GroupCommit[str, str] = GroupCommit(writer, max_batch=3)
        first = asyncio.ensure_future(commit.submit("a"))
        await asyncio.sleep(0.01)  # a lone request is written at once (no timer to wait for)
        assert writer.batches == [["a"]]
        later = [asyncio.ensure_future(commit.submit(r)) for r in ("b", "c", "d", "e")]
        await asyncio.sleep(0.01)
        assert writer.batches == [["a"]]  # one batch in flight at a time
        writer.gate.set()
        assert await asyncio.gather(first, *later) == ["A", "B", "C", "D", "E"]
        assert writer.batches == [["a"], ["b", "c", "d"], ["e"]]  # at most max_batch each
        assert await commit.submit("f") == "F"  # a new drainer once the last one finished

    asyncio.run(scenario())


def test_a_failed_batch_is_retried_one_by_one_and_outcomes_stay_per_request() -> None:
    async def scenario() -> None:
        writer = Writer()
        writer.gate.set()
        commit: GroupCommit[str, str] = GroupCommit(writer)
        results = await asyncio.gather(
            *(commit.submit(r) for r in ("x", "bad", "refused-y", "z")), return_exceptions=True
        )
        assert results[0] == "X" and results[3] == "Z"
        assert isinstance(results[1], ConnectionError)  # only the request that breaks a write fails
        assert isinstance(results[2], LookupError)  # an exception outcome is raised to its caller
        assert writer.batches == [["x", "bad", "refused-y", "z"], ["x"], ["bad"], ["refused-y"], ["z"]]

    asyncio.run(scenario())


def test_a_cancelled_caller_does_not_stop_the_others() -> None:
    async def scenario() -> None:
        writer = Writer()
        commit: GroupCommit[str, str] = GroupCommit(writer)
        gone = asyncio.ensure_future(commit.submit("gone"))
        await asyncio.sleep(0.01)
        stays = asyncio.ensure_future(commit.submit("stays"))
        gone.cancel()
        writer.gate.set()
        assert await stays == "STAYS"
        with pytest.raises(asyncio.CancelledError):
            await gone

    asyncio.run(scenario())
