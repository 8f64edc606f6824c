"""/admin/jobs: sync_jobs history with filters, details, retry and cancel (through the gateway)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.services.admin import jobs, views
from setlist_app.services.admin.dispatch import enqueue_pending, pending_job
from setlist_app.state.admin.common import act, as_int, feedback
from setlist_app.state.admin_base import AdminState

PAGE_SIZE = 25
ANY = "any"  # select value for "no filter" (Radix selects cannot hold an empty value)


def _page(session: Session, filters: jobs.JobFilters, page: int) -> dict[str, Any]:
    now = utcnow()
    result = jobs.list_jobs(session, filters, page=page, page_size=PAGE_SIZE, now=now)
    return {
        "rows": [views.job(r, now) for r in result.items],
        "total": result.total,
        "pages": result.pages,
        "kinds": [ANY, *jobs.kinds(session)],
        "counts": jobs.status_counts(session),
    }


class AdminJobsState(AdminState):
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    kinds: list[str] = []
    status_counts: dict[str, int] = {}
    kind: str = ANY
    status: str = ANY
    artist: str = ""
    since: str = ANY
    selected: dict[str, str] = {}
    loaded: bool = False
    busy: str = ""

    def _filters(self) -> jobs.JobFilters:
        def value(v: str) -> str:
            return "" if v == ANY else v

        return jobs.JobFilters(value(self.kind), value(self.status), self.artist, value(self.since))

    async def _refresh(self) -> None:
        data = await run_db(_page, self._filters(), self.page)
        self.rows, self.total, self.pages = data["rows"], data["total"], data["pages"]
        self.kinds, self.status_counts = data["kinds"], data["counts"]
        if self.selected:
            self.selected = next((r for r in self.rows if r["id"] == self.selected.get("id")), self.selected)
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        self.page = 1
        await self._refresh()

    @rx.event
    async def poll(self, _tick: str = "") -> None:
        await self._refresh()

    @rx.event
    async def set_filter(self, name: str, value: str) -> None:
        if name in ("kind", "status", "since"):
            setattr(self, name, str(value or ANY)[:48])
        elif name == "artist":
            self.artist = str(value or "")[:100]
        self.page = 1
        await self._refresh()

    @rx.event
    async def clear_filters(self) -> None:
        self.kind = self.status = self.since = ANY
        self.artist, self.page = "", 1
        await self._refresh()

    @rx.event
    async def go_page(self, page: int) -> None:
        self.page = max(1, min(as_int(page) or 1, self.pages))
        await self._refresh()

    @rx.event
    def select(self, job_id: str) -> None:
        self.selected = next((r for r in self.rows if r["id"] == str(job_id)), {})

    @rx.event
    def close_details(self) -> None:
        self.selected = {}

    @rx.event
    async def retry(self, job_id: str) -> Any:
        self.busy = f"retry:{job_id}"
        yield
        outcome = await act(jobs.retry_job, self._viewer(), as_int(job_id))
        if outcome.ok:
            await enqueue_pending(await run_db(pending_job, outcome.value.job_id))
        self.busy = ""
        await self._refresh()
        done = (
            f"Job {outcome.value.job_id} queued"
            if outcome.ok and outcome.value.created
            else (f"A job like this is already queued (job {outcome.value.job_id})" if outcome.ok else "")
        )
        yield feedback(outcome, done)

    @rx.event
    async def cancel(self, job_id: str) -> Any:
        self.busy = f"cancel:{job_id}"
        yield
        outcome = await act(jobs.cancel_job, self._viewer(), as_int(job_id))
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, f"Job {job_id} cancelled")
