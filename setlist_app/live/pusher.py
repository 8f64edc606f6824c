"""The per-backend-worker live pusher (DESIGN.md §5), speaking to sockets only through `reflex_wire`.

Each backend worker runs one `LiveHub` as a lifespan task. It subscribes to the publisher's channel,
coalesces the shows that changed, and at most once per tick (leading edge: an idle show is pushed at
once) reads fresh counts for all of them in one query, then sends ONE prepared delta per show to a
socket.io room holding that worker's viewers of the show. Cost follows the tick rate and the number
of watched shows, not the vote rate or (beyond the socket writes) the number of viewers.

Viewers join a room from the show page's load event and leave it on unmount or disconnect (the
wire reports it). The pushed values live in a substate (its name is handed in by the wiring) whose
vars are uncached computed vars over `hub.snapshot(...)`, so reloads and other events recompute
them from the same snapshot. Notification bells ride the same hub: a signed-in socket joins its user's room
on page load, and each user id the notifications planner publishes gets that user's unread count
pushed to that room. Counts never go backwards for a viewer: a joining viewer's snapshot
is at least as new as every commit announced before the join (a reconnect after pushes from
another worker), and once the page's reply to the join has been sent (`replied`, called when the
load event's task ends) the next round sends the viewer the current snapshot again, after that
reply: pushes may have overtaken a reply computed from an older snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlmodel import Session

from setlist_app.db import ThreadPool, app_redis, get_engine
from setlist_app.domain.notifications import unread_count
from setlist_app.live import health, publisher
from setlist_app.live.reflex_wire import Wire
from setlist_app.live.snapshot import ShowCounts, ranks, read_counts
from setlist_app.observability import metrics
from setlist_app.settings import get_settings
from setlist_app.sync import notifications
from setlist_app.sync.status import Health

log = logging.getLogger(__name__)
ROOM_PREFIX = "show:"


@dataclass
class LiveSnapshot:
    """What every viewer of one show sees; `seq` counts the commits it includes."""

    show_id: int
    seq: int = 0
    total: int = 0
    viewers: int = 0
    songs: list[dict[str, Any]] = field(default_factory=list)
    votes: dict[str, int] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)

    def fields(self, with_songs: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "total": self.total,
            "viewers": self.viewers,
            "votes": self.votes,
            "ranks": self.ranks,
        }
        if with_songs:
            out["songs"] = self.songs
        return out


def build_snapshot(counts: ShowCounts, seq: int, viewers: int) -> LiveSnapshot:
    return LiveSnapshot(
        show_id=counts.show_id,
        seq=seq,
        total=counts.total,
        viewers=viewers,
        songs=[
            {
                "id": s.prediction_song_id,
                "song_id": s.song_id,
                "title": s.title,
                "album": s.album,
                "source": s.source,
            }
            for s in counts.songs
        ],
        votes={str(s.prediction_song_id): s.votes for s in counts.songs},
        ranks={str(k): v for k, v in ranks(counts.songs).items()},
    )


def _read_counts_sync(show_ids: list[int]) -> dict[int, ShowCounts]:
    with Session(get_engine()) as session:
        return read_counts(session, show_ids)


# The tick's one read never queues behind page loads in asyncio's small default thread pool.
_reader = ThreadPool(max_workers=2, name="live-read")


def room(show_id: int) -> str:
    return f"{ROOM_PREFIX}{show_id}"


def user_room(user_id: int) -> str:
    """A signed-in user's sockets on this worker (their notification bell)."""
    return f"user:{user_id}"


def _unread_sync(user_id: int) -> int:
    with Session(get_engine()) as session:
        return unread_count(session, user_id)


class LiveHub:
    """One per backend worker process (module singleton `hub`)."""

    def __init__(self) -> None:
        self.instance = ""  # set per process by `run`
        self.snapshots: dict[int, LiveSnapshot] = {}
        self.stats: dict[str, float] = {"flushes": 0, "pushes": 0, "read_ms": 0.0, "emit_ms": 0.0}
        self._wire: Wire | None = None  # set by `run`
        self._state_name = ""
        self._redis: Any = None
        self._dirty: set[int] = set()
        self._wake = asyncio.Event()
        self._watching: dict[str, int] = {}  # socket -> the show whose room it is in
        self._users: dict[str, int] = {}  # signed-in socket -> its user (the bell's room)
        self._replied: set[str] = set()  # sockets whose page reply is out: sent the snapshot once more
        self._written: dict[int, int] = {}  # show -> local viewer count last written to Redis
        self._loading: dict[int, asyncio.Future[None]] = {}
        # Local read order, to drop a slower concurrent read that lands late. Not Redis's sequence
        # numbers: they restart at 0 when Redis loses its data, which froze every watched show.
        self._reads = 0
        self._applied: dict[int, int] = {}  # show -> number of the read its snapshot came from
        self._viewers_pushed: dict[int, float] = {}  # show -> when a viewer-count-only change went out
        self._viewers_due: dict[int, asyncio.TimerHandle] = {}  # show -> held change's next try

    # -- read by the UI -------------------------------------------------------------------------
    def snapshot(self, show_id: int) -> LiveSnapshot | None:
        return self.snapshots.get(show_id)

    @property
    def running(self) -> bool:
        return self._wire is not None

    # -- viewers --------------------------------------------------------------------------------
    async def join(self, sid: str, show_id: int) -> None:
        """Put a socket in the show's room (leaving any other show) with a snapshot at least as new
        as every change announced so far (the viewer may hold newer counts from another worker)."""
        if self._wire is None or not sid:
            return
        await self.leave(sid)
        if not await self._wire.enter_room(sid, room(show_id)):
            return  # the socket closed meanwhile: no viewer to count or push to
        self._watching[sid] = show_id
        announced = int(await self._redis.get(publisher.seq_key(show_id)) or 0)
        while (current := self.snapshots.get(show_id)) is None or current.seq < announced:
            # A read already under way may have begun before `announced` (a rejoin storm): then
            # another one. Each pass awaits a read that had not finished, so the loop always yields.
            await asyncio.shield(self._loading_read(show_id, emit=current is not None))
        self.mark_dirty(show_id)  # the viewer count changed

    def replied(self, sid: str) -> None:
        """The page reply to the socket's join has been sent: send it the current snapshot once more
        on the next round. That reply was computed from the snapshot of its moment but, under load,
        delivered after pushes queued straight onto the socket since; left alone, its older
        counts would stay on screen until the next change."""
        if sid in self._watching:
            self._replied.add(sid)
            self._wake.set()

    def _loading_read(self, show_id: int, *, emit: bool) -> asyncio.Future[None]:
        """Single-flight: the read of the show under way, else a new one (a burst of joins waits
        for one read, not one each). A finished read is never handed out, even before its
        done-callback has run: a join would spin on it without ever yielding to the loop."""
        loading = self._loading.get(show_id)
        if loading is None or loading.done():
            loading = self._loading[show_id] = asyncio.ensure_future(self._refresh([show_id], emit=emit))
            loading.add_done_callback(
                lambda done: self._loading.pop(show_id) if self._loading.get(show_id) is done else None
            )
        return loading

    async def leave(self, sid: str) -> None:
        show_id = self._watching.pop(sid, None)
        self._replied.discard(sid)
        if show_id is not None and self._wire is not None:
            await self._wire.leave_room(sid, room(show_id))
            self.mark_dirty(show_id)

    def _forget(self, sid: str) -> None:
        """The socket disconnected (socket.io dropped it from its rooms itself)."""
        self._replied.discard(sid)
        self._users.pop(sid, None)
        if (show_id := self._watching.pop(sid, None)) is not None:
            self.mark_dirty(show_id)

    def local_viewers(self) -> dict[int, int]:
        """show id -> sockets of this worker watching it."""
        return dict(Counter(self._watching.values()))

    def mark_dirty(self, show_id: int) -> None:
        self._dirty.add(show_id)
        self._wake.set()

    # -- the loop -------------------------------------------------------------------------------
    async def run(
        self, wire: Wire, state_name: str, health_state_name: str = "", bell_state_name: str = ""
    ) -> None:
        """Lifespan task body: subscribers, periodic resync, health banner, bells and the flusher
        until cancelled.

        `state_name`, `health_state_name` and `bell_state_name` are the full names of the substates the pages read
        the pushed vars from (handed in by the wiring: this package imports no UI state)."""
        # Per process, at start: the app is imported before granian forks its workers.
        self.instance = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._wire, self._state_name = wire, state_name
        wire.on_disconnect(self._forget)
        self._redis = app_redis()
        tasks = [
            asyncio.create_task(self._subscribe(publisher.channel(), self._show_changed, self._resubscribed)),
            asyncio.create_task(self._resync()),
        ]
        if health_state_name:
            tasks.append(asyncio.create_task(health.watch.run(self._health_emitter(health_state_name))))
        if bell_state_name:
            bell = self._bell_pusher(bell_state_name)
            tasks.append(asyncio.create_task(self._subscribe(notifications.channel(), bell, self._no_op)))
        try:
            await self._flusher()
        finally:
            for task in tasks:
                task.cancel()
            self._wire = None
            with contextlib.suppress(Exception):  # our viewers are gone: say so, briefly
                await asyncio.wait_for(self._write_viewers({show: 0 for show in self._written}), 1.0)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._redis.aclose(), 1.0)

    async def _show_changed(self, show_id: int) -> None:
        self.mark_dirty(show_id)

    async def _resubscribed(self) -> None:
        for show_id in self.local_viewers():  # anything missed while (re)connecting
            self.mark_dirty(show_id)

    async def _no_op(self) -> None:
        """A bell read on page load is fresh; nothing to catch up on after a reconnect."""

    # -- the notification bell --------------------------------------------------------------------
    async def watch_user(self, sid: str, user_id: int) -> None:
        """Put a signed-in socket in its user's room, so their bell is pushed to it."""
        if self._wire is not None and sid and await self._wire.enter_room(sid, user_room(user_id)):
            self._users[sid] = user_id

    def _bell_pusher(self, state_name: str) -> Callable[[int], Awaitable[None]]:
        """Push a notified user's unread count to their sockets on this worker (if any)."""

        async def push(user_id: int) -> None:
            if self._wire is None or user_id not in self._users.values():
                return
            unread = await _reader.run(_unread_sync, user_id)
            await self._wire.broadcast(
                self._wire.message({state_name: {"unread": unread}}), user_room(user_id)
            )

        return push

    def _health_emitter(self, state_name: str) -> Callable[[Health], Awaitable[None]]:
        """Send a health change to every socket of this worker (no room: the banner is on every page)."""

        async def emit(current: Health) -> None:
            if self._wire is not None:
                values = {"level": current.level, "message": current.message}
                await self._wire.broadcast(self._wire.message({state_name: values}))

        return emit

    async def _subscribe(
        self,
        name: str,
        on_message: Callable[[int], Awaitable[None]],
        on_connect: Callable[[], Awaitable[None]],
    ) -> None:
        """Until cancelled: call `on_message` with each id published on channel `name`, and
        `on_connect` after each (re)subscription (for anything missed meanwhile)."""
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(name)
                await on_connect()
                async for message in pubsub.listen():
                    with contextlib.suppress(ValueError, TypeError):
                        await on_message(int(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("live pusher: subscription lost; reconnecting", exc_info=True)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _resync(self) -> None:
        """Self-healing: re-read watched shows and refresh this worker's viewer counts now and then."""
        interval = get_settings().live_resync_seconds
        while True:
            await asyncio.sleep(interval)
            local = self.local_viewers()
            try:
                if local:  # heartbeat for the TTL; changed counts are announced by the flusher
                    await self._write_viewers(local, announce=False)
            except Exception:
                log.warning("live pusher: viewer heartbeat failed", exc_info=True)
            for show_id in local:  # pushed only if it differs from what viewers already hold
                self.mark_dirty(show_id)

    async def _flusher(self) -> None:
        tick = get_settings().live_tick_ms / 1000
        last = 0.0
        while True:
            try:
                # Not asyncio.wait_for: on Python 3.11 it swallows a cancel that arrives as the
                # wait completes, and the flusher (so the worker's shutdown) never ended.
                async with asyncio.timeout(1.0):
                    await self._wake.wait()
            except TimeoutError:
                if self.local_viewers() == self._written and not self._replied:
                    continue
            if (delay := last + tick - time.monotonic()) > 0:
                await asyncio.sleep(delay)  # coalesce: at most one round per tick
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            last = time.monotonic()
            try:
                await self._flush(dirty)
            except Exception:
                log.exception("live pusher: flush failed; retrying")
                self._dirty |= dirty
                await asyncio.sleep(1)
                self._wake.set()

    async def _flush(self, dirty: set[int]) -> None:
        local = self.local_viewers()
        metrics.set_viewers(sum(local.values()))
        changed = {s: n for s, n in local.items() if self._written.get(s) != n}
        changed.update({s: 0 for s in self._written if s not in local})
        if changed:
            await self._write_viewers(changed)
        for show_id in [s for s in self.snapshots if s not in local]:
            del self.snapshots[show_id]  # nobody here watches it any more
            self._applied.pop(show_id, None)
            self._viewers_pushed.pop(show_id, None)
            if (due := self._viewers_due.pop(show_id, None)) is not None:
                due.cancel()
        targets = sorted((dirty | changed.keys()) & local.keys())
        if targets:
            await self._refresh(targets, emit=True)
        await self._resend_to_joiners()

    async def _resend_to_joiners(self) -> None:
        """Send the current snapshot once more to each socket whose page reply went out since the
        last round (see `replied`)."""
        if self._wire is None:
            return
        replied, self._replied = self._replied, set()
        for sid in replied:
            snap = self.snapshots.get(self._watching.get(sid, 0))
            if snap is not None:
                await self._wire.send(sid, self._wire.message({self._state_name: snap.fields(True)}))

    async def _write_viewers(self, counts: dict[int, int], *, announce: bool = True) -> None:
        """Record this worker's viewers per show and tell the other workers to re-read."""
        ttl = get_settings().live_viewer_ttl_seconds
        now_ms = int(time.time() * 1000)
        pipe = self._redis.pipeline(transaction=False)
        for show_id, n in counts.items():
            key = publisher.viewers_key(show_id)
            if n:
                pipe.hset(key, self.instance, f"{n}:{now_ms}")
                pipe.pexpire(key, int(ttl * 1000))
            else:
                pipe.hdel(key, self.instance)
            if announce:
                pipe.publish(publisher.channel(), str(show_id))
        await pipe.execute()
        for show_id, n in counts.items():
            if n:
                self._written[show_id] = n
            else:
                self._written.pop(show_id, None)

    def _hold_viewer_count(self, previous: LiveSnapshot, snap: LiveSnapshot) -> bool:
        """Whether to keep `previous` for now: only its viewer count changed, and one such change
        went out less than `live_viewers_push_seconds` ago (then the show is re-read when it is
        due). Why: while a crowd arrives every round changes the count, and pushing it to every
        viewer 20 times a second cost as much as 200 votes/s; a vote still goes out at once."""
        if previous.viewers == snap.viewers or replace(snap, viewers=previous.viewers) != previous:
            return False
        show_id, now = snap.show_id, time.monotonic()
        due = self._viewers_pushed.get(show_id, -math.inf) + get_settings().live_viewers_push_seconds
        if now >= due:
            self._viewers_pushed[show_id] = now
            return False
        if show_id not in self._viewers_due:
            self._viewers_due[show_id] = asyncio.get_running_loop().call_later(
                due - now, self._viewers_now, show_id
            )
        return True

    def _viewers_now(self, show_id: int) -> None:
        self._viewers_due.pop(show_id, None)
        self.mark_dirty(show_id)

    async def _refresh(self, show_ids: list[int], *, emit: bool) -> None:
        started = time.perf_counter()
        self._reads += 1
        read_no = self._reads
        # The sequence numbers first, then the database: a snapshot includes every commit it counts.
        pipe = self._redis.pipeline(transaction=False)
        for show_id in show_ids:
            pipe.get(publisher.seq_key(show_id))
            pipe.hgetall(publisher.viewers_key(show_id))
        replies = await pipe.execute()
        counts = await _reader.run(_read_counts_sync, show_ids)
        read_done = time.perf_counter()
        ttl_ms = get_settings().live_viewer_ttl_seconds * 1000
        now_ms = time.time() * 1000
        for i, show_id in enumerate(show_ids):
            seq = int(replies[2 * i] or 0)
            viewers = 0
            for value in replies[2 * i + 1].values():
                n, _, at = value.decode().partition(":")
                if now_ms - float(at or 0) < ttl_ms:
                    viewers += int(n)
            snap = build_snapshot(counts[show_id], seq, viewers)
            previous = self.snapshots.get(show_id)
            if self._applied.get(show_id, 0) > read_no:
                continue  # a concurrent read that started later already landed
            if emit and previous is not None and self._hold_viewer_count(previous, snap):
                continue
            self._applied[show_id] = read_no
            self.snapshots[show_id] = snap
            if (
                emit
                and self._wire is not None
                and (previous is None or previous.fields(True) != snap.fields(True))
            ):
                with_songs = previous is None or previous.songs != snap.songs
                message = self._wire.message({self._state_name: snap.fields(with_songs)})
                await self._wire.broadcast(message, room(show_id))
                self.stats["pushes"] += 1
                metrics.live_pushed(started)
        self.stats["flushes"] += 1
        self.stats["read_ms"] += (read_done - started) * 1000
        self.stats["emit_ms"] += (time.perf_counter() - read_done) * 1000


hub = LiveHub()
