"""/admin/moderation: content flags raised by fans; dismiss, or remove the song from the prediction."""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import app_redis, run_db
from setlist_app.live.publisher import publish_show_changed
from setlist_app.models.base import utcnow
from setlist_app.services.admin import moderation, views
from setlist_app.state.admin.common import act, as_int, feedback
from setlist_app.state.admin_base import AdminState

log = logging.getLogger(__name__)
PAGE_SIZE = 25


def _page(session: Session, status: str, page: int) -> dict[str, Any]:
    now = utcnow()
    result = moderation.list_flags(session, status=status, page=page, page_size=PAGE_SIZE)
    return {
        "rows": [views.flag(f, now) for f in result.items],
        "total": result.total,
        "pages": result.pages,
        "open": moderation.open_count(session),
    }


class AdminModerationState(AdminState):
    rows: list[dict[str, str]] = []
    status: str = "open"
    total: int = 0
    open_flags: int = 0
    page: int = 1
    pages: int = 1
    loaded: bool = False
    busy: str = ""

    async def _refresh(self) -> None:
        data = await run_db(_page, self.status, self.page)
        self.rows, self.total, self.pages, self.open_flags = (
            data["rows"],
            data["total"],
            data["pages"],
            data["open"],
        )
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        await self._refresh()

    @rx.event
    async def poll(self, _tick: str = "") -> None:
        await self._refresh()

    @rx.event
    async def filter_status(self, status: str | list[str]) -> None:
        self.status = status if isinstance(status, str) and status in moderation.STATUSES else "open"
        self.page = 1
        await self._refresh()

    @rx.event
    async def go_page(self, page: int) -> None:
        self.page = max(1, min(as_int(page) or 1, self.pages))
        await self._refresh()

    @rx.event
    async def dismiss(self, flag_id: str) -> Any:
        self.busy = f"flag:{flag_id}"
        yield
        outcome = await act(moderation.dismiss, self._viewer(), as_int(flag_id))
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, "Flag dismissed: the song stays")

    @rx.event
    async def remove(self, flag_id: str) -> Any:
        self.busy = f"flag:{flag_id}"
        yield
        outcome = await act(moderation.remove_song, self._viewer(), as_int(flag_id))
        if outcome.ok:
            redis = app_redis()
            try:  # live viewers of the show get the new ranking
                await publish_show_changed(redis, outcome.value.show_id)
            except Exception as exc:
                log.warning("could not publish show %s: %s", outcome.value.show_id, exc)
            finally:
                await redis.aclose()
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, f"Song removed from the prediction ({outcome.value})" if outcome.ok else "")
