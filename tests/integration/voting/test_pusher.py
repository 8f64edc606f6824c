"""The live pusher against real Postgres and Redis, with socket.io's room registry faked in-process.

Proves: one coalesced delta per show per tick whatever the vote rate, the final push equals the
database, sequence numbers cover the commits, and leaving/disconnecting leaks nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from engineio import packet as eio_packet
from socketio import packet as sio_packet
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.db import app_redis
from setlist_app.live import publisher
from setlist_app.live.pusher import FIELD_MARKER, LiveHub
from setlist_app.services import voting
from setlist_app.settings import get_settings
from tests.fixtures.voting import make_show, signed_in_fans

STATE = "reflex___state____state.show_live"


class FakeNamespace:
    """The parts of Reflex's EventNamespace / socket.io / engine.io the hub uses.

    `pusher.broadcast` encodes one frame per push and queues it on each member socket; the fake
    sockets decode it and record it once per push as (room, payload) in `emits`.
    """

    namespace = "/_event"

    def __init__(self) -> None:
        self.emits: list[tuple[str, dict[str, Any]]] = []
        self._last_frame: Any = None
        sockets = SimpleNamespace(get=lambda sid: _FakeSocket(self, sid))
        self.server = SimpleNamespace(
            manager=SimpleNamespace(rooms={self.namespace: {}}, get_participants=self._participants),
            packet_class=sio_packet.Packet,
            eio=SimpleNamespace(sockets=sockets),
        )

    @property
    def _rooms(self) -> dict[str, dict[str, str]]:
        return self.server.manager.rooms[self.namespace]

    def _participants(self, namespace: str, room: str | None) -> list[tuple[str, str]]:
        members = self._rooms.get(room, {}) if room else {s: s for m in self._rooms.values() for s in m}
        return list(members.items())

    def rooms(self, sid: str) -> list[str]:
        return [name for name, members in self._rooms.items() if sid in members]

    async def enter_room(self, sid: str, room: str) -> None:
        self._rooms.setdefault(room, {})[sid] = sid

    async def leave_room(self, sid: str, room: str) -> None:
        members = self._rooms.get(room, {})
        members.pop(sid, None)
        if not members:
            self._rooms.pop(room, None)

    def disconnect(self, sid: str) -> None:  # socket.io drops a closed socket from every room
        for room in self.rooms(sid):
            self._rooms[room].pop(sid)
            if not self._rooms[room]:
                del self._rooms[room]

    def received(self, sid: str, frame: Any) -> None:
        if frame is self._last_frame:
            return  # the same push, queued on another member of the room
        self._last_frame = frame
        name, payload = sio_packet.Packet(encoded_packet=frame.data).data
        assert name == "event" and frame.packet_type == eio_packet.MESSAGE
        self.emits.append((self.rooms(sid)[0], payload))

    def last(self, room: str) -> dict[str, Any]:
        return next(d for r, d in reversed(self.emits) if r == room)["delta"][STATE]

    def pushed(self, room: str, field: str) -> Any:
        """`field` of the room's latest push that carried it (None before any)."""
        key = field + FIELD_MARKER
        return next(
            (
                d["delta"][STATE][key]
                for r, d in reversed(self.emits)
                if r == room and key in d["delta"][STATE]
            ),
            None,
        )


class _FakeSocket:
    """An engine.io socket: `queue.put_nowait` is all `broadcast` calls."""

    closed = False

    def __init__(self, ns: FakeNamespace, sid: str) -> None:
        self.queue = SimpleNamespace(put_nowait=lambda frame: ns.received(sid, frame))


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
async def running_hub() -> AsyncIterator[tuple[LiveHub, FakeNamespace]]:
    hub, ns = LiveHub(), FakeNamespace()
    task = asyncio.create_task(hub.run(SimpleNamespace(event_namespace=ns), STATE))
    await subscribed(1)
    try:
        yield hub, ns
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


def test_leaving_and_disconnecting_leak_nothing(engine: Engine, session: Session) -> None:
    run_async(_leaving(session))


async def _leaving(session: Session) -> None:
    async with running_hub() as (live, ns):
        f = make_show(session, tag="x")
        g = make_show(session, tag="y")
        await live.join("sid-1", f.show_id)
        await live.join("sid-2", f.show_id)
        await live.join("sid-2", g.show_id)  # navigating to another show leaves the first room
        assert ns.rooms("sid-2") == [f"show:{g.show_id}"]
        await eventually(lambda: ns.pushed(f"show:{f.show_id}", "viewers") == 1, "one viewer left")
        await live.leave("sid-1")
        ns.disconnect("sid-2")  # silently, like socket.io: the pusher notices within a second
        assert ns._rooms == {}
        await eventually(lambda: live.local_viewers() == {} and live.snapshots == {}, "the hub forgetting")
        redis = app_redis()
        for show in (f.show_id, g.show_id):
            assert await redis.hgetall(publisher.viewers_key(show)) == {}
        await redis.aclose()


def test_viewer_counts_add_up_across_workers(engine: Engine, session: Session) -> None:
    run_async(_two_workers(engine, session))


async def _two_workers(engine: Engine, session: Session) -> None:
    async with running_hub() as (live, ns):
        other, other_ns = LiveHub(), FakeNamespace()  # a second backend worker
        task = asyncio.create_task(other.run(SimpleNamespace(event_namespace=other_ns), STATE))
        try:
            f = make_show(session)
            await subscribed(2)
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
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
