"""The audit's success metrics (DESIGN.md §12), live: each figure's current value, its target, a
green/red state and a 7-day history.

One computation serves the /admin panel, `/metrics` (and so the Prometheus rules) and the tests.
Jobs, cron runs and write conflicts are read from the database with their times (exact, and they
survive restarts); provider calls come from the hourly Redis counters, which the caller reads
(`provider_calls`) so a Redis outage leaves the database figures standing.

Current values are rolling windows (the last 60 minutes, the last 24 hours); the charts bucket by
UTC hour (hourly figures, 7 x 24 points) or UTC day (daily figures, 7 points).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.db import time_bucket
from setlist_app.models.sync import CronRun, JobStatus, SyncJob, WriteConflict
from setlist_app.sync import budget, kinds

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
HISTORY_DAYS = 7
#: Hours of provider-call counters to read: the 7 charted days plus the rolling 24 h before them.
PROVIDER_HOURS = (HISTORY_DAYS + 1) * 24
SUCCESS_RATE_TARGET = 0.95  # succeeded / (succeeded + failed), per job kind over 24 h
#: Always shown, even without runs: the audit names their success rates.
RATE_KINDS = (kinds.CATALOG_SYNC, kinds.PREDICTION_SEED)
_JOBS, _RUNS, _CONFLICTS = SyncJob.__table__, CronRun.__table__, WriteConflict.__table__


@dataclass(frozen=True)
class Target:
    key: str  # the `metric` label in /metrics
    label: str
    limit: int  # the figure must stay below this (DESIGN.md §12)
    per: str  # "hour" | "day": the rolling window of the value and the chart's bucket


TARGETS = (
    Target("calls_per_day", "Calls per day (jobs + provider calls + cron runs)", 100_000, "day"),
    Target("jobs_per_hour", "All jobs per hour", 5_000, "hour"),
    Target("catalog_syncs_per_hour", "Catalog syncs per hour", 100, "hour"),
    Target("prediction_seedings_per_hour", "Prediction seedings per hour", 200, "hour"),
    Target("write_conflicts_per_hour", "Write conflicts per hour", 5, "hour"),
    Target("write_conflicts_per_day", "Write conflicts per day", 10, "day"),
)


@dataclass(frozen=True)
class Figure:
    target: Target
    value: int
    series: list[tuple[datetime, int]]  # oldest first: hours or days (the last one in progress)

    @property
    def ok(self) -> bool:
        return self.value < self.target.limit


@dataclass(frozen=True)
class Outcomes:
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0  # guarded runs that did nothing: neither a success nor a failure

    @property
    def rate(self) -> float | None:
        """succeeded / (succeeded + failed); None without a finished run."""
        done = self.succeeded + self.failed
        return self.succeeded / done if done else None

    @property
    def ok(self) -> bool:
        return self.rate is None or self.rate >= SUCCESS_RATE_TARGET


@dataclass(frozen=True)
class KindRate:
    kind: str
    last_24h: Outcomes
    series: list[tuple[datetime, Outcomes]]  # per UTC day, oldest first


@dataclass(frozen=True)
class SuccessMetrics:
    figures: list[Figure]
    rates: list[KindRate]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.figures) and all(r.last_24h.ok for r in self.rates)


def is_skipped(reason: str | None) -> bool:
    """A guarded run's result carries `skipped` as a reason string; a report of skipped *items* (a
    JSON object, e.g. discovery's per-event reasons) belongs to a run that did its work."""
    return reason is not None and not reason.startswith(("{", "["))


def _hours(now: datetime) -> list[datetime]:
    last = now.replace(minute=0, second=0, microsecond=0)
    return [last - HOUR * i for i in range(HISTORY_DAYS * 24 - 1, -1, -1)]


def _days(now: datetime) -> list[datetime]:
    today = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    return [today - DAY * i for i in range(HISTORY_DAYS - 1, -1, -1)]


def _history_start(now: datetime) -> datetime:
    return min(_hours(now)[0], _days(now)[0])


def _hourly(session: Session, column: Any, since: datetime, *group: Any, total: Any = None) -> list[Any]:
    bucket, _ = time_bucket(session, column, "hour")
    table = column.table
    return list(
        session.execute(
            select(bucket, *group, total if total is not None else func.count())
            .select_from(table)
            .where(column >= since)
            .group_by(bucket, *group)
        )
    )


def _since(session: Session, column: Any, since: datetime, *where: Any, total: Any = None) -> int:
    value = session.execute(
        select(total if total is not None else func.count())
        .select_from(column.table)
        .where(column > since, *where)
    ).scalar_one()
    return int(value or 0)


def _hour_series(counts: Counter[str], now: datetime, fmt: str) -> list[tuple[datetime, int]]:
    return [(h, counts.get(h.strftime(fmt), 0)) for h in _hours(now)]


def _day_series(counts: Counter[str], now: datetime, fmt: str) -> list[tuple[datetime, int]]:
    """Sum hourly counts (keyed by `fmt`, which starts with the date) into UTC days."""
    per_day: Counter[str] = Counter()
    for key, n in counts.items():
        per_day[key[:10]] += n
    return [(d, per_day.get(d.strftime("%Y-%m-%d"), 0)) for d in _days(now)]


def _figures(
    session: Session, now: datetime, provider_calls: list[tuple[datetime, dict[str, int]]]
) -> list[Figure]:
    since = _history_start(now)
    _, fmt = time_bucket(session, _JOBS.c.started_at, "hour")
    jobs_by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for key, kind, n in _hourly(session, _JOBS.c.started_at, since, _JOBS.c.kind):
        jobs_by_kind[kind][key] += int(n)
    all_jobs = sum(jobs_by_kind.values(), Counter())
    runs = Counter({key: int(n) for key, n in _hourly(session, _RUNS.c.started_at, since)})
    conflict_sum = func.sum(_CONFLICTS.c.count)
    conflicts = Counter(
        {key: int(n) for key, n in _hourly(session, _CONFLICTS.c.at, since, total=conflict_sum)}
    )
    calls = Counter({t.strftime(fmt): sum(c.values()) for t, c in provider_calls})
    last_day_calls = sum(sum(c.values()) for t, c in provider_calls if t > now - DAY)

    def jobs_since(window: timedelta, *where: Any) -> int:
        return _since(session, _JOBS.c.started_at, now - window, *where)

    values = {
        "calls_per_day": jobs_since(DAY) + _since(session, _RUNS.c.started_at, now - DAY) + last_day_calls,
        "jobs_per_hour": jobs_since(HOUR),
        "catalog_syncs_per_hour": jobs_since(HOUR, _JOBS.c.kind == kinds.CATALOG_SYNC),
        "prediction_seedings_per_hour": jobs_since(HOUR, _JOBS.c.kind == kinds.PREDICTION_SEED),
        "write_conflicts_per_hour": _since(session, _CONFLICTS.c.at, now - HOUR, total=conflict_sum),
        "write_conflicts_per_day": _since(session, _CONFLICTS.c.at, now - DAY, total=conflict_sum),
    }
    hourly = {
        "calls_per_day": all_jobs + runs + calls,
        "jobs_per_hour": all_jobs,
        "catalog_syncs_per_hour": jobs_by_kind[kinds.CATALOG_SYNC],
        "prediction_seedings_per_hour": jobs_by_kind[kinds.PREDICTION_SEED],
        "write_conflicts_per_hour": conflicts,
        "write_conflicts_per_day": conflicts,
    }
    return [
        Figure(
            t,
            values[t.key],
            (_hour_series if t.per == "hour" else _day_series)(hourly[t.key], now, fmt),
        )
        for t in TARGETS
    ]


def _outcome_rows(session: Session, since: datetime, *group: Any) -> list[Any]:
    """Finished jobs grouped by kind, status and skip reason. No filter on status: with one, the
    planner walks the status index over every finished job of the retention period instead of
    the finish-time range (seconds instead of milliseconds at 100k jobs); `_add` drops the rest."""
    skipped = _JOBS.c.result["skipped"].as_string()
    return list(
        session.execute(
            select(*group, _JOBS.c.kind, _JOBS.c.status, skipped, func.count())
            .where(_JOBS.c.finished_at > since)
            .group_by(*group, _JOBS.c.kind, _JOBS.c.status, skipped)
        )
    )


def _add(into: dict[Any, Counter[str]], key: Any, status: str, reason: str | None, n: int) -> None:
    """Count a group as succeeded, failed or skipped (cancelled and lease-lost jobs do not count)."""
    if status not in (JobStatus.SUCCEEDED.value, JobStatus.FAILED.value):
        return
    outcome = "skipped" if status == JobStatus.SUCCEEDED.value and is_skipped(reason) else status
    into[key][outcome] += int(n)


def _outcomes(counts: Counter[str]) -> Outcomes:
    return Outcomes(counts["succeeded"], counts["failed"], counts["skipped"])


def _rates(session: Session, now: datetime) -> list[KindRate]:
    last: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, status, reason, n in _outcome_rows(session, now - DAY):
        _add(last, kind, status, reason, n)
    days = _days(now)
    bucket, fmt = time_bucket(session, _JOBS.c.finished_at, "hour")
    daily: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for key, kind, status, reason, n in _outcome_rows(session, days[0], bucket):
        _add(daily, (kind, key[:10]), status, reason, n)
    shown = sorted(set(RATE_KINDS) | set(last) | {kind for kind, _ in daily})
    return [
        KindRate(
            kind,
            _outcomes(last[kind]),
            [(d, _outcomes(daily[(kind, d.strftime(fmt)[:10])])) for d in days],
        )
        for kind in shown
    ]


def compute(
    session: Session, now: datetime, provider_calls: list[tuple[datetime, dict[str, int]]]
) -> SuccessMetrics:
    """Every figure at `now`; `provider_calls` is `budget.calls_per_hour(..., PROVIDER_HOURS)`."""
    return SuccessMetrics(_figures(session, now, provider_calls), _rates(session, now))


async def provider_calls(redis: Redis, now: datetime) -> list[tuple[datetime, dict[str, int]]]:
    """The hourly provider-call counters `compute` needs."""
    return await budget.calls_per_hour(redis, now, PROVIDER_HOURS)
