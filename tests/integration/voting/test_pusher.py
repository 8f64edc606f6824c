"""The live pusher against real Postgres and Redis, through the real wire over a faked namespace.

Proves: one coalesced delta per show per tick whatever the vote rate, the final push equals the
database, sequence numbers cover the commits, and leaving/disconnecting leaks nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.db import app_redis
from setlist_app.live import publisher
from setlist_app.live.pusher import LiveHub
from setlist_app.services import voting
from setlist_app.settings import get_settings
from tests.fixtures.live import FIELD_MARKER, FakeNamespace, fake_wire
from tests.fixtures.voting import make_show, signed_in_fans

STATE = "reflex___state____state.show_live"


class Pushes:
    """What one worker's hub sent, read per room: `emits` are its room broadcasts in order."""

    def __init__(self, ns: FakeNamespace) -> None:
        self.ns = ns

    @property
    def emits(self) -> list[tuple[str, dict[str, Any]]]:
        return [(t, m) for t, m in self.ns.sent if t.startswith("show:")]

    def last(self, room: str) -> dict[str, Any]:
        return self.ns.deltas(room, STATE)[-1]

    def pushed(self, room: str, field: str) -> Any:
        return self.ns.pushed(room, STATE, field)


# How long a test waits for the hubs: they push on their own ticks, later on a loaded machine.
PATIENCE = 10.0


async def eventually(check: Callable[[], Any], what: str) -> None:
    """Wait until `check()` holds (polled; the hubs give no signal to wait on)."""
    try:
        async with asyncio.timeout(PATIENCE):
            while not check():
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def subscribed(hubs: int) -> None:
    """Wait until `hubs` hubs listen on the shows channel: a publish before that is lost."""
    redis = app_redis()
    try:
        async with asyncio.timeout(PATIENCE):
            while (await redis.pubsub_numsub(publisher.channel()))[0][1] < hubs:
                await asyncio.sleep(0.02)
    finally:
        await redis.aclose()


@contextlib.asynccontextmanager
async def running_hub(hubs: int = 1) -> AsyncIterator[tuple[LiveHub, Pushes]]:
    """A hub on its own fake wire (one backend worker), running until the block ends."""
    hub = LiveHub()
    wire, ns = fake_wire()
    task = asyncio.create_task(hub.run(wire, STATE))
    await subscribed(hubs)
    try:
        yield hub, Pushes(ns)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def run_async(coro: Coroutine[Any, Any, None]) -> None:
    """Run a scenario on a fresh loop in its own thread: independent of any loop the session runs
    (the e2e suite's sync Playwright keeps one running in the main thread)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def _vote(engine: Engine, viewer: Viewer, ps: int, want: bool) -> voting.VoteResult:
    with Session(engine) as s:
        r = voting.set_vote(s, viewer, ps, want)
        s.commit()
        return r


def test_coalesced_pushes_match_the_database(engine: Engine, session: Session) -> None:
    run_async(_coalesced(engine, session))


async def _coalesced(engine: Engine, session: Session) -> None:
    async with running_hub() as (live, ns):
        f = make_show(session, seeded=5, spare=0)
        users = signed_in_fans(session, 40)
        room = f"show:{f.show_id}"
        await live.join("sid-1", f.show_id)
        await live.join("sid-2", f.show_id)
        await eventually(lambda: ns.pushed(room, "viewers") == 2, "both viewers pushed")
        assert len(live.snapshot(f.show_id).songs) == 5  # joiners get songs through their own delta
        redis = app_redis()
        pushes_before = len(ns.emits)
        started = asyncio.get_running_loop().time()
        seq = 0
        for i, user in enumerate(users):  # 40 commits as fast as possible
            await asyncio.to_thread(_vote, engine, user, f.prediction_song_ids[i % 5], True)
            seq = await publisher.publish_show_changed(redis, f.show_id)
        await eventually(
            lambda: ns.pushed(room, "seq") == seq and ns.pushed(room, "total") == 40, "the last commit pushed"
        )
        elapsed = asyncio.get_running_loop().time() - started
        pushes = len(ns.emits) - pushes_before
        tick = get_settings().live_tick_ms / 1000
        assert 1 <= pushes <= elapsed / tick + 2  # bounded by the tick, not by the 40 votes
        assert ns.pushed(room, "votes") == {str(ps): 8 for ps in f.prediction_song_ids}
        assert "songs" + FIELD_MARKER not in ns.last(room)  # unchanged song list is not resent
        assert live.snapshot(f.show_id).total == 40
        await redis.aclose()


def test_an_arriving_crowd_moves_the_viewer_count_at_an_interval_and_a_vote_at_once(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_async(_crowd(engine, session, monkeypatch))


def _viewers_interval(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    monkeypatch.setenv("LIVE_VIEWERS_PUSH_SECONDS", str(seconds))
    get_settings.cache_clear()


async def _crowd(engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _viewers_interval(monkeypatch, 3600)  # held for the whole test unless something else changes
    try:
        async with running_hub() as (live, ns):
            f = make_show(session, seeded=3, spare=0)
            room = f"show:{f.show_id}"
            await live.join("sid-0", f.show_id)
            await eventually(lambda: ns.pushed(room, "viewers") == 1, "the first viewer pushed")
            for i in range(1, 30):  # a crowd arrives, a new viewer every round
                await live.join(f"sid-{i}", f.show_id)
                await asyncio.sleep(0.05)
            redis = app_redis()
            async with asyncio.timeout(PATIENCE):  # the crowd counted where every worker reads it
                while not (
                    await redis.hget(publisher.viewers_key(f.show_id), live.instance) or b""
                ).startswith(b"30:"):
                    await asyncio.sleep(0.02)
            # A vote goes out at once, and carries the held viewer count with it.
            await asyncio.to_thread(
                _vote, engine, signed_in_fans(session, 1)[0], f.prediction_song_ids[0], True
            )
            seq = await publisher.publish_show_changed(redis, f.show_id)
            await redis.aclose()
            await eventually(lambda: ns.pushed(room, "seq") == seq, "the vote pushed")
            viewers = [d["viewers" + FIELD_MARKER] for d in ns.ns.deltas(room, STATE)]
            # The crowd's 28 intermediate counts were held, and the vote carried the last. (The vote
            # may go out twice: its new counts can be read before its sequence number is published.)
            assert viewers[0] == 1 and set(viewers[1:]) == {30}, viewers
            # A held change is not lost: it goes out once its interval is over, with no vote.
            _viewers_interval(monkeypatch, 0.5)
            g = make_show(session, seeded=3, spare=0, tag="g")
            for i in range(3):
                await live.join(f"sid-g{i}", g.show_id)
            await eventually(lambda: ns.pushed(f"show:{g.show_id}", "viewers") == 3, "the held change pushed")
    finally:
        get_settings.cache_clear()


def test_leaving_and_disconnecting_leak_nothing(engine: Engine, session: Session) -> None:
    run_async(_leaving(session))


async def _leaving(session: Session) -> None:
    async with running_hub() as (live, ns):
        f = make_show(session, tag="x")
        g = make_show(session, tag="y")
        await live.join("sid-1", f.show_id)
        await live.join("sid-2", f.show_id)
        await live.join("sid-2", g.show_id)  # navigating to another show leaves the first room
        assert ns.ns.rooms("sid-2") == [f"show:{g.show_id}"]
        await eventually(lambda: ns.pushed(f"show:{f.show_id}", "viewers") == 1, "one viewer left")
        await live.leave("sid-1")
        await ns.ns.disconnect("sid-2")
        assert ns.ns.room_members == {}
        await eventually(lambda: live.local_viewers() == {} and live.snapshots == {}, "the hub forgetting")
        redis = app_redis()
        for show in (f.show_id, g.show_id):
            assert await redis.hgetall(publisher.viewers_key(show)) == {}
        await redis.aclose()


def test_viewer_counts_add_up_across_workers(engine: Engine, session: Session) -> None:
    run_async(_two_workers(engine, session))


async def _two_workers(engine: Engine, session: Session) -> None:
    async with running_hub() as (live, ns), running_hub(2) as (other, other_ns):  # two backend workers
        f = make_show(session)
        await live.join("a", f.show_id)
        await other.join("b", f.show_id)
        await other.join("c", f.show_id)
        room = f"show:{f.show_id}"
        await eventually(
            lambda: ns.pushed(room, "viewers") == other_ns.pushed(room, "viewers") == 3,
            "3 viewers on both",
        )
        # A vote committed and published anywhere reaches both workers' viewers.
        await asyncio.to_thread(_vote, engine, Viewer(anon_id="z"), f.prediction_song_ids[0], True)
        redis = app_redis()
        await publisher.publish_show_changed(redis, f.show_id)
        await redis.aclose()
        voted = str(f.prediction_song_ids[0])
        await eventually(
            lambda: all((n.pushed(room, "votes") or {}).get(voted) == 1 for n in (ns, other_ns)),
            "the vote on both workers",
        )


def test_a_reconnect_to_another_worker_never_shows_older_counts(engine: Engine, session: Session) -> None:
    run_async(_reconnect(engine, session))


async def _reconnect(engine: Engine, session: Session) -> None:
    """Issue 16: a viewer moved from worker A to worker B (Wi-Fi blip, restarted worker) got B's
    older snapshot in the reply to its page load, and nothing re-sent a newer unchanged one."""
    async with running_hub() as (a, a_ns), running_hub(2) as (b, b_ns):
        f = make_show(session, seeded=3)
        room = f"show:{f.show_id}"
        await a.join("v", f.show_id)
        await b.join("w", f.show_id)  # B watches the show too, so it holds a snapshot
        await eventually(lambda: b.snapshot(f.show_id) is not None, "B's snapshot")
        stale = b.snapshot(f.show_id)
        redis = app_redis()
        # A vote commits; its announcement has reached A but not (yet) B: only the sequence moved.
        await asyncio.to_thread(_vote, engine, Viewer(anon_id="z"), f.prediction_song_ids[0], True)
        seq = int(await redis.incr(publisher.seq_key(f.show_id)))
        a.mark_dirty(f.show_id)
        await eventually(lambda: a_ns.pushed(room, "seq") == seq, "A pushing the vote to v")
        # B's own flushes (its join's viewer count) may have read the new counts meanwhile: put back
        # the snapshot it held before the vote, as if its announcement were still on the way.
        b.snapshots[f.show_id] = stale
        assert stale is not None and stale.seq < seq
        await a_ns.ns.disconnect("v")
        await b.join("v", f.show_id)  # v reconnects to B; the page reply is computed right now
        assert b.snapshot(f.show_id).seq == seq and b.snapshot(f.show_id).total == 1
        # ...and once that reply is out, v is sent the current snapshot once more, with no new vote.
        b.replied("v")
        await eventually(lambda: b_ns.ns.pushed("v", STATE, "seq") == seq, "the snapshot re-sent to v")
        for ns in (a_ns, b_ns):
            for target, message in ns.ns.sent:
                delta = message["delta"][STATE]
                if f"total{FIELD_MARKER}" in delta:  # every snapshot adds up
                    assert delta[f"total{FIELD_MARKER}"] == sum(delta[f"votes{FIELD_MARKER}"].values()), (
                        target
                    )
        await redis.aclose()


@pytest.mark.timeout(60)  # a regression spins without yielding: only pytest-timeout ends it
def test_a_join_never_settles_for_a_read_that_began_before_its_announcement(
    engine: Engine, session: Session
) -> None:
    asyncio.run(_join_during_read(engine, session))  # in this thread, where the signal method lands


async def _join_during_read(engine: Engine, session: Session) -> None:
    """Issue 16, found by the 200-viewer rejoin benchmark: a join that found a read of the show
    already under way waited for it, though that read had begun before the vote the viewer had
    already seen from its old worker; the page reply then carried older counts."""
    async with running_hub() as (hub, _ns):
        f = make_show(session, seeded=3)
        await hub.join("w", f.show_id)
        stale = hub.snapshot(f.show_id)
        redis = app_redis()
        await asyncio.to_thread(_vote, engine, Viewer(anon_id="z"), f.prediction_song_ids[0], True)
        seq = int(await redis.incr(publisher.seq_key(f.show_id)))
        began = asyncio.Event()

        async def read_from_before_the_vote() -> None:  # holds the stale snapshot, lands late
            await began.wait()
            hub.snapshots[f.show_id] = stale  # type: ignore[assignment]

        hub._loading[f.show_id] = asyncio.ensure_future(read_from_before_the_vote())
        joining = asyncio.create_task(hub.join("v", f.show_id))  # v reconnects here
        await asyncio.sleep(0.05)
        began.set()
        await joining
        assert stale is not None and stale.seq < seq
        assert hub.snapshot(f.show_id).seq == seq and hub.snapshot(f.show_id).total == 1
        # A read that finished but is still listed (its done-callback not yet run when the join
        # looks) is not waited on again: the first version of this loop spun on it for ever.
        finished = asyncio.get_running_loop().create_future()
        finished.set_result(None)
        hub._loading[f.show_id], hub.snapshots[f.show_id] = finished, stale  # type: ignore[assignment]
        await hub.join("x", f.show_id)
        assert hub.snapshot(f.show_id).seq == seq
        await redis.aclose()
