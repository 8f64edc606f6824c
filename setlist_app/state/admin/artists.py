"""/admin/artists: search an artist, see its sync state, "sync now" (deduplicated) with progress."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.services.admin import artists, views
from setlist_app.services.admin.dispatch import enqueue_pending, pending_job
from setlist_app.state.admin.common import act, as_int, feedback
from setlist_app.state.admin_base import AdminState

PAGE_SIZE = 20


def _page(session: Session, query: str, page: int) -> dict[str, Any]:
    now = utcnow()
    result = artists.search(session, query, page=page, page_size=PAGE_SIZE)
    return {
        "rows": [views.artist(a, now) for a in result.items],
        "total": result.total,
        "pages": result.pages,
    }


class AdminArtistsState(AdminState):
    rows: list[dict[str, str]] = []
    query: str = ""
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    busy: str = ""

    async def _refresh(self) -> None:
        data = await run_db(_page, self.query, self.page)
        self.rows, self.total, self.pages = data["rows"], data["total"], data["pages"]
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        await self._refresh()

    @rx.event
    async def poll(self, _tick: str = "") -> None:
        await self._refresh()

    @rx.event
    async def search(self, query: str) -> None:
        self.query, self.page = str(query or "")[:100], 1
        await self._refresh()

    @rx.event
    async def go_page(self, page: int) -> None:
        self.page = max(1, min(as_int(page) or 1, self.pages))
        await self._refresh()

    @rx.event
    async def sync_now(self, artist_id: str) -> Any:
        self.busy = f"sync:{artist_id}"
        yield
        outcome = await act(artists.sync_now, self._viewer(), as_int(artist_id))
        if outcome.ok and outcome.value.created:
            await enqueue_pending(await run_db(pending_job, outcome.value.job_id))
        self.busy = ""
        await self._refresh()
        if outcome.ok and not outcome.value.created:
            yield rx.toast.info(outcome.value.message, duration=4000)
        else:
            yield feedback(outcome, outcome.value.message if outcome.ok else "")
