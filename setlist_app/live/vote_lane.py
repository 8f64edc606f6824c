"""Show-page votes answered on the socket itself, outside Reflex's per-event state round trip.

Why: through a Reflex event handler every vote loaded, diffed and saved the voter's state tree in
the Redis state manager and logged, ~13 ms of the one event loop per vote, so one backend worker
topped out at 45-80 votes/s while it also pushed live counts (profiled; README "Benchmarks").

How: `install` asks the wire (`reflex_wire`) to hand over events naming the show page's `vote`
handler (same event name and payload the page's button sends, so the page is unchanged); every
other event goes to Reflex untouched. The voter's vote-related page vars (my votes, songs in flight,
optimistic counts, allowance) live in a `VoterPage` record per socket, in this process (a socket
lives on one backend worker): created by the show page's load event, replaced by the next load,
dropped when the page unmounts or the socket disconnects. The record is the only copy: the page's
voter substate (`state/show.ShowVoter`) has uncached computed vars over it, so no handler can assign
them, and the lane sends the same values straight from it. Votes are stored through a
`GroupCommit`: the votes that arrive while one batch is written are the next batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlmodel import Session

from setlist_app.auth.viewer import Viewer, resolve_viewer
from setlist_app.db import ThreadPool, app_redis
from setlist_app.db import run_db as _run_db
from setlist_app.domain.ids import strict_id
from setlist_app.live import publisher
from setlist_app.live.group_commit import GroupCommit
from setlist_app.live.pusher import hub
from setlist_app.live.reflex_wire import Wire
from setlist_app.observability import metrics
from setlist_app.services import voting
from setlist_app.services.voting_limits import VoteRateLimiter
from setlist_app.settings import get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")
NOT_CONFIRMED = 2**31 - 1  # an optimistic count stays until a snapshot at least this new arrives
SAVE_FAILED = "We couldn't save that just now. Please try again."
UNREADABLE = "That vote couldn't be read. Please reload the page and try again."
CLOSED_CODES = ("completed", "cancelled", "postponed", "started")
_shared: dict[str, Any] = {}
# Votes and page loads get their own threads: asyncio's default pool has only cpu+4 of them, and a
# burst of joins would queue every vote behind them (sized to the engine's pool + overflow).
_db_threads = ThreadPool(max_workers=24, name="show-db")


async def run_db(fn: Callable[..., T], *args: Any) -> T:
    """`setlist_app.db.run_db` on the show page's own thread pool."""
    return await _run_db(fn, *args, pool=_db_threads)


def _redis() -> Any:
    """One app-Redis client per backend process (created lazily on its event loop)."""
    if "redis" not in _shared:
        _shared["redis"] = app_redis()
        _shared["limiter"] = VoteRateLimiter(_shared["redis"], get_settings())
    return _shared["redis"]


def limiter() -> VoteRateLimiter:
    _redis()
    return _shared["limiter"]


async def published(show_id: int, changed: bool) -> int | None:
    """Announce a committed change to the pushers; its sequence number, or None when not sent."""
    if not changed:
        return None
    try:
        return await publisher.publish_show_changed(_redis(), show_id)
    except Exception:  # committed anyway; the pusher's periodic resync delivers it
        log.warning("live publish failed for show %s", show_id, exc_info=True)
        return None


def _set_votes(session: Session, requests: list[voting.VoteRequest]) -> list[voting.VoteOutcome]:
    return voting.set_votes(session, requests, with_allowance=True)


Confirmed = tuple[voting.VoteResult, int | None]  # a stored vote and the live sequence announcing it


async def write_votes(requests: list[voting.VoteRequest]) -> list[Confirmed | voting.VoteRejected]:
    """Store a batch of votes in one transaction, then announce each changed show once."""
    metrics.VOTE_BATCH.observe(len(requests))
    outcomes = await run_db(_set_votes, requests)
    changed = {o.show_id for o in outcomes if isinstance(o, voting.VoteResult) and o.changed}
    seqs = {show_id: await published(show_id, True) for show_id in sorted(changed)}
    return [
        o if isinstance(o, voting.VoteRejected) else (o, seqs.get(o.show_id) if o.changed else None)
        for o in outcomes
    ]


@dataclass
class VoterPage:
    """One socket's view of its own votes on one show (the `ShowState` vars listed in `vars`)."""

    show_id: int
    cookie: str = ""  # the socket's handshake Cookie header: the viewer is resolved per vote
    client_ip: str = ""
    signed_in: bool = False
    my_votes: list[int] = field(default_factory=list)  # prediction-song ids this viewer upvoted
    busy: list[int] = field(default_factory=list)  # prediction-song ids with a request in flight
    pending: dict[str, int] = field(default_factory=dict)  # optimistic, then confirmed, counts...
    pending_seq: dict[str, int] = field(default_factory=dict)  # ...shown while the snapshot is older
    votes_left: int = -1  # anonymous allowance; -1 = unlimited (signed in)
    adds_left: int = -1

    def vars(self) -> dict[str, Any]:
        return {
            "signed_in": self.signed_in,
            "my_votes": list(self.my_votes),
            "busy": list(self.busy),
            "pending": dict(self.pending),
            "pending_seq": dict(self.pending_seq),
            "votes_left": self.votes_left,
            "adds_left": self.adds_left,
        }

    async def viewer(self) -> Viewer:
        """Who votes (a session cookie is looked up on the show page's own threads)."""
        return await resolve_viewer(self.cookie, run=_db_threads.run)

    def set_allowance(self, viewer: Viewer, allow: voting.Allowance) -> None:
        self.signed_in = viewer.is_signed_in
        self.votes_left = -1 if allow.votes_left is None else allow.votes_left
        self.adds_left = -1 if allow.adds_left is None else allow.adds_left

    def shown_count(self, key: str) -> int:
        """The count this socket currently shows for a prediction song."""
        snap = hub.snapshot(self.show_id)
        seq = snap.seq if snap else 0
        if self.pending_seq.get(key, 0) > seq:
            return self.pending[key]
        return snap.votes.get(key, 0) if snap else 0

    def confirm(self, key: str, count: int, seq: int | None) -> None:
        """Show `count` until a live snapshot with sequence >= `seq` arrives (None: the live one)."""
        if seq is None:
            self.pending_seq.pop(key, None)
        else:
            self.pending[key] = count
            self.pending_seq[key] = seq

    def mark_voted(self, psid: int, voted: bool) -> None:
        self.my_votes = [v for v in self.my_votes if v != psid] + ([psid] if voted else [])

    def rejected(self, exc: voting.VoteRejected) -> Refusal:
        """Apply a refusal to the record and say what else the page must show."""
        if exc.needs_sign_in:
            if exc.code == "anon_vote_limit":
                self.votes_left = 0
            else:
                self.adds_left = 0
            return Refusal(sign_in_prompt=True)
        return Refusal(
            closed_message=exc.message if exc.code in CLOSED_CODES else None,
            toast=exc.message,
        )


@dataclass
class Refusal:
    """The page's answer to a refused vote or add, beyond the record's own vars."""

    sign_in_prompt: bool = False
    closed_message: str | None = None  # set when the show stopped taking votes
    toast: str | None = None  # an error toast's message

    def vars(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sign_in_prompt": True} if self.sign_in_prompt else {}
        if self.closed_message is not None:  # and `voting_open`, the var computed from it
            out.update(closed_message=self.closed_message, voting_open=False)
        return out


class VoteLane:
    """One per backend worker process (module singleton `lane`)."""

    def __init__(self) -> None:
        self._wire: Wire | None = None
        self._page_state = ""  # the show page's state: its `vote` events come here, refusals go there
        self._voter_state = ""  # the substate whose vars are computed over the record
        self._records: dict[str, VoterPage] = {}  # socket -> its show page's record
        self._tasks: set[asyncio.Task[None]] = set()
        self.votes: GroupCommit[voting.VoteRequest, Confirmed] = GroupCommit(write_votes)

    def install(self, wire: Wire, page_state: str, voter_state: str) -> None:
        """Answer `<page_state>.vote` events; send the record's vars to `voter_state` (both full state
        names, handed in by the wiring)."""
        self._wire, self._page_state, self._voter_state = wire, page_state, voter_state
        wire.on_event(f"{page_state}.vote", self._on_vote)
        wire.on_disconnect(self.close_page)

    async def _on_vote(self, sid: str, payload: Any) -> None:
        psid = payload.get("prediction_song_id") if isinstance(payload, dict) else None
        # A task per vote: Reflex's socket.io server reads a socket's next message only after
        # this returns, and a vote waits on Redis and the database.
        task = asyncio.create_task(self.vote(sid, psid))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def open_page(self, sid: str, page: VoterPage) -> None:
        """Start (or restart, on reload) this socket's record for the show it now shows."""
        if self._wire is not None and sid:
            self._records[sid] = page

    def page(self, sid: str) -> VoterPage | None:
        return self._records.get(sid)

    def close_page(self, sid: str) -> None:
        """The page unmounted or the socket went: its record goes with it."""
        self._records.pop(sid, None)

    async def send(
        self, sid: str, page: VoterPage | None, extra: dict[str, Any] | None = None, toast: str | None = None
    ) -> None:
        """Send the record's vars (and the page state's `extra` vars, an error toast) to this socket."""
        if self._wire is None:
            return
        values = {self._voter_state: page.vars() if page else {}, self._page_state: extra or {}}
        await self._wire.send(sid, self._wire.message(values, toast))

    async def vote(self, sid: str, prediction_song_id: Any) -> None:
        """Toggle the socket's upvote: optimistic at once, then the database's answer."""
        page = self.page(sid)
        if page is None:
            return  # no show page on this socket
        psid = strict_id(prediction_song_id)
        if psid is None:
            await self.send(sid, None, toast=UNREADABLE)
            return
        if psid in page.busy:
            return  # a double click while the first is in flight
        key = str(psid)
        want = psid not in page.my_votes
        before = psid in page.my_votes, page.pending.get(key), page.pending_seq.get(key)
        page.busy.append(psid)
        page.mark_voted(psid, want)
        page.confirm(key, max(page.shown_count(key) + (1 if want else -1), 0), NOT_CONFIRMED)
        await self.send(sid, page)
        extra: dict[str, Any] = {}
        toast: str | None = None
        try:
            viewer = await page.viewer()
            await limiter().check(viewer, page.client_ip)
            result, seq = await self.votes.submit(voting.VoteRequest(viewer, psid, want, page.show_id))
            metrics.vote_accepted()
            page.mark_voted(psid, result.voted)
            page.confirm(key, result.vote_count, seq)
            page.set_allowance(viewer, result.allowance or voting.Allowance(None, None))
        except voting.VoteRejected as exc:
            metrics.vote_rejected(exc.code)
            self._restore(page, psid, before)
            refusal = page.rejected(exc)
            extra, toast = refusal.vars(), refusal.toast
        except Exception:
            log.exception("vote failed")
            metrics.vote_rejected("error")
            self._restore(page, psid, before)
            toast = SAVE_FAILED
        finally:
            page.busy = [b for b in page.busy if b != psid]
        if self._records.get(sid) is not page:
            return  # the page reloaded or moved on meanwhile: the browser shows another record
        try:
            await self.send(sid, page, extra, toast)
        except Exception:  # the socket closed meanwhile: the vote itself is stored
            log.debug("vote answer not delivered to %s", sid, exc_info=True)

    @staticmethod
    def _restore(page: VoterPage, psid: int, before: tuple[bool, int | None, int | None]) -> None:
        """Undo the optimistic step of a vote that was not stored (other songs' votes untouched)."""
        voted, count, seq = before
        page.mark_voted(psid, voted)
        page.confirm(str(psid), count or 0, None if count is None else seq)


lane = VoteLane()
