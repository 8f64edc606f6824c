"""Fixtures for the sync pipeline: settings, an async Redis on the private test DB, and a fake clock
installed as the app's clock for every test here (one clock: services and planners agree)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from setlist_app.settings import Settings, get_settings
from tests.fixtures.clock import FakeClock
from tests.fixtures.simulator import simulator  # noqa: F401  (the shared simulator fixture)


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy()


@pytest.fixture(autouse=True)
def _one_clock(clock: FakeClock) -> FakeClock:
    """Every sync test runs on the installed fake clock, whether it names `clock` or not."""
    return clock


@pytest_asyncio.fixture
async def aredis(redis_url: str) -> AsyncIterator[Redis]:
    """Async client on the session's private Redis DB, emptied before and after each test."""
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()
