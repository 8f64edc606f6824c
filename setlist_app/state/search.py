"""Search typeahead and the "request an artist" flow (progress polled from the sync_jobs row)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import reflex as rx
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.db import run_db
from setlist_app.services import search as svc
from setlist_app.state.viewer import ViewerMixin

POLL_SECONDS = 2.0
POLL_LIMIT = 150  # stop polling after ~5 minutes; the page offers a refresh


def requester(viewer: Viewer) -> str | None:
    """`user:<id>` or `user:anon:<anon id>` for the job gateway; None without a verified identity."""
    if viewer.user_id is not None:
        return f"user:{viewer.user_id}"
    return f"user:anon:{viewer.anon_id}" if viewer.anon_id else None


def _request(session: Session, name: str, who: str, client_ip: str) -> svc.DiscoveryProgress:
    return svc.request_artist(session, name, who, client_ip)


class SearchState(ViewerMixin, rx.State):
    query: str = ""
    query_cut: bool = False  # the visitor typed more than we search (the page says so)
    searched: str = ""  # the query the results belong to
    artists: list[svc.SearchHit] = []
    shows: list[svc.SearchHit] = []
    venues: list[svc.SearchHit] = []
    songs: list[svc.SearchHit] = []
    offer_request: bool = False
    error: str = ""
    request_status: str = ""  # "" | pending | running | succeeded | failed | cancelled | found
    request_message: str = ""
    request_slug: str = ""
    requesting: bool = False
    _request_job: int = 0
    _request_key: str = ""

    @rx.var
    def total(self) -> int:
        return len(self.artists) + len(self.shows) + len(self.venues) + len(self.songs)

    @rx.var
    def can_search(self) -> bool:
        return bool(svc.normalize_query(self.query))

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        """/search?q=...: run the query from the URL."""
        q = self._cap(str(self.router.url.query_parameters.get("q", "")))
        if svc.discovery_key(q) != self._request_key:  # a reload keeps showing the same request
            self._request_job, self._request_key = 0, ""  # also stops an earlier poller
            self.request_status, self.request_message, self.request_slug = "", "", ""
        await self._run(q)

    @rx.event
    async def set_query(self, value: str):  # type: ignore[no-untyped-def]
        """Typeahead input (debounced in the component)."""
        await self._run(self._cap(str(value)))

    @rx.event
    def clear(self) -> None:
        self.query, self.searched, self.query_cut = "", "", False
        self.artists, self.shows, self.venues, self.songs = [], [], [], []

    @rx.event
    def submit(self, form: dict):  # type: ignore[no-untyped-def,type-arg]
        q = self._cap(str(form.get("q", self.query)))
        return rx.redirect(f"/search?q={quote(q)}") if q.strip() else None

    def _cap(self, raw: str) -> str:
        """The part of `raw` we search (a 5,000-character paste is not a query); remembers whether it
        was cut, also across the redirect to /search, which carries only the cut query."""
        q = raw[: svc.MAX_QUERY]
        self.query_cut = len(raw) > svc.MAX_QUERY or (self.query_cut and q == self.query)
        return q

    async def _run(self, q: str) -> None:
        self.query, self.error = q, ""
        try:
            results = await run_db(svc.search, q)
        except Exception:
            self.error = "Search isn't answering right now. Please try again."
            raise
        self.searched = q
        self.artists, self.shows = results.artists, results.shows
        self.venues, self.songs = results.venues, results.songs
        self.offer_request = results.offer_request

    @rx.event
    async def request_artist(self):  # type: ignore[no-untyped-def]
        """Ask the worker to find the artist named by the query; then poll its progress."""
        who = requester(await self._viewer())
        if who is None:
            yield rx.toast.error("We couldn't recognise your browser. Reload the page with cookies enabled.")
            return
        self.requesting = True
        yield
        try:
            progress = await run_db(_request, self.query, who, self.router.session.client_ip)
        except svc.RequestRefused as exc:
            yield rx.toast.error(str(exc))
            return
        except Exception:
            yield rx.toast.error("We couldn't send that request. Please try again.")
            raise
        finally:
            self.requesting = False
        self._show(progress)
        self._request_key = svc.discovery_key(self.query)
        if progress.active:
            yield SearchState.poll_request

    def _show(self, progress: svc.DiscoveryProgress) -> None:
        self._request_job = progress.job_id
        self.request_status, self.request_message = progress.status, progress.message
        self.request_slug = progress.artist_slug

    @rx.event(background=True)
    async def poll_request(self):  # type: ignore[no-untyped-def]
        """Re-read the discovery job every few seconds until it finishes (bounded)."""
        for _ in range(POLL_LIMIT):
            await asyncio.sleep(POLL_SECONDS)
            async with self:
                job_id = self._request_job
            if not job_id:
                return
            progress = await run_db(svc.progress, job_id)
            async with self:
                if self._request_job != job_id:
                    return
                self._show(progress)
            if not progress.active:
                return
