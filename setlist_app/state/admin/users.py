"""/admin/users: list/search, change role (never the last admin), ban/unban."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.services.admin import users, views
from setlist_app.state.admin.common import act, as_int, feedback
from setlist_app.state.admin_base import AdminState

PAGE_SIZE = 25
ANY = "any"


def _page(session: Session, query: str, role: str, page: int) -> dict[str, Any]:
    now = utcnow()
    result = users.search(session, query, role="" if role == ANY else role, page=page, page_size=PAGE_SIZE)
    return {"rows": [views.user(u, now) for u in result.items], "total": result.total, "pages": result.pages}


class AdminUsersState(AdminState):
    rows: list[dict[str, str]] = []
    query: str = ""
    role: str = ANY
    total: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    busy: str = ""

    async def _refresh(self) -> None:
        data = await run_db(_page, self.query, self.role, self.page)
        self.rows, self.total, self.pages = data["rows"], data["total"], data["pages"]
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        await self._refresh()

    @rx.event
    async def search(self, query: str) -> None:
        self.query, self.page = str(query or "")[:100], 1
        await self._refresh()

    @rx.event
    async def filter_role(self, role: str) -> None:
        self.role, self.page = str(role or ANY)[:16], 1
        await self._refresh()

    @rx.event
    async def poll(self, _tick: str = "") -> None:
        await self._refresh()

    @rx.event
    async def go_page(self, page: int) -> None:
        self.page = max(1, min(as_int(page) or 1, self.pages))
        await self._refresh()

    @rx.event
    async def set_role(self, user_id: str, role: str) -> Any:
        self.busy = f"user:{user_id}"
        yield
        outcome = await act(users.change_role, self._viewer(), as_int(user_id), str(role))
        self.busy = ""
        await self._refresh()
        done = {"banned": "User banned", "admin": "User is now an admin"}.get(
            str(role), "Role changed to user"
        )
        yield feedback(outcome, done)

    @rx.event
    async def unban(self, user_id: str) -> Any:
        self.busy = f"user:{user_id}"
        yield
        outcome = await act(users.unban, self._viewer(), as_int(user_id))
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, "Ban lifted")
