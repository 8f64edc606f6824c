"""/admin/crons: enable, interval, run now, last runs (the worker reads them on every tick)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.services.admin import crons, views
from setlist_app.state.admin.common import act, feedback
from setlist_app.state.admin_base import AdminState


def _rows(session: Session) -> list[dict[str, Any]]:
    now = utcnow()
    return [views.cron(c, now) for c in crons.list_crons(session)]


class AdminCronsState(AdminState):
    rows: list[dict[str, Any]] = []
    loaded: bool = False
    busy: str = ""

    async def _refresh(self) -> None:
        self.rows = await run_db(_rows)
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        await self._refresh()

    @rx.event
    async def poll(self, _tick: str = "") -> None:
        await self._refresh()

    @rx.event
    async def toggle(self, name: str, enabled: bool) -> Any:
        self.busy = f"toggle:{name}"
        yield
        outcome = await act(crons.set_enabled, self._viewer(), str(name), bool(enabled))
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, f"{name} {'enabled' if enabled else 'disabled'}")

    @rx.event
    async def set_interval(self, name: str, form: dict[str, Any]) -> Any:
        self.busy = f"interval:{name}"
        yield
        outcome = await act(
            crons.set_interval, self._viewer(), str(name), str((form or {}).get("seconds", ""))
        )
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, f"{name} now runs {views.interval_text(outcome.value)}" if outcome.ok else "")

    @rx.event
    async def run_now(self, name: str) -> Any:
        self.busy = f"run:{name}"
        yield
        outcome = await act(crons.run_now, self._viewer(), str(name))
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, f"{name} will run on the worker's next tick")
