"""Publish "this show's counts changed" after a commit; framework-free (the worker may use it too).

Per change: `INCR` the show's sequence number and `PUBLISH` the show id, in one MULTI so a pusher
that reads the sequence number before it reads the database sees every commit counted in it.
Redis holds no fact here: counts are always re-read from the database.
"""

from __future__ import annotations

from redis.asyncio import Redis

from setlist_app.settings import Settings, get_settings

KEY_PREFIX = "setlist:live"


def channel(settings: Settings | None = None) -> str:
    """The pub/sub channel. Channels ignore Redis DB numbers, so the app DB is part of the name."""
    settings = settings or get_settings()
    return f"{KEY_PREFIX}:{settings.redis_db_app}:shows"


def seq_key(show_id: int) -> str:
    return f"{KEY_PREFIX}:seq:{show_id}"


def viewers_key(show_id: int) -> str:
    """Hash of backend-worker id -> "<viewers>:<unix ms>" for one show."""
    return f"{KEY_PREFIX}:viewers:{show_id}"


async def publish_show_changed(redis: Redis, show_id: int) -> int:
    """Announce a committed change of `show_id`; returns its new sequence number."""
    pipe = redis.pipeline(transaction=True)
    pipe.incr(seq_key(show_id))
    pipe.publish(channel(), str(show_id))
    seq, _ = await pipe.execute()
    return int(seq)
