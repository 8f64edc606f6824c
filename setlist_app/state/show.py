"""State of the show page: the page itself, the viewer's votes, and the live counts substate."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.domain.ids import strict_id
from setlist_app.live.pusher import LiveSnapshot, hub
from setlist_app.live.vote_lane import (
    SAVE_FAILED,
    Refusal,
    VoterPage,
    lane,
    limiter,
    published,
    run_db,
)
from setlist_app.services import catalog_views as views
from setlist_app.services import voting
from setlist_app.state.catalog import PageLoad
from setlist_app.state.viewer import ViewerMixin

log = logging.getLogger(__name__)


@dataclass
class LiveSong:
    id: int = 0
    song_id: int = 0
    title: str = ""
    album: str = ""
    source: str = ""


class ShowLive(rx.State):
    """Live counts of the show being viewed, pushed by `setlist_app.live.pusher` to a room.

    `seq` is the snapshot's sequence number: the hub never pushes an older snapshot over a newer.

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


class ShowVoter(rx.State):
    """The viewer's own votes on the show page: uncached computed vars over this socket's
    `VoterPage` record in the vote lane, which the lane also sends on each vote. No handler can
    assign them, so the page and the lane never disagree; a handler changes the record instead."""

    # The socket whose record this page shows, set by the page's load: each var reads it, and
    # `self.router` assembles a RouterData on every access (5% of a page load's CPU, profiled).
    _sid: str = ""

    def _record(self) -> VoterPage:
        return lane.page(self._sid) or VoterPage(0)

    @rx.var(cache=False)
    def signed_in(self) -> bool:
        return self._record().signed_in

    @rx.var(cache=False)
    def my_votes(self) -> list[int]:  # prediction-song ids this viewer upvoted
        return list(self._record().my_votes)

    @rx.var(cache=False)
    def busy(self) -> list[int]:  # prediction-song ids with a request in flight
        return list(self._record().busy)

    @rx.var(cache=False)
    def pending(self) -> dict[str, int]:  # optimistic, then confirmed, counts per prediction song...
        return dict(self._record().pending)

    @rx.var(cache=False)
    def pending_seq(self) -> dict[str, int]:  # ...shown while the live snapshot is older than this
        return dict(self._record().pending_seq)

    @rx.var(cache=False)
    def votes_left(self) -> int:  # anonymous allowance; -1 = unlimited (signed in)
        return self._record().votes_left

    @rx.var(cache=False)
    def adds_left(self) -> int:
        return self._record().adds_left


def _add_and_allowance(
    session: Session, viewer: Viewer, show_id: int, song_id: int
) -> tuple[voting.AddResult, voting.Allowance]:
    result = voting.add_song(session, viewer, show_id, song_id)
    session.commit()  # release the counter rows every vote locks before reading the allowance
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
    """The show page. Votes are answered by `vote_lane.lane` on the socket, outside this state; the
    viewer's own votes are `ShowVoter`'s. Its vars are uncached, so Reflex recomputes them into every
    update: a handler that changes the record needs to do nothing more."""

    page: views.ShowPage = views.ShowPage()
    closed_message: str = ""  # "" while the show takes votes
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

    @property
    def _sid(self) -> str:
        return self.router.session.session_id

    def _refused(self, refusal: Refusal) -> Any:
        if refusal.sign_in_prompt:
            self.sign_in_prompt = True
        if refusal.closed_message is not None:
            self.closed_message = refusal.closed_message
        return rx.toast.error(refusal.toast) if refusal.toast else None

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.not_found, self.error = True, False, ""
        self.picker_open, self.sign_in_prompt = False, False
        self.catalog = []  # the picker's songs are this show's artist's, loaded when it opens
        sid = self._sid
        lane.close_page(sid)  # the previous page's votes go until this show's record replaces it
        (await self.get_state(ShowVoter))._sid = sid
        yield
        try:
            record = VoterPage(0, self.router.headers.cookie, self.router.session.client_ip)
            viewer = await record.viewer()  # off the event loop when signed in
            data = await run_db(_page_data, await self._route_slug(), viewer)
            self.not_found = data.page is None
            self.page = data.page or views.ShowPage()
            if data.page is not None:
                self.closed_message = data.closed
                self.present_songs = [row.song_id for row in data.page.prediction]
                record.show_id = data.page.show_id
                record.my_votes = data.my_votes
                record.set_allowance(viewer, data.allowance)
                lane.open_page(sid, record)
                await self._watch(sid, data.page.show_id)
        except Exception:
            self.error = "We couldn't load this show right now."
            raise
        finally:
            self.loading = False

    async def _watch(self, sid: str, show_id: int) -> None:
        live = await self.get_state(ShowLive)
        live._show_id = show_id
        await hub.join(sid, show_id)
        # Reflex runs each event in its own task and sends the handler's updates from it: when the
        # task ends, this page's reply is on the socket, and the hub's re-send goes after it.
        task = asyncio.current_task()
        if task is not None:
            task.add_done_callback(lambda _: hub.replied(sid))

    @rx.event
    async def leave(self):  # type: ignore[no-untyped-def]
        """The page unmounted (navigation): stop receiving this show's pushes."""
        live = await self.get_state(ShowLive)
        live._show_id = 0
        await hub.leave(self._sid)
        lane.close_page(self._sid)

    @rx.event
    async def vote(self, prediction_song_id: int) -> None:
        """What the page's vote button names. `vote_lane` answers these events on the socket before
        Reflex sees them; should one reach Reflex's queue (chained from another handler), it runs
        the same code."""
        await lane.vote(self._sid, prediction_song_id)

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
        sid = strict_id(song_id)
        if sid is None:
            yield rx.toast.error("We couldn't find that song. Reload the page and try again.")
            return
        record = lane.page(self._sid)
        if self.adding or record is None:
            return
        self.adding = sid
        yield
        viewer = await record.viewer()
        try:
            await limiter().check(viewer, record.client_ip)
            result, allow = await run_db(_add_and_allowance, viewer, self.page.show_id, sid)
            seq = await published(result.show_id, result.added or result.vote.changed)
            psid = result.prediction_song_id
            record.mark_voted(psid, True)
            record.confirm(str(psid), result.vote.vote_count, seq)
            record.set_allowance(viewer, allow)
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
            toast = self._refused(record.rejected(exc))
            if toast is not None:
                yield toast
        except Exception:
            log.exception("add song failed")
            yield rx.toast.error(SAVE_FAILED)
        finally:
            self.adding = 0
