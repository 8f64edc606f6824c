"""State of the show page: the page itself, the viewer's votes, and the live counts substate."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.live import publisher
from setlist_app.live.pusher import LiveSnapshot, hub
from setlist_app.observability import metrics
from setlist_app.services import catalog_views as views
from setlist_app.services import voting
from setlist_app.services.voting_limits import VoteRateLimiter
from setlist_app.settings import get_settings
from setlist_app.state.catalog import PageLoad
from setlist_app.state.db import _in_session
from setlist_app.state.viewer import ViewerMixin

log = logging.getLogger(__name__)
T = TypeVar("T")
NOT_CONFIRMED = 2**31 - 1  # an optimistic count stays until a snapshot at least this new arrives
SAVE_FAILED = "We couldn't save that just now. Please try again."
_shared: dict[str, Any] = {}
# Votes and page loads get their own threads: asyncio's default pool has only cpu+4 of them, and a
# burst of joins would queue every vote behind them (sized to the engine's pool + overflow).
_db_threads = ThreadPoolExecutor(max_workers=24, thread_name_prefix="show-db")


async def run_db(fn: Callable[..., T], *args: Any) -> T:
    """`setlist_app.state.db.run_db` on the show page's own thread pool."""
    return await asyncio.get_running_loop().run_in_executor(_db_threads, _in_session, fn, *args)


def _redis() -> Any:
    """One app-Redis client per backend process (created lazily on its event loop)."""
    if "redis" not in _shared:
        _shared["redis"] = publisher.app_redis()
        _shared["limiter"] = VoteRateLimiter(_shared["redis"], get_settings())
    return _shared["redis"]


def _limiter() -> VoteRateLimiter:
    _redis()
    return _shared["limiter"]


@dataclass
class LiveSong:
    id: int = 0
    song_id: int = 0
    title: str = ""
    album: str = ""
    source: str = ""


class ShowLive(rx.State):
    """Live counts of the show being viewed, pushed by `setlist_app.live.pusher` to a room.

    No handler ever assigns these: they are uncached computed vars over the worker's snapshot, so
    a reload or any other event recomputes exactly what the pusher last sent (never a stale copy).
    """

    _show_id: int = 0

    def _snap(self) -> LiveSnapshot:
        return hub.snapshot(self._show_id) or LiveSnapshot(show_id=self._show_id)

    @rx.var(cache=False)
    def seq(self) -> int:
        return self._snap().seq

    @rx.var(cache=False)
    def total(self) -> int:
        return self._snap().total

    @rx.var(cache=False)
    def viewers(self) -> int:
        return self._snap().viewers

    @rx.var(cache=False)
    def votes(self) -> dict[str, int]:
        return self._snap().votes

    @rx.var(cache=False)
    def ranks(self) -> dict[str, int]:
        return self._snap().ranks

    @rx.var(cache=False)
    def songs(self) -> list[LiveSong]:
        return [LiveSong(**song) for song in self._snap().songs]


def _vote_and_allowance(
    session: Session, viewer: Viewer, psid: int, want: bool, show_id: int | None
) -> tuple[voting.VoteResult, voting.Allowance]:
    result = voting.set_vote(session, viewer, psid, want, show_id=show_id)
    return result, voting.allowance(session, viewer, result.show_id)


def _add_and_allowance(
    session: Session, viewer: Viewer, show_id: int, song_id: int
) -> tuple[voting.AddResult, voting.Allowance]:
    result = voting.add_song(session, viewer, show_id, song_id)
    return result, voting.allowance(session, viewer, show_id)


@dataclass
class _PageData:
    page: views.ShowPage | None
    my_votes: list[int]
    allowance: voting.Allowance
    closed: str


def _page_data(session: Session, slug: str, viewer: Viewer) -> _PageData:
    """Everything the page needs for this viewer, in one session."""
    page = views.show_page(session, slug)
    if page is None:
        return _PageData(None, [], voting.Allowance(None, None), "")
    return _PageData(
        page,
        voting.my_votes(session, viewer, page.show_id),
        voting.allowance(session, viewer, page.show_id),
        voting.closed_reason(session, page.show_id),
    )


class ShowState(ViewerMixin, PageLoad, rx.State):
    page: views.ShowPage = views.ShowPage()
    closed_message: str = ""  # "" while the show takes votes
    signed_in: bool = False
    votes_left: int = -1  # anonymous allowance; -1 = unlimited (signed in)
    adds_left: int = -1
    my_votes: list[int] = []  # prediction-song ids this viewer upvoted
    busy: list[int] = []  # prediction-song ids with a request in flight
    pending: dict[str, int] = {}  # optimistic, then confirmed, counts per prediction song...
    pending_seq: dict[str, int] = {}  # ...shown while the live snapshot is older than this
    sign_in_prompt: bool = False
    picker_open: bool = False
    picker_query: str = ""
    catalog: list[voting.PickerSong] = []
    present_songs: list[int] = []  # song ids already in the prediction
    adding: int = 0  # song id being added

    @rx.var
    def voting_open(self) -> bool:
        return self.closed_message == "" and self.page.show_id > 0

    @rx.var
    def picker_results(self) -> list[voting.PickerSong]:
        needle = self.picker_query.strip().lower()
        return [s for s in self.catalog if needle in s.search][:50]

    def _client(self) -> tuple[Viewer, str]:
        return self._viewer(), self.router.session.client_ip

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.not_found, self.error = True, False, ""
        self.picker_open, self.sign_in_prompt, self.busy = False, False, []
        yield
        try:
            viewer = self._viewer()
            data = await run_db(_page_data, self._route_slug(), viewer)
            self.not_found = data.page is None
            self.page = data.page or views.ShowPage()
            if data.page is not None:
                self.my_votes, self.closed_message = data.my_votes, data.closed
                self.present_songs = [row.song_id for row in data.page.prediction]
                self._set_allowance(viewer, data.allowance)
                self.pending, self.pending_seq = {}, {}
                await self._watch(data.page.show_id)
        except Exception:
            self.error = "We couldn't load this show right now."
            raise
        finally:
            self.loading = False

    async def _watch(self, show_id: int) -> None:
        live = await self.get_state(ShowLive)
        live._show_id = show_id
        await hub.join(self.router.session.session_id, show_id)

    @rx.event
    async def leave(self):  # type: ignore[no-untyped-def]
        """The page unmounted (navigation): stop receiving this show's pushes."""
        live = await self.get_state(ShowLive)
        live._show_id = 0
        await hub.leave(self.router.session.session_id)

    def _set_allowance(self, viewer: Viewer, allow: voting.Allowance) -> None:
        self.signed_in = viewer.is_signed_in
        self.votes_left = -1 if allow.votes_left is None else allow.votes_left
        self.adds_left = -1 if allow.adds_left is None else allow.adds_left

    def _shown_count(self, key: str) -> int:
        snap = hub.snapshot(self.page.show_id)
        seq = snap.seq if snap else 0
        if self.pending_seq.get(key, 0) > seq:
            return self.pending[key]
        return snap.votes.get(key, 0) if snap else 0

    def _confirm(self, key: str, count: int, seq: int | None) -> None:
        """Show the authoritative `count` until a live snapshot with sequence >= `seq` arrives."""
        if seq is None:
            self.pending_seq.pop(key, None)
        else:
            self.pending = {**self.pending, key: count}
            self.pending_seq = {**self.pending_seq, key: seq}

    async def _published(self, show_id: int, changed: bool) -> int | None:
        if not changed:
            return None
        try:
            return await publisher.publish_show_changed(_redis(), show_id)
        except Exception:  # committed anyway; the pusher's periodic resync delivers it
            log.warning("live publish failed for show %s", show_id, exc_info=True)
            return None

    def _rejected(self, exc: voting.VoteRejected):  # type: ignore[no-untyped-def]
        if exc.needs_sign_in:
            self.sign_in_prompt = True
            if exc.code == "anon_vote_limit":
                self.votes_left = 0
            else:
                self.adds_left = 0
            return None
        if exc.code in ("completed", "cancelled", "postponed", "started"):
            self.closed_message = exc.message
        return rx.toast.error(exc.message)

    @rx.event
    async def vote(self, prediction_song_id: int):  # type: ignore[no-untyped-def]
        """Toggle the viewer's upvote: optimistic at once, then the database's answer."""
        try:
            psid = int(prediction_song_id)
        except (TypeError, ValueError):
            return
        if psid in self.busy:
            return  # a double click while the first is in flight changes nothing
        key = str(psid)
        want = psid not in self.my_votes
        before_votes, before_pending = list(self.my_votes), (self.pending.get(key), self.pending_seq.get(key))
        self.busy = [*self.busy, psid]
        self.my_votes = [*self.my_votes, psid] if want else [v for v in self.my_votes if v != psid]
        self._confirm(key, max(self._shown_count(key) + (1 if want else -1), 0), NOT_CONFIRMED)
        yield
        viewer, ip = self._client()
        try:
            await _limiter().check(viewer, ip)
            result, allow = await run_db(_vote_and_allowance, viewer, psid, want, self.page.show_id or None)
            seq = await self._published(result.show_id, result.changed)
            metrics.vote_accepted()
            self.my_votes = [v for v in self.my_votes if v != psid] + ([psid] if result.voted else [])
            self._confirm(key, result.vote_count, seq)
            self._set_allowance(viewer, allow)
        except voting.VoteRejected as exc:
            metrics.vote_rejected(exc.code)
            self.my_votes = before_votes
            self._restore(key, before_pending)
            yield self._rejected(exc)
        except Exception:
            log.exception("vote failed")
            metrics.vote_rejected("error")
            self.my_votes = before_votes
            self._restore(key, before_pending)
            yield rx.toast.error(SAVE_FAILED)
        finally:
            self.busy = [b for b in self.busy if b != psid]

    def _restore(self, key: str, before: tuple[int | None, int | None]) -> None:
        count, seq = before
        if seq is None or count is None:
            self.pending_seq = {k: v for k, v in self.pending_seq.items() if k != key}
        else:
            self._confirm(key, count, seq)

    @rx.event
    async def open_picker(self):  # type: ignore[no-untyped-def]
        self.picker_open, self.picker_query = True, ""
        if not self.catalog:
            yield
            self.catalog = await run_db(voting.picker_catalog, self.page.show_id)

    @rx.event
    def set_picker_open(self, value: bool) -> None:
        self.picker_open = bool(value)

    @rx.event
    def set_picker_query(self, value: str) -> None:
        self.picker_query = str(value)[:100]

    @rx.event
    def set_sign_in_prompt(self, value: bool) -> None:
        self.sign_in_prompt = bool(value)

    @rx.event
    async def add_song(self, song_id: int):  # type: ignore[no-untyped-def]
        """Add a catalog song to the prediction with the viewer's upvote."""
        try:
            sid = int(song_id)
        except (TypeError, ValueError):
            return
        if self.adding:
            return
        self.adding = sid
        yield
        viewer, ip = self._client()
        try:
            await _limiter().check(viewer, ip)
            result, allow = await run_db(_add_and_allowance, viewer, self.page.show_id, sid)
            seq = await self._published(result.show_id, result.added or result.vote.changed)
            psid = result.prediction_song_id
            self.my_votes = [v for v in self.my_votes if v != psid] + [psid]
            self._confirm(str(psid), result.vote.vote_count, seq)
            self._set_allowance(viewer, allow)
            self.present_songs = [*self.present_songs, sid]
            self.picker_open = False
            title = next((s.title for s in self.catalog if s.song_id == sid), "The song")
            if result.added:
                yield rx.toast.success(f"Added “{title}” with your vote.")
            else:
                yield rx.toast.info(f"“{title}” was already in the prediction, so we counted your vote.")
        except voting.VoteRejected as exc:
            if exc.needs_sign_in:
                self.picker_open = False
            yield self._rejected(exc)
        except Exception:
            log.exception("add song failed")
            yield rx.toast.error(SAVE_FAILED)
        finally:
            self.adding = 0
