"""/admin/audit: every admin action (who, what, arguments, result, when)."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.services.admin import audit, views
from setlist_app.services.admin.paging import Page
from setlist_app.state.admin.page import PagedAdminPage
from setlist_app.state.admin_base import AdminState

PAGE_SIZE = 30
ANY = "any"


@dataclass(frozen=True)
class _AuditPage:
    rows: Page[views.AuditView]
    actions: list[str]


def _page(session: Session, action: str, page: int) -> _AuditPage:
    now = utcnow()
    result = audit.list_entries(
        session, action="" if action == ANY else action, page=page, page_size=PAGE_SIZE
    )
    rows = Page([views.audit(e, now) for e in result.items], result.total, result.page, result.page_size)
    return _AuditPage(rows, [ANY, *audit.actions(session)])


class AdminAuditState(PagedAdminPage, AdminState):
    rows: list[views.AuditView] = []
    actions: list[str] = []
    action: str = ANY

    def _on_load(self) -> None:
        self.page = 1

    async def _refresh(self) -> None:
        data = await run_db(_page, self.action, self.page)
        self.rows, self.total, self.pages = data.rows.items, data.rows.total, data.rows.pages
        self.actions = data.actions
        self.loaded = True

    @rx.event
    async def filter_action(self, action: str) -> None:
        self.action, self.page = str(action or ANY)[:64], 1
        await self._refresh()
