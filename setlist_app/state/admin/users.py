"""/admin/users: list/search, change role (never the last admin), ban/unban."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.domain.ids import strict_id
from setlist_app.models.base import utcnow
from setlist_app.services.admin import users, views
from setlist_app.services.admin.paging import Page
from setlist_app.state.admin.page import PagedAdminPage
from setlist_app.state.admin_base import AdminState

PAGE_SIZE = 25
ANY = "any"
ROLE_DONE = {"banned": "User banned", "admin": "User is now an admin"}


def _page(session: Session, query: str, role: str, page: int) -> Page[views.UserView]:
    now = utcnow()
    result = users.search(session, query, role="" if role == ANY else role, page=page, page_size=PAGE_SIZE)
    return Page([views.user(u, now) for u in result.items], result.total, result.page, result.page_size)


class AdminUsersState(PagedAdminPage, AdminState):
    rows: list[views.UserView] = []
    query: str = ""
    role: str = ANY

    async def _refresh(self) -> None:
        data = await run_db(_page, self.query, self.role, self.page)
        self.rows, self.total, self.pages = data.items, data.total, data.pages
        self.loaded = True

    @rx.event
    async def search(self, query: str) -> None:
        self.query, self.page = str(query or "")[:100], 1
        await self._refresh()

    @rx.event
    async def filter_role(self, role: str) -> None:
        self.role, self.page = str(role or ANY)[:16], 1
        await self._refresh()

    @rx.event
    async def set_role(self, user_id: str, role: str) -> Any:
        done = ROLE_DONE.get(str(role), "Role changed to user")
        async for event in self._perform(
            f"user:{user_id}", users.change_role, strict_id(user_id), str(role), done=lambda _: done
        ):
            yield event

    @rx.event
    async def unban(self, user_id: str) -> Any:
        async for event in self._perform(
            f"user:{user_id}", users.unban, strict_id(user_id), done=lambda _: "Ban lifted"
        ):
            yield event
