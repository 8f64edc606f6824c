"""/admin/crons: enable, interval, run now, last runs (the worker reads them on every tick)."""

from __future__ import annotations

from functools import partial
from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.services.admin import crons, views
from setlist_app.state.admin.page import AdminPage
from setlist_app.state.admin_base import AdminState


def _rows(session: Session) -> tuple[list[views.CronView], str]:
    now = utcnow()
    return [views.cron(c, now) for c in crons.list_crons(session)], crons.budget_alarm(session)


class AdminCronsState(AdminPage, AdminState):
    rows: list[views.CronView] = []
    budget_alarm: str = ""  # while raised, "Run now" asks for confirmation and a reason
    run_reason: str = ""

    async def _refresh(self) -> None:
        self.rows, self.budget_alarm = await run_db(_rows)
        self.loaded = True

    @rx.event
    def set_run_reason(self, value: str) -> None:
        self.run_reason = str(value)

    @rx.event
    async def toggle(self, name: str, enabled: bool) -> Any:
        done = f"{name} {'enabled' if enabled else 'disabled'}"
        async for event in self._perform(
            f"toggle:{name}", crons.set_enabled, str(name), bool(enabled), done=lambda _: done
        ):
            yield event

    @rx.event
    async def set_interval(self, name: str, form: dict[str, Any]) -> Any:
        seconds = str((form or {}).get("seconds", ""))
        async for event in self._perform(
            f"interval:{name}",
            crons.set_interval,
            str(name),
            seconds,
            done=lambda interval: f"{name} now runs {views.interval_text(interval)}",
        ):
            yield event

    @rx.event
    async def run_now(self, name: str) -> Any:
        async for event in self._run_now(name, confirmed=False):
            yield event

    @rx.event
    async def run_now_anyway(self, name: str) -> Any:
        """Confirmed in the dialog shown during the budget alarm, with `run_reason`."""
        async for event in self._run_now(name, confirmed=True):
            yield event

    async def _run_now(self, name: str, *, confirmed: bool) -> Any:
        async for event in self._perform(
            f"run:{name}",
            partial(crons.run_now, reason=self.run_reason, confirmed=confirmed),
            str(name),
            done=lambda _: f"{name} will run on the worker's next tick",
            after=self._forget_reason,
        ):
            yield event

    async def _forget_reason(self, _: Any) -> None:
        self.run_reason = ""
