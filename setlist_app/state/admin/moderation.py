"""/admin/moderation: content flags raised by fans; dismiss, or remove the song from the prediction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import app_redis, run_db
from setlist_app.domain.ids import strict_id
from setlist_app.live.publisher import publish_show_changed
from setlist_app.models.base import utcnow
from setlist_app.services.admin import moderation, views
from setlist_app.services.admin.paging import Page
from setlist_app.state.admin.page import PagedAdminPage
from setlist_app.state.admin_base import AdminState

log = logging.getLogger(__name__)
PAGE_SIZE = 25


@dataclass(frozen=True)
class _FlagsPage:
    rows: Page[views.FlagView]
    open: int


def _page(session: Session, status: str, page: int) -> _FlagsPage:
    now = utcnow()
    result = moderation.list_flags(session, status=status, page=page, page_size=PAGE_SIZE)
    rows = Page([views.flag(f, now) for f in result.items], result.total, result.page, result.page_size)
    return _FlagsPage(rows, moderation.open_count(session))


async def _publish(removed: moderation.Removal) -> None:
    """Live viewers of the show get the new ranking."""
    redis = app_redis()
    try:
        await publish_show_changed(redis, removed.show_id)
    except Exception as exc:
        log.warning("could not publish show %s: %s", removed.show_id, exc)
    finally:
        await redis.aclose()


class AdminModerationState(PagedAdminPage, AdminState):
    rows: list[views.FlagView] = []
    status: str = "open"
    open_flags: int = 0

    async def _refresh(self) -> None:
        data = await run_db(_page, self.status, self.page)
        self.rows, self.total, self.pages = data.rows.items, data.rows.total, data.rows.pages
        self.open_flags = data.open
        self.loaded = True

    @rx.event
    async def filter_status(self, status: str | list[str]) -> None:
        self.status = status if isinstance(status, str) and status in moderation.STATUSES else "open"
        self.page = 1
        await self._refresh()

    @rx.event
    async def dismiss(self, flag_id: str) -> Any:
        async for event in self._perform(
            f"flag:{flag_id}",
            moderation.dismiss,
            strict_id(flag_id),
            done=lambda _: "Flag dismissed: the song stays",
        ):
            yield event

    @rx.event
    async def remove(self, flag_id: str) -> Any:
        async for event in self._perform(
            f"flag:{flag_id}",
            moderation.remove_song,
            strict_id(flag_id),
            done=lambda removed: f"Song removed from the prediction ({removed})",
            after=_publish,
        ):
            yield event
