"""The live pusher against real Postgres and Redis, with socket.io's room registry faked in-process.

Proves: one coalesced delta per show per tick whatever the vote rate, the final push equals the
database, sequence numbers cover the commits, and leaving/disconnecting leaks nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from engineio import packet as eio_packet
from socketio import packet as sio_packet
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.live import publisher
from setlist_app.live.pusher import FIELD_MARKER, LiveHub
from setlist_app.services import voting
from setlist_app.settings import get_settings
from tests.integration.voting.test_concurrency import _make_users
from tests.unit.voting.factory import make_show

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


class _FakeSocket:
    """An engine.io socket: `queue.put_nowait` is all `broadcast` calls."""

    closed = False

    def __init__(self, ns: FakeNamespace, sid: str) -> None:
        self.queue = SimpleNamespace(put_nowait=lambda frame: ns.received(sid, frame))


@contextlib.asynccontextmanager
async def running_hub() -> AsyncIterator[tuple[LiveHub, FakeNamespace]]:
    hub, ns = LiveHub(), FakeNamespace()
    task = asyncio.create_task(hub.run(SimpleNamespace(event_namespace=ns), STATE))
    await asyncio.sleep(0.2)  # subscribed
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
        users = _make_users(session, 40)
        room = f"show:{f.show_id}"
        await live.join("sid-1", f.show_id)
        await live.join("sid-2", f.show_id)
        await asyncio.sleep(0.3)
        first = ns.last(room)
        assert first["viewers" + FIELD_MARKER] == 2
        assert len(live.snapshot(f.show_id).songs) == 5  # joiners get songs through their own delta
        redis = publisher.app_redis()
        pushes_before = len(ns.emits)
        started = asyncio.get_running_loop().time()
        seq = 0
        for i, user in enumerate(users):  # 40 commits as fast as possible
            await asyncio.to_thread(_vote, engine, user, f.prediction_song_ids[i % 5], True)
            seq = await publisher.publish_show_changed(redis, f.show_id)
        await asyncio.sleep(0.4)
        elapsed = asyncio.get_running_loop().time() - started
        pushes = len(ns.emits) - pushes_before
        tick = get_settings().live_tick_ms / 1000
        assert 1 <= pushes <= elapsed / tick + 2  # bounded by the tick, not by the 40 votes
        last = ns.last(room)
        assert last["seq" + FIELD_MARKER] == seq
        assert last["total" + FIELD_MARKER] == 40
        assert last["votes" + FIELD_MARKER] == {str(ps): 8 for ps in f.prediction_song_ids}
        assert "songs" + FIELD_MARKER not in last  # unchanged song list is not resent
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
        await asyncio.sleep(0.3)
        assert ns.last(f"show:{f.show_id}")["viewers" + FIELD_MARKER] == 1
        await live.leave("sid-1")
        ns.disconnect("sid-2")  # silently, like socket.io: the pusher notices within a second
        await asyncio.sleep(1.3)
        assert ns._rooms == {}
        assert live.local_viewers() == {} and live.snapshots == {}
        redis = publisher.app_redis()
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
            await asyncio.sleep(0.2)
            await live.join("a", f.show_id)
            await other.join("b", f.show_id)
            await other.join("c", f.show_id)
            await asyncio.sleep(0.5)
            room = f"show:{f.show_id}"
            assert ns.last(room)["viewers" + FIELD_MARKER] == 3
            assert other_ns.last(room)["viewers" + FIELD_MARKER] == 3
            # A vote committed and published anywhere reaches both workers' viewers.
            await asyncio.to_thread(_vote, engine, Viewer(anon_id="z"), f.prediction_song_ids[0], True)
            redis = publisher.app_redis()
            await publisher.publish_show_changed(redis, f.show_id)
            await redis.aclose()
            await asyncio.sleep(0.3)
            for namespace in (ns, other_ns):
                assert namespace.last(room)["votes" + FIELD_MARKER][str(f.prediction_song_ids[0])] == 1
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
