"""Every HTTP request a provider receives, counted in Redis per provider and outcome, by hour and day.

`ProviderHttp` calls the hook once per exchange — each page of a paged scan, each 429 retry, each
transport failure — so the budget alarm, the dashboard and `/metrics` see what the provider sees.
Buckets follow the app clock (`setlist_app.clock`), so a simulation on a fake clock is counted on
its own days. Each bucket is a Redis hash: `<provider>` holds the total, `<provider>:<outcome>` the
split by outcome (2xx, 4xx, 429, 5xx, network).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from redis.asyncio import Redis

from setlist_app import clock
from setlist_app.providers.ratelimit import text_of

PREFIX = "sync:budget:calls"
DAY_TTL_SECONDS = 3 * 86400
HOUR_TTL_SECONDS = 8 * 86400  # hourly buckets feed the success metrics' 7-day history
OUTCOMES = ("2xx", "4xx", "429", "5xx", "network")
RequestHook = Callable[[str, str], Awaitable[None]]


def day_key(now: datetime) -> str:
    return f"{PREFIX}:d:{now.strftime('%Y%m%d')}"


def hour_key(now: datetime) -> str:
    return f"{PREFIX}:h:{now.strftime('%Y%m%d%H')}"


def outcome_of(status: int | None) -> str:
    """The outcome class of an HTTP status; None is a request that got no answer (timeout, network)."""
    if status is None:
        return "network"
    if status == 429:
        return "429"
    if status >= 500:
        return "5xx"
    return "4xx" if status >= 400 else "2xx"


async def count_provider_call(
    redis: Redis, provider: str, now: datetime, n: int = 1, outcome: str = "2xx"
) -> None:
    """Count `n` requests to `provider` with `outcome` in the hour's and the day's buckets."""
    async with redis.pipeline(transaction=False) as pipe:
        for key, ttl in ((day_key(now), DAY_TTL_SECONDS), (hour_key(now), HOUR_TTL_SECONDS)):
            pipe.hincrby(key, provider, n)
            pipe.hincrby(key, f"{provider}:{outcome}", n)
            pipe.expire(key, ttl)
        await pipe.execute()


def hook(redis: Redis) -> RequestHook:
    """The per-request hook `ProviderHttp` calls, counting on the app clock."""

    async def count(provider: str, outcome: str) -> None:
        await count_provider_call(redis, provider, clock.now(), outcome=outcome)

    return count


def totals(bucket: dict[bytes | str, bytes | str]) -> dict[str, int]:
    """Requests per provider in one bucket."""
    return {name: int(v) for k, v in bucket.items() if ":" not in (name := text_of(k))}


def by_outcome(bucket: dict[bytes | str, bytes | str]) -> dict[str, dict[str, int]]:
    """Requests per provider and outcome in one bucket."""
    split: dict[str, dict[str, int]] = {}
    for k, v in bucket.items():
        provider, sep, outcome = text_of(k).partition(":")
        if sep:
            split.setdefault(provider, {})[outcome] = int(v)
    return split
