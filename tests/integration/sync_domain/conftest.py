"""Fixtures for the domain sync jobs: the sync fixtures plus a context wired to the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from sqlalchemy.engine import Engine

from setlist_app.providers.factory import build_providers
from setlist_app.providers.ratelimit import RatePolicy
from setlist_app.settings import Settings, get_settings
from setlist_app.sync.context import SyncContext
from tests.fixtures.clock import FakeClock
from tests.fixtures.simulator import SimulatorServer
from tests.integration.sync.conftest import _one_clock, aredis, settings

__all__ = ["_one_clock", "aredis", "settings"]

# Fast limits: these tests check behaviour, not the production rates (tested in providers/).
FAST = {
    name: RatePolicy(per_second=500, adaptive=name == "spotify", max_wait=5)
    for name in ("spotify", "ticketmaster", "setlistfm", "musicbrainz")
}


@pytest.fixture(autouse=True)
def _domain_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The simulator counts 'upcoming events' against the real date: do not filter on it here."""
    monkeypatch.setenv("DISCOVERY_MIN_UPCOMING_EVENTS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest_asyncio.fixture
async def sim_ctx(
    engine: Engine, settings: Settings, aredis: Redis, simulator: SimulatorServer, clock: FakeClock
) -> AsyncIterator[Callable[..., SyncContext]]:
    """Factory of SyncContexts whose providers talk to the simulator (faults reset per test), on the
    installed fake clock (NOW: the simulator's demo catalog is anchored to the same day)."""
    simulator.reset()
    made: list[Any] = []

    def make(fake: FakeClock | None = None, **overrides: Any) -> SyncContext:
        s = settings.model_copy(update={"simulator_url": simulator.url, **overrides})
        providers = build_providers(s, aredis, policies=FAST)
        made.append(providers)
        return SyncContext(settings=s, engine=engine, redis=aredis, providers=providers, clock=fake or clock)

    yield make
    for providers in made:
        await providers.aclose()
    simulator.reset()
