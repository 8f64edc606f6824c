"""/admin/audit: every admin action (who, what, arguments, result, when)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.services.admin import audit, views
from setlist_app.state.admin.common import as_int
from setlist_app.state.admin_base import AdminState

PAGE_SIZE = 30
ANY = "any"


def _page(session: Session, action: str, page: int) -> dict[str, Any]:
    now = utcnow()
    result = audit.list_entries(
        session, action="" if action == ANY else action, page=page, page_size=PAGE_SIZE
    )
    return {
        "rows": [views.audit(e, now) for e in result.items],
        "total": result.total,
        "pages": result.pages,
        "actions": [ANY, *audit.actions(session)],
    }


class AdminAuditState(AdminState):
    rows: list[dict[str, str]] = []
    actions: list[str] = []
    action: str = ANY
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False

    async def _refresh(self) -> None:
        data = await run_db(_page, self.action, self.page)
        self.rows, self.total, self.pages, self.actions = (
            data["rows"],
            data["total"],
            data["pages"],
            data["actions"],
        )
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        self.page = 1
        await self._refresh()

    @rx.event
    async def poll(self, _tick: str = "") -> None:
        await self._refresh()

    @rx.event
    async def filter_action(self, action: str) -> None:
        self.action, self.page = str(action or ANY)[:64], 1
        await self._refresh()

    @rx.event
    async def go_page(self, page: int) -> None:
        self.page = max(1, min(as_int(page) or 1, self.pages))
        await self._refresh()
