"""Fixtures for the sync pipeline: settings, an async Redis on the private test DB, a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from setlist_app.settings import Settings, get_settings
from tests.fixtures.simulator import simulator  # noqa: F401  (the shared simulator fixture)
from tests.integration.sync.helpers import FakeClock


@pytest.fixture
def settings() -> Settings:
    return get_settings().model_copy()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def aredis(redis_url: str) -> AsyncIterator[Redis]:
    """Async client on the session's private Redis DB, emptied before and after each test."""
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()
