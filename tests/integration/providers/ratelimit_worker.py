"""A worker process for the shared rate-limit test: hammer the limiter, report acquisition times."""

from __future__ import annotations

import asyncio
import sys
import time

from redis.asyncio import Redis

from setlist_app.providers.ratelimit import RateLimiter, RatePolicy


async def _hammer(limiter: RateLimiter, provider: str, until: float, out: list[float]) -> None:
    while time.time() < until:
        await limiter.acquire(provider)
        out.append(time.time())


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
    fast: list[float] = []
    tm: list[float] = []
    until = start_at + seconds
    await asyncio.gather(_hammer(limiter, "fast", until, fast), _hammer(limiter, "tm", until, tm))
    print("fast", *fast)
    print("tm", *tm)
    await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3]))
