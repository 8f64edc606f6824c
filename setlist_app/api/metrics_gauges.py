"""Gauges read at scrape time from the database and Redis: queue depth, breaker states, budget use,
the audit's success metrics and readiness (the series `deploy/prometheus/alerts.yml` alerts on).

These are facts about the whole deployment, not about one process, so they are read from the
shared truth when `/metrics` is scraped instead of being tracked in every process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import get_args

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.api.health import readiness
from setlist_app.models import Artist, SyncStatus
from setlist_app.models.base import utcnow
from setlist_app.services import success_metrics
from setlist_app.services.admin.providers import daily_quotas
from setlist_app.settings import Settings
from setlist_app.sync import budget, status

ARQ_QUEUE_KEY = "arq:queue"  # arq's default queue name
CIRCUIT_STATES = ("closed", "open", "half_open")
HEALTH_LEVELS = get_args(status.HealthLevel)


class _Families(Collector):
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self._families = families

    def collect(self) -> Iterable[GaugeMetricFamily]:
        return self._families


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels or [])


def _database_families(engine: Engine, now: datetime) -> list[GaugeMetricFamily]:
    jobs = _gauge("setlist_sync_jobs_active", "Sync jobs waiting or running (the queue)", ["kind", "status"])
    circuits = _gauge(
        "setlist_provider_circuit_state", "Provider circuit state (1 = current)", ["provider", "state"]
    )
    backoff = _gauge("setlist_artist_catalog_backoff", "Artists whose catalog breaker is in backoff")
    heartbeat = _gauge("setlist_worker_heartbeat_age_seconds", "Seconds since a worker's last sync tick")
    paused = _gauge("setlist_sync_planners_paused", "1 when the budget alarm or kill switch pauses planners")
    alarm = _gauge("setlist_sync_budget_alarm", "1 while the budget/spike alarm is raised")
    health = _gauge("setlist_sync_health", "The banner's sync health verdict (1 = current)", ["level"])
    with Session(engine) as session:
        level = status.read_health(session, now).level
    for candidate in HEALTH_LEVELS:
        health.add_metric([candidate], 1.0 if level == candidate else 0.0)
    with engine.connect() as conn:
        for kind, job_status, n in conn.execute(
            text(
                "SELECT kind, status, count(*) FROM sync_jobs WHERE status IN ('pending', 'running')"
                " GROUP BY kind, status"
            )
        ):
            jobs.add_metric([kind, job_status], n)
        for provider, state in conn.execute(text("SELECT provider, state FROM provider_circuits")):
            for candidate in CIRCUIT_STATES:
                circuits.add_metric([provider, candidate], 1.0 if state == candidate else 0.0)
        # Typed columns, not raw SQL: SQLite stores timestamps as text that only they parse.
        backoff.add_metric(
            [],
            conn.execute(
                select(func.count()).select_from(Artist).where(Artist.catalog_backoff_until > now)
            ).scalar_one(),
        )
        row = conn.execute(
            select(
                SyncStatus.worker_heartbeat_at,
                SyncStatus.planners_paused,
                SyncStatus.kill_switch,
                SyncStatus.alert,
            ).where(SyncStatus.id == 1)
        ).first()
    if row is not None:
        beat = row[0]
        if beat is not None:
            heartbeat.add_metric([], (now - beat).total_seconds())
        paused.add_metric([], float(bool(row[1] or row[2])))
        alarm.add_metric([], float(row[3] is not None))
    return [jobs, circuits, backoff, heartbeat, paused, alarm, health]


def _success_families(
    engine: Engine, now: datetime, calls: list[tuple[datetime, dict[str, int]]]
) -> list[GaugeMetricFamily]:
    """The /admin success metrics panel's figures (`services.success_metrics`), same numbers."""
    value = _gauge(
        "setlist_success_metric", "Audit success metric, current value (rolling window)", ["metric"]
    )
    target = _gauge(
        "setlist_success_metric_target", "Audit target: the metric must stay below it", ["metric"]
    )
    ratio = _gauge(
        "setlist_job_success_ratio",
        "Sync jobs succeeded / (succeeded + failed) over 24 h, per kind",
        ["kind"],
    )
    finished = _gauge(
        "setlist_jobs_finished_24h",
        "Sync jobs finished in the last 24 h (skipped apart)",
        ["kind", "outcome"],
    )
    with Session(engine) as session:
        figures = success_metrics.compute(session, now, calls)
    for figure in figures.figures:
        value.add_metric([figure.target.key], figure.value)
        target.add_metric([figure.target.key], figure.target.limit)
    for rate in figures.rates:
        last = rate.last_24h
        if last.rate is not None:
            ratio.add_metric([rate.kind], last.rate)
        for outcome in ("succeeded", "failed", "skipped"):
            finished.add_metric([rate.kind, outcome], getattr(last, outcome))
    return [value, target, ratio, finished]


async def _redis_families(
    app: Redis, queue: Redis, settings: Settings, now: datetime
) -> list[GaugeMetricFamily]:
    used = await budget.usage(app, now)
    jobs = _gauge("setlist_budget_jobs", "Sync jobs executed in the window (budget use)", ["window"])
    jobs.add_metric(["minute"], used.jobs_last_minute)
    jobs.add_metric(["day"], used.jobs_today)
    limits = _gauge("setlist_budget_limit", "Configured budget limits", ["budget"])
    limits.add_metric(["jobs_per_minute_alert"], settings.sync_jobs_per_minute_alert)
    limits.add_metric(["jobs_per_day"], settings.sync_jobs_per_day_budget)
    limits.add_metric(["provider_calls_per_day"], settings.sync_provider_calls_per_day_budget)
    limits.add_metric(["calls_per_day"], settings.sync_calls_per_day_budget)
    calls = _gauge("setlist_budget_provider_calls_today", "HTTP requests to a provider today", ["provider"])
    for provider, n in sorted(used.calls_today.items()):
        calls.add_metric([provider], n)
    requests = _gauge(
        "setlist_budget_provider_requests_today",
        "HTTP requests to a provider today by outcome (2xx, 4xx, 429, 5xx, network)",
        ["provider", "outcome"],
    )
    for provider, outcomes in sorted(used.outcomes_today.items()):
        for outcome, n in sorted(outcomes.items()):
            requests.add_metric([provider, outcome], n)
    quotas = _gauge("setlist_provider_daily_quota", "A provider's daily call quota", ["provider"])
    for provider, quota in sorted(daily_quotas(settings).items()):
        if quota:
            quotas.add_metric([provider], quota)
    depth = _gauge("setlist_arq_queue_depth", "Jobs waiting in the arq queue (Redis)")
    depth.add_metric([], await queue.zcard(ARQ_QUEUE_KEY))
    return [jobs, limits, calls, requests, quotas, depth]


async def state_registry(engine: Engine, app: Redis, queue: Redis, settings: Settings) -> CollectorRegistry:
    """A registry with the scrape-time gauges; a source that fails is reported, not fatal."""
    now = utcnow()
    errors = _gauge("setlist_scrape_source_up", "1 when a state source answered this scrape", ["source"])
    families: list[GaugeMetricFamily] = []
    try:
        families += await asyncio.wait_for(asyncio.to_thread(_database_families, engine, now), 5)
        errors.add_metric(["database"], 1)
    except Exception:
        errors.add_metric(["database"], 0)
    try:
        families += await asyncio.wait_for(_redis_families(app, queue, settings, now), 5)
        errors.add_metric(["redis"], 1)
    except Exception:
        errors.add_metric(["redis"], 0)
    try:
        calls = await asyncio.wait_for(success_metrics.provider_calls(app, now), 5)
    except Exception:  # reported by the redis source above; the database figures still count
        calls = []
    try:
        families += await asyncio.wait_for(asyncio.to_thread(_success_families, engine, now, calls), 5)
        errors.add_metric(["success_metrics"], 1)
    except Exception:
        errors.add_metric(["success_metrics"], 0)
    ready, checks = await readiness()
    ready_gauge = _gauge("setlist_ready", "1 when /readyz would answer 200")
    ready_gauge.add_metric([], float(ready))
    check_gauge = _gauge("setlist_ready_check", "1 when a /readyz dependency check passes", ["check"])
    for name, check in checks.items():
        check_gauge.add_metric([name], float(check["ok"]))
    families += [ready_gauge, check_gauge]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([*families, errors]))
    return registry
