"""/admin/jobs: sync_jobs history with filters, details, retry and cancel (through the gateway)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.domain.ids import strict_id
from setlist_app.models.base import utcnow
from setlist_app.services.admin import jobs, views
from setlist_app.services.admin.dispatch import enqueue_pending, pending_job
from setlist_app.services.admin.paging import Page
from setlist_app.state.admin.page import PagedAdminPage
from setlist_app.state.admin_base import AdminState

PAGE_SIZE = 25
ANY = "any"  # select value for "no filter" (Radix selects cannot hold an empty value)


@dataclass(frozen=True)
class _JobsPage:
    rows: Page[views.JobView]
    kinds: list[str]
    counts: dict[str, int]


def _page(session: Session, filters: jobs.JobFilters, page: int) -> _JobsPage:
    now = utcnow()
    result = jobs.list_jobs(session, filters, page=page, page_size=PAGE_SIZE, now=now)
    rows = Page([views.job(r, now) for r in result.items], result.total, result.page, result.page_size)
    return _JobsPage(rows, [ANY, *jobs.kinds(session)], jobs.status_counts(session))


async def _dispatch(requested: jobs.JobRequestOutcome) -> None:
    await enqueue_pending(await run_db(pending_job, requested.job_id))


def _queued(requested: jobs.JobRequestOutcome) -> str:
    if requested.created:
        return f"Job {requested.job_id} queued"
    return f"A job like this is already queued (job {requested.job_id})"


class AdminJobsState(PagedAdminPage, AdminState):
    rows: list[views.JobView] = []
    kinds: list[str] = []
    status_counts: dict[str, int] = {}
    kind: str = ANY
    status: str = ANY
    artist: str = ""
    since: str = ANY
    selected: views.JobView = views.JobView()  # the job in the details dialog; id "" when closed

    def _filters(self) -> jobs.JobFilters:
        def value(v: str) -> str:
            return "" if v == ANY else v

        return jobs.JobFilters(value(self.kind), value(self.status), self.artist, value(self.since))

    def _on_load(self) -> None:
        self.page = 1

    async def _refresh(self) -> None:
        data = await run_db(_page, self._filters(), self.page)
        self.rows, self.total, self.pages = data.rows.items, data.rows.total, data.rows.pages
        self.kinds, self.status_counts = data.kinds, data.counts
        if self.selected.id:
            self.selected = next((r for r in data.rows.items if r.id == self.selected.id), self.selected)
        self.loaded = True

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
    def select(self, job_id: str) -> None:
        self.selected = next((r for r in self.rows if r.id == str(job_id)), views.JobView())

    @rx.event
    def close_details(self) -> None:
        self.selected = views.JobView()

    @rx.event
    async def retry(self, job_id: str) -> Any:
        async for event in self._perform(
            f"retry:{job_id}", jobs.retry_job, strict_id(job_id), done=_queued, after=_dispatch
        ):
            yield event

    @rx.event
    async def cancel(self, job_id: str) -> Any:
        async for event in self._perform(
            f"cancel:{job_id}", jobs.cancel_job, strict_id(job_id), done=lambda _: f"Job {job_id} cancelled"
        ):
            yield event
