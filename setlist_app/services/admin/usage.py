"""Usage and cost series for the charts: jobs/min (spike alarm counters), provider calls/hour
(budget counters) against quotas, votes/min (activity feed), and today's budget use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.db import time_bucket
from setlist_app.models.base import utcnow
from setlist_app.models.voting import Activity
from setlist_app.services.admin.overview import VOTE_KINDS
from setlist_app.services.admin.providers import PROVIDERS, daily_quotas, share_percent
from setlist_app.settings import Settings, get_settings
from setlist_app.sync import budget


def _label(t: datetime, fmt: str = "%H:%M") -> str:
    return t.strftime(fmt)


async def jobs_per_minute(
    redis: Redis, now: datetime | None = None, minutes: int = 60
) -> list[dict[str, int | str]]:
    """[{"t": "HH:MM", "jobs": n}], the same counters the spike alarm evaluates."""
    series = await budget.jobs_per_minute(redis, now or utcnow(), minutes)
    return [{"t": _label(t), "jobs": n} for t, n in series]


async def calls_per_hour(
    redis: Redis, now: datetime | None = None, hours: int = 24
) -> list[dict[str, int | str]]:
    """[{"t": "HH:00", "spotify": n, ...}] for every provider (0 when idle)."""
    series = await budget.calls_per_hour(redis, now or utcnow(), hours)
    return [{"t": _label(t, "%H:00"), **{p: calls.get(p, 0) for p in PROVIDERS}} for t, calls in series]


def hourly_quota_pace(settings: Settings | None = None) -> dict[str, int]:
    """A daily quota spread evenly over 24 hours: the reference line of the per-hour chart."""
    return {p: q // 24 for p, q in daily_quotas(settings).items() if q}


def votes_per_minute(
    session: Session, now: datetime | None = None, minutes: int = 60
) -> list[dict[str, int | str]]:
    """[{"t": "HH:MM", "votes": n}] from the activity feed, grouped per minute in the database."""
    now = now or utcnow()
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=minutes - 1)
    activity = Activity.__table__
    bucket, fmt = time_bucket(session, activity.c.created_at, "minute")
    rows = session.execute(
        select(bucket, func.count())
        .where(activity.c.created_at >= start, activity.c.kind.in_(VOTE_KINDS))
        .group_by(bucket)
    ).all()
    counts = {key: int(n) for key, n in rows}
    times = [start + timedelta(minutes=i) for i in range(minutes)]
    return [{"t": _label(t), "votes": counts.get(t.strftime(fmt), 0)} for t in times]


@dataclass(frozen=True)
class BudgetRow:
    name: str
    used: int
    limit: int

    @property
    def percent(self) -> int:
        return share_percent(self.used, self.limit)


async def budget_today(
    redis: Redis, now: datetime | None = None, settings: Settings | None = None
) -> list[BudgetRow]:
    """Today's use of each budget the spike alarm enforces."""
    settings = settings or get_settings()
    used = await budget.usage(redis, now or utcnow())
    rows = [
        BudgetRow(
            "Jobs in the busiest recent minute", used.jobs_last_minute, settings.sync_jobs_per_minute_alert
        ),
        BudgetRow("Jobs today", used.jobs_today, settings.sync_jobs_per_day_budget),
    ]
    quotas = daily_quotas(settings)
    for provider in PROVIDERS:
        limit = min(q for q in (quotas.get(provider), settings.sync_provider_calls_per_day_budget) if q)
        rows.append(BudgetRow(f"{provider} calls today", used.calls_today.get(provider, 0), limit))
    together = used.jobs_today + sum(used.calls_today.values())
    rows.append(BudgetRow("Jobs and provider calls today", together, settings.sync_calls_per_day_budget))
    return rows
