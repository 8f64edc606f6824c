"""Fixtures for the domain sync jobs: the sync fixtures plus a context wired to the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from sqlalchemy.engine import Engine

from setlist_app.providers.factory import build_providers
from setlist_app.providers.ratelimit import RatePolicy
from setlist_app.settings import Settings
from setlist_app.sync.context import SyncContext
from setlist_app.sync.domain import domain_settings
from tests.fixtures.simulator import SimulatorServer
from tests.integration.sync.conftest import aredis, clock, settings
from tests.integration.sync.helpers import FakeClock

__all__ = ["aredis", "clock", "settings"]

# The demo data's "today": 40 shows are past (May-Nov 2026), 75 upcoming (Dec 2026-Jul 2027).
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
# Fast limits: these tests check behaviour, not the production rates (tested in providers/).
FAST = {
    name: RatePolicy(per_second=500, adaptive=name == "spotify", max_wait=5)
    for name in ("spotify", "ticketmaster", "setlistfm", "musicbrainz")
}


@pytest.fixture(autouse=True)
def _domain_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The simulator counts 'upcoming events' against the real date: do not filter on it here."""
    monkeypatch.setenv("DISCOVERY_MIN_UPCOMING_EVENTS", "0")
    domain_settings.cache_clear()
    yield
    domain_settings.cache_clear()


@pytest_asyncio.fixture
async def sim_ctx(
    engine: Engine, settings: Settings, aredis: Redis, simulator: SimulatorServer
) -> AsyncIterator[Callable[..., SyncContext]]:
    """Factory of SyncContexts whose providers talk to the simulator (faults reset per test)."""
    simulator.reset()
    made: list[Any] = []

    def make(clock: FakeClock | None = None, **overrides: Any) -> SyncContext:
        s = settings.model_copy(update={"simulator_url": simulator.url, **overrides})
        providers = build_providers(s, aredis, policies=FAST)
        made.append(providers)
        return SyncContext(
            settings=s, engine=engine, redis=aredis, providers=providers, clock=clock or FakeClock(NOW)
        )

    yield make
    for providers in made:
        await providers.aclose()
    simulator.reset()
