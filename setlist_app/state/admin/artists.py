"""/admin/artists: search an artist, see its sync state, "sync now" (deduplicated) with progress."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.domain.ids import strict_id
from setlist_app.models.base import utcnow
from setlist_app.services.admin import artists, views
from setlist_app.services.admin.dispatch import enqueue_pending, pending_job
from setlist_app.services.admin.paging import Page
from setlist_app.state.admin.common import Outcome, feedback
from setlist_app.state.admin.page import PagedAdminPage
from setlist_app.state.admin_base import AdminState

PAGE_SIZE = 20


def _page(session: Session, query: str, page: int) -> Page[views.ArtistView]:
    now = utcnow()
    result = artists.search(session, query, page=page, page_size=PAGE_SIZE)
    return Page([views.artist(a, now) for a in result.items], result.total, result.page, result.page_size)


async def _dispatch(requested: artists.SyncNowOutcome) -> None:
    if requested.created:  # hand the new job to the queue now rather than on the next tick
        await enqueue_pending(await run_db(pending_job, requested.job_id))


def _reply(outcome: Outcome) -> Any:
    if outcome.ok and not outcome.value.created:
        return rx.toast.info(outcome.value.message, duration=4000)
    return feedback(outcome, outcome.value.message if outcome.ok else "")


class AdminArtistsState(PagedAdminPage, AdminState):
    rows: list[views.ArtistView] = []
    query: str = ""

    async def _refresh(self) -> None:
        data = await run_db(_page, self.query, self.page)
        self.rows, self.total, self.pages = data.items, data.total, data.pages
        self.loaded = True

    @rx.event
    async def search(self, query: str) -> None:
        self.query, self.page = str(query or "")[:100], 1
        await self._refresh()

    @rx.event
    async def sync_now(self, artist_id: str) -> Any:
        async for event in self._perform(
            f"sync:{artist_id}", artists.sync_now, strict_id(artist_id), after=_dispatch, reply=_reply
        ):
            yield event
