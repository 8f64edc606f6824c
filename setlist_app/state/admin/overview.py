"""/admin: counts, sync health, usage charts, budget, kill switch, alerts and recent errors."""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.domain.ids import strict_id
from setlist_app.models.base import utcnow
from setlist_app.providers.factory import app_redis
from setlist_app.services import success_metrics
from setlist_app.services.admin import overview, usage, views
from setlist_app.settings import get_settings
from setlist_app.state.admin.page import AdminPage
from setlist_app.state.admin_base import AdminState

log = logging.getLogger(__name__)
SUCCESS_REFRESH_SECONDS = 20


def _snapshot(session: Session) -> dict[str, Any]:
    now = utcnow()
    return {
        "counts": overview.counts(session, now),
        "health": views.health(overview.health(session, now), now),
        "votes": usage.votes_per_minute(session, now),
        "errors": [views.error(e, now) for e in overview.recent_errors(session, now=now)],
        "alerts": [views.alert(a, now) for a in overview.alert_history(session)],
    }


def _error_detail(session: Session, ref: str) -> views.ErrorDetailView:
    return views.error_detail(overview.error_detail(session, ref), utcnow())


class AdminOverviewState(AdminPage, AdminState):
    counts: dict[str, int] = {}
    health: views.HealthSummary = views.HealthSummary()
    jobs_series: list[dict[str, Any]] = []  # chart data (recharts points)
    calls_series: list[dict[str, Any]] = []
    votes_series: list[dict[str, Any]] = []
    budget_rows: list[views.BudgetView] = []
    errors: list[views.ErrorView] = []
    alerts: list[views.AlertView] = []
    error_detail: views.ErrorDetailView = views.ErrorDetailView()  # the detail dialog's; ref "" = closed
    spike_threshold: int = 0
    success_figures: list[views.SuccessFigureView] = []
    success_rates: list[views.SuccessRateView] = []
    _success_due: float = 0.0  # epoch seconds: the 7-day figures are re-read at most this often

    def _on_load(self) -> None:
        self._success_due = 0.0

    async def _refresh(self) -> None:
        snap = await run_db(_snapshot)
        self.counts, self.health = snap["counts"], snap["health"]
        self.votes_series, self.errors, self.alerts = snap["votes"], snap["errors"], snap["alerts"]
        settings = get_settings()
        self.spike_threshold = settings.sync_jobs_per_minute_alert
        redis = app_redis(settings)
        now = utcnow()
        due = now.timestamp() >= self._success_due  # seven days of jobs: not on every 3 s poll
        calls: list[Any] = []
        try:
            if due:
                calls = await success_metrics.provider_calls(redis, now)
            self.jobs_series = await usage.jobs_per_minute(redis, now)
            self.calls_series = await usage.calls_per_hour(redis, now)
            self.budget_rows = [views.budget(b) for b in await usage.budget_today(redis, now, settings)]
        except Exception as exc:  # Redis down: the database figures still show
            log.warning("admin usage series unavailable: %s", exc)
        finally:
            await redis.aclose()
        if due:
            metrics = await run_db(success_metrics.compute, now, calls)
            self.success_figures = views.success_figures(metrics)
            self.success_rates = views.success_rates(metrics)
            self._success_due = now.timestamp() + SUCCESS_REFRESH_SECONDS
        self.loaded = True

    @rx.event
    async def set_kill_switch(self, on: bool) -> Any:
        done = "All planners paused" if on else "Planners resumed"
        async for event in self._perform("kill", overview.set_kill_switch, bool(on), done=lambda _: done):
            yield event

    @rx.event
    async def acknowledge_alert(self, alert_id: str) -> Any:
        async for event in self._perform(
            f"ack:{alert_id}",
            overview.acknowledge_alert,
            strict_id(alert_id),
            done=lambda _: "Alert acknowledged",
        ):
            yield event

    @rx.event
    async def open_error(self, ref: str) -> Any:
        try:
            self.error_detail = await run_db(_error_detail, str(ref)[:40])
        except LookupError:
            self.error_detail = views.ErrorDetailView()
            return rx.toast.error("That error is no longer recorded.")
        return None

    @rx.event
    def close_error(self) -> None:
        self.error_detail = views.ErrorDetailView()
