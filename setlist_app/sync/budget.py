"""Budgets and the spike alarm: jobs per minute/day and provider requests per day, counted in Redis.

Provider requests are counted per HTTP exchange by the provider clients themselves
(`providers.request_counter`); this module reads those counters next to its own job counters.

Counters are bucketed by the (possibly simulated) clock, so the fake-clock simulation exercises
the same code. Over a budget, `evaluate()` returns an alert; the tick then pauses non-essential
planners (DESIGN.md §6: the predecessor asked for alerts above 1K calls/min).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from redis.asyncio import Redis

from setlist_app.providers import request_counter
from setlist_app.settings import Settings

_PREFIX = "sync:budget"
_MINUTE_TTL = 3 * 3600
_DAY_TTL = 3 * 86400


def _minute(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M")


def _day(now: datetime) -> str:
    return now.strftime("%Y%m%d")


@dataclass(frozen=True)
class BudgetUsage:
    jobs_last_minute: int  # the busier of the current and the previous minute
    jobs_today: int
    calls_today: dict[str, int] = field(default_factory=dict)  # HTTP requests per provider
    outcomes_today: dict[str, dict[str, int]] = field(default_factory=dict)  # provider -> outcome -> n


async def count_job(redis: Redis, now: datetime) -> None:
    """Count one executed job."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.incr(f"{_PREFIX}:jobs:m:{_minute(now)}")
        pipe.expire(f"{_PREFIX}:jobs:m:{_minute(now)}", _MINUTE_TTL)
        pipe.incr(f"{_PREFIX}:jobs:d:{_day(now)}")
        pipe.expire(f"{_PREFIX}:jobs:d:{_day(now)}", _DAY_TTL)
        await pipe.execute()


async def usage(redis: Redis, now: datetime) -> BudgetUsage:
    """Current counters."""
    current, previous, today, calls = await _read(redis, now)
    return BudgetUsage(
        jobs_last_minute=max(int(current or 0), int(previous or 0)),
        jobs_today=int(today or 0),
        calls_today=request_counter.totals(calls),
        outcomes_today=request_counter.by_outcome(calls),
    )


async def jobs_per_minute(redis: Redis, now: datetime, minutes: int = 60) -> list[tuple[datetime, int]]:
    """Executed jobs per minute for the last `minutes` minutes, oldest first (the spike alarm's counters)."""
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=minutes - 1)
    times = [start + timedelta(minutes=i) for i in range(minutes)]
    values = await redis.mget([f"{_PREFIX}:jobs:m:{_minute(t)}" for t in times])
    return [(t, int(v or 0)) for t, v in zip(times, values, strict=True)]


async def calls_per_hour(
    redis: Redis, now: datetime, hours: int = 24
) -> list[tuple[datetime, dict[str, int]]]:
    """Provider requests per hour for the last `hours` hours, oldest first."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    times = [start + timedelta(hours=i) for i in range(hours)]
    async with redis.pipeline(transaction=False) as pipe:
        for t in times:
            pipe.hgetall(request_counter.hour_key(t))
        rows = await pipe.execute()
    return [(t, request_counter.totals(row)) for t, row in zip(times, rows, strict=True)]


async def _read(redis: Redis, now: datetime) -> list:
    async with redis.pipeline(transaction=False) as pipe:
        pipe.get(f"{_PREFIX}:jobs:m:{_minute(now)}")
        pipe.get(f"{_PREFIX}:jobs:m:{_minute(now - timedelta(minutes=1))}")
        pipe.get(f"{_PREFIX}:jobs:d:{_day(now)}")
        pipe.hgetall(request_counter.day_key(now))
        return await pipe.execute()


def breaches(used: BudgetUsage, settings: Settings) -> dict[str, str]:
    """Each exceeded alarm by key, as a sentence: "spike" (jobs per minute) and "budget" (jobs, one
    provider's calls, or jobs and calls together per day); the worker's alert check raises one alert
    per key."""
    found: dict[str, str] = {}
    if used.jobs_last_minute > settings.sync_jobs_per_minute_alert:
        limit = settings.sync_jobs_per_minute_alert
        found["spike"] = f"{used.jobs_last_minute} jobs/min exceeds the spike threshold of {limit}"
    if used.jobs_today > settings.sync_jobs_per_day_budget:
        found["budget"] = (
            f"{used.jobs_today} jobs today exceeds the daily budget of {settings.sync_jobs_per_day_budget}"
        )
        return found
    for provider, calls in sorted(used.calls_today.items()):
        if calls > settings.sync_provider_calls_per_day_budget:
            found["budget"] = (
                f"{calls} {provider} calls today exceeds the daily budget of "
                f"{settings.sync_provider_calls_per_day_budget}"
            )
            return found
    total = used.jobs_today + sum(used.calls_today.values())
    if total > settings.sync_calls_per_day_budget:
        found["budget"] = (
            f"{total} jobs and provider calls today exceed the daily budget of {settings.sync_calls_per_day_budget}"
        )
    return found


def evaluate(used: BudgetUsage, settings: Settings) -> str | None:
    """An alert sentence when a budget is exceeded (the spike first), else None."""
    return next(iter(breaches(used, settings).values()), None)
