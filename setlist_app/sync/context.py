"""What planners and executors get: settings, database, Redis, providers and a clock.

The clock is injectable so planners, guards and the simulation run on a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models.base import utcnow
from setlist_app.settings import Settings


@dataclass
class SyncContext:
    """Shared by the tick (planners) and by executors; one per worker process."""

    settings: Settings
    engine: Engine
    redis: Redis | None = None  # app Redis DB: budget counters (None disables counting)
    providers: Any = None  # setlist_app.providers.factory.Providers, or a fake in tests
    clock: Callable[[], datetime] = utcnow
    extra: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def session(self) -> Session:
        """A new session; callers commit explicitly (short transactions, no shared state)."""
        return Session(self.engine, expire_on_commit=False)
