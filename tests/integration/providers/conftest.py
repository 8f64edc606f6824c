"""Provider test fixtures: the simulator over a small test catalog and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from setlist_app.providers.factory import Providers, build_providers
from setlist_app.providers.ratelimit import RatePolicy
from setlist_app.settings import Settings
from simulator.app import create_app
from tests.fixtures.simulator import SimulatorServer, start_simulator
from tests.integration.providers import sim_data

TM_DEEP_LIMIT = 20  # the test simulator enforces page * size < 20 so window splitting is exercised
FAST = {
    name: RatePolicy(100, 100_000, adaptive=name == "spotify", max_wait=5.0)
    for name in ("spotify", "ticketmaster", "setlistfm", "musicbrainz")
}


SIM_TIMEOUT = 2.0


@pytest.fixture(scope="session")
def sim() -> Iterator[SimulatorServer]:
    with start_simulator(create_app(catalog=sim_data.catalog(), tm_deep_limit=TM_DEEP_LIMIT)) as server:
        yield server


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def sim_settings(sim: SimulatorServer) -> Settings:
    # Generous enough that a loaded machine (three test lanes on two cores) never times out a healthy
    # answer: a timeout there would leave a queued fault for the next call ("slow" faults wait longer).
    return Settings(simulator_url=sim.url, http_timeout_seconds=SIM_TIMEOUT)


@pytest.fixture
async def providers(
    sim: SimulatorServer, sim_settings: Settings, redis_client: Redis
) -> AsyncIterator[Providers]:
    sim.reset()
    built = build_providers(sim_settings, redis_client, policies=FAST)
    yield built
    await built.aclose()
    sim.reset()
