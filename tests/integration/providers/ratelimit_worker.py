"""A worker process for the shared rate-limit test: hammer the limiter, report when each slot was
granted — the moment the moving window recorded it (`limits` stamps an entry with the caller's
clock just before its Lua script runs), not when `acquire` returned, which on a loaded machine can
be hundreds of milliseconds later and would blur which second a grant belongs to."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from limits import RateLimitItemPerSecond
from redis.asyncio import Redis

from setlist_app.providers.ratelimit import RateLimiter, RatePolicy


def _stamp_grants(limiter: RateLimiter, out: dict[str, list[float]]) -> None:
    """Record the time of each per-second slot the limiter's moving window grants."""
    hit = limiter._windows.hit

    async def stamped(item: Any, *identifiers: str, cost: int = 1) -> bool:
        at = time.time()
        granted = await hit(item, *identifiers, cost=cost)
        if granted and isinstance(item, RateLimitItemPerSecond):
            out[identifiers[0]].extend([at] * cost)
        return granted

    limiter._windows.hit = stamped  # type: ignore[method-assign]


async def _hammer(limiter: RateLimiter, provider: str, until: float) -> None:
    while time.time() < until:
        await limiter.acquire(provider)


async def main(redis_url: str, seconds: float, prefix: str) -> None:
    redis = Redis.from_url(redis_url)
    limiter = RateLimiter(
        redis,
        {"fast": RatePolicy(10, max_wait=5), "tm": RatePolicy(2, 5000, max_wait=5)},
        prefix=prefix,
    )
    await redis.incr(f"{prefix}:ready")
    while (start := await redis.get(f"{prefix}:start")) is None:  # the parent starts everyone at once
        await asyncio.sleep(0.01)
    start_at = float(start)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    grants: dict[str, list[float]] = {"fast": [], "tm": []}
    _stamp_grants(limiter, grants)
    until = start_at + seconds
    await asyncio.gather(_hammer(limiter, "fast", until), _hammer(limiter, "tm", until))
    for provider, stamps in grants.items():
        print(provider, *stamps)
    await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3]))
