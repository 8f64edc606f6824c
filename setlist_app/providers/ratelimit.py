"""Per-provider rate limits shared by every process through Redis.

Built on the `limits` library (moving-window strategy, redis-py async storage sharing the app's
connection pool): a moving window is exact (never more than N calls in any window, across all
processes), and `limits` keeps the atomic Lua scripts maintained for us. On top of it this module
adds what `limits` does not have: waiting for a slot (bounded), a shared pause set from a provider's
`Retry-After`, an adaptive "slow mode" after a 429 (each call costs two slots), and usage counters
for the admin dashboard.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from setlist_app.observability import metrics
from setlist_app.providers.errors import QuotaExceeded, RateLimited

_SET_MAX = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""


@dataclass(frozen=True)
class RatePolicy:
    """Limits of one provider. `adaptive` enables slow mode after a 429."""

    per_second: int
    per_day: int | None = None
    adaptive: bool = False
    max_wait: float = 30.0
    slow_mode_seconds: float = 60.0


class RateLimiter:
    """Shared limiter for all providers; one instance per process is enough."""

    def __init__(self, redis: Redis, policies: dict[str, RatePolicy], *, prefix: str = "setlist:rl") -> None:
        self._redis = redis
        self.policies = dict(policies)
        self._prefix = prefix
        conn = redis.connection_pool.connection_kwargs
        uri = f"async+redis://{conn.get('host', 'localhost')}:{conn.get('port', 6379)}/{conn.get('db', 0)}"
        storage = RedisStorage(
            uri, implementation="redispy", key_prefix=f"{prefix}:w", connection_pool=redis.connection_pool
        )
        self._windows = MovingWindowRateLimiter(storage)
        self._set_max = redis.register_script(_SET_MAX)

    def _items(self, provider: str) -> tuple[RateLimitItem, RateLimitItem | None]:
        policy = self.policies[provider]
        day = RateLimitItemPerDay(policy.per_day) if policy.per_day else None
        return RateLimitItemPerSecond(policy.per_second), day

    def _key(self, provider: str, what: str) -> str:
        return f"{self._prefix}:{provider}:{what}"

    async def acquire(self, provider: str, *, max_wait: float | None = None) -> float:
        """Wait for a call slot; return seconds waited.

        Raises `RateLimited` when no slot frees up within `max_wait` and `QuotaExceeded` when the
        daily budget is used up (the caller's breaker opens the provider circuit).
        """
        policy = self.policies[provider]
        per_second, per_day = self._items(provider)
        budget = policy.max_wait if max_wait is None else max_wait
        started = time.monotonic()
        slept = False
        while True:
            wait = await self._try_acquire(provider, per_second, per_day)
            if wait <= 0:
                waited = time.monotonic() - started if slept else 0.0
                await self._count(provider, calls=1, waits=int(slept), wait_seconds=waited)
                metrics.RATE_LIMIT_WAIT.labels(provider).inc(waited)
                return waited
            if time.monotonic() - started + wait > budget:
                await self._count(provider, rejections=1)
                metrics.RATE_LIMIT_REJECTED.labels(provider).inc()
                raise RateLimited(provider, wait, "no rate-limit slot within the allowed wait")
            await asyncio.sleep(wait + random.uniform(0, 0.02))
            slept = True

    async def _try_acquire(
        self, provider: str, per_second: RateLimitItem, per_day: RateLimitItem | None
    ) -> float:
        """Take a slot (return 0) or return how long to wait before trying again."""
        paused_until, slow = await self._redis.mget(self._key(provider, "pause"), self._key(provider, "slow"))
        now = time.time()
        if paused_until and float(paused_until) > now:
            return float(paused_until) - now
        if per_day and not await self._windows.test(per_day, provider):
            raise QuotaExceeded(provider, f"daily budget of {per_day.amount} calls used up")
        cost = min(2, per_second.amount) if slow else 1
        if not await self._windows.hit(per_second, provider, cost=cost):
            stats = await self._windows.get_window_stats(per_second, provider)
            return min(max(stats.reset_time - time.time(), 0.005), float(per_second.get_expiry()))
        if per_day and not await self._windows.hit(per_day, provider):
            raise QuotaExceeded(provider, f"daily budget of {per_day.amount} calls used up")
        return 0.0

    async def pause(self, provider: str, retry_after: float) -> None:
        """Stop every process from calling `provider` for `retry_after` seconds (a 429 answer)."""
        until = time.time() + max(retry_after, 0.0)
        ttl_ms = int(max(retry_after, 0.001) * 1000) + 1000
        await self._set_max(keys=[self._key(provider, "pause")], args=[repr(until), ttl_ms])
        await self._count(provider, throttled=1)
        metrics.PROVIDER_429.labels(provider).inc()
        policy = self.policies[provider]
        if policy.adaptive:
            ttl = int((retry_after + policy.slow_mode_seconds) * 1000)
            await self._redis.set(self._key(provider, "slow"), "1", px=max(ttl, 1))

    async def usage(self) -> dict[str, dict[str, Any]]:
        """Current usage per provider, for the admin dashboard."""
        result: dict[str, dict[str, Any]] = {}
        now = time.time()
        for provider, policy in self.policies.items():
            per_second, per_day = self._items(provider)
            sec = await self._windows.get_window_stats(per_second, provider)
            paused, slow = await self._redis.mget(self._key(provider, "pause"), self._key(provider, "slow"))
            stats = await self._redis.hgetall(self._key(provider, "stats"))
            entry: dict[str, Any] = {
                "per_second_limit": policy.per_second,
                "used_this_second": policy.per_second - sec.remaining,
                "per_day_limit": policy.per_day,
                "used_today": None,
                "paused_for": round(float(paused) - now, 3) if paused and float(paused) > now else 0.0,
                "slow_mode": bool(slow),
                **{text_of(k): float(v) for k, v in stats.items()},
            }
            if per_day:
                day = await self._windows.get_window_stats(per_day, provider)
                entry["used_today"] = per_day.amount - day.remaining
            result[provider] = entry
        return result

    async def reset(self, provider: str) -> None:
        """Forget all windows, pauses and counters of `provider` (tests, admin)."""
        per_second, per_day = self._items(provider)
        await self._windows.clear(per_second, provider)
        if per_day:
            await self._windows.clear(per_day, provider)
        await self._redis.delete(*(self._key(provider, k) for k in ("pause", "slow", "stats")))

    async def _count(self, provider: str, **fields: float) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for name, value in fields.items():
            if value:
                pipe.hincrbyfloat(self._key(provider, "stats"), name, value)
        await pipe.execute()


def text_of(value: bytes | str) -> str:
    """A Redis key or field as text (clients may or may not decode responses)."""
    return value.decode() if isinstance(value, bytes) else value
