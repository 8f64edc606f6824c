"""Per-voter rate limit against scripted voting (DESIGN.md §4), shared by all processes via Redis.

A moving window from the `limits` library: at most N vote/add attempts per voter per minute, and for
anonymous voters also per client IP, so minting fresh anonymous cookies in a loop does not help.
"""

from __future__ import annotations

import contextlib
import importlib

from limits import RateLimitItemPerMinute
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from setlist_app.auth.viewer import Viewer
from setlist_app.domain.voting_rules import rejection
from setlist_app.settings import Settings


def _preload_storage_clients() -> None:
    """Import the Redis clients `limits` probes for now, with this module, before the app forks.

    `limits` imports every client it supports (redis, coredis, valkey) when its first storage is
    built. Done lazily, that import ran inside the first vote on the event loop and stalled the
    whole backend worker for ~0.8 s (found with py-spy in the fan-out benchmark).
    """
    for name in RedisStorage.DEPENDENCIES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


_preload_storage_clients()


class VoteRateLimiter:
    """`await check(viewer, client_ip)` before every vote or add; raises `VoteRejected` when over."""

    def __init__(self, redis: Redis, settings: Settings, *, prefix: str = "setlist:votes:rl") -> None:
        conn = redis.connection_pool.connection_kwargs
        uri = f"async+redis://{conn.get('host', 'localhost')}:{conn.get('port', 6379)}/{conn.get('db', 0)}"
        storage = RedisStorage(
            uri, implementation="redispy", key_prefix=prefix, connection_pool=redis.connection_pool
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_voter = RateLimitItemPerMinute(settings.vote_rate_per_minute)
        self._per_ip = RateLimitItemPerMinute(settings.anon_ip_rate_per_minute)

    async def check(self, viewer: Viewer, client_ip: str = "") -> None:
        """Count one attempt (accepted or not: abuse is attempts) and raise when over a limit."""
        key = viewer.voter_key or "none"
        if not await self._limiter.hit(self._per_voter, "voter", key):
            raise rejection("rate_limited")
        if (
            not viewer.is_signed_in
            and client_ip
            and not await self._limiter.hit(self._per_ip, "ip", client_ip)
        ):
            raise rejection("rate_limited")
