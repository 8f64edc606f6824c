"""The sync-health banner in Chromium, live (no reload): down without a worker heartbeat, gone when a
worker beats, degraded after a simulator fault storm opens the Spotify circuit, gone on recovery.

The sync jobs run in this process with the real Spotify client against the app's simulator,
exactly as the worker would run them; the app only reads `sync_status`/circuits, like in production.
It runs on the PostgreSQL app (tests/e2e/conftest.py) because that one has no arq worker: the test
plays the worker's absence and its heartbeats itself, which a live worker would overwrite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Page, expect
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import Session, select

from setlist_app.db import get_engine
from setlist_app.models import Artist, ProviderCircuit, SyncStatus, utcnow
from setlist_app.providers.factory import build_providers
from setlist_app.settings import get_settings
from setlist_app.sync import catalog, executors
from setlist_app.sync.context import SyncContext
from tests.e2e.conftest import screenshot, wait_until, worker_heartbeat
from tests.fixtures.simulator import SimulatorServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("site", ["postgres"], indirect=True, scope="module"),
]
T = TypeVar("T")


def _no_worker() -> None:
    with Session(get_engine()) as s:
        s.execute(update(SyncStatus).where(SyncStatus.id == 1).values(worker_heartbeat_at=None))
        s.commit()


async def _sync_catalogs(redis_url: str, simulator_url: str, artist_ids: list[int]) -> list[str]:
    """Run one catalog sync per artist, through the gateway and `run_job`, as the worker does."""
    settings = get_settings().model_copy(
        update={"simulator_url": simulator_url, "circuit_cooldown_seconds": 2}
    )
    redis = Redis.from_url(redis_url)
    providers = build_providers(settings, redis)
    ctx = SyncContext(settings=settings, engine=get_engine(), redis=redis, providers=providers)
    outcomes = []
    try:
        for artist_id in artist_ids:
            with Session(get_engine()) as s:
                job = catalog.request_catalog_sync(s, artist_id, requested_by="admin:0", now=utcnow())
                s.commit()
            outcomes.append((await executors.run_job(job.job_id, ctx)).status)
    finally:
        await providers.aclose()
        await redis.aclose()
    return outcomes


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion off this thread (Playwright's sync API owns its event loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _banner_level(page: Page) -> str | None:
    banner = page.locator("#health-banner")
    return banner.get_attribute("data-level") if banner.count() else None


def test_banner_follows_sync_health_live(
    app_url: str, seeded: None, page: Page, simulator: SimulatorServer, redis_url: str
) -> None:
    with Session(get_engine()) as s:
        artists = s.exec(select(Artist.id).where(Artist.spotify_id.is_not(None)).order_by(Artist.id)).all()  # type: ignore[union-attr]
        # The seeded catalog counts as fresh (24 h guard): make these artists due again.
        for artist in s.exec(select(Artist).where(Artist.id.in_(artists))).all():  # type: ignore[union-attr]
            artist.catalog_attempted_at = None
            artist.catalog_synced_at = None
            s.add(artist)
        s.commit()
    threshold = get_settings().circuit_failure_threshold
    assert len(artists) > threshold + 1

    _no_worker()
    page.goto(app_url + "/")
    banner = page.locator("#health-banner")
    expect(banner).to_have_attribute("data-level", "down", timeout=15_000)  # no worker heartbeat
    expect(banner).to_contain_text("Background sync is not running")
    expect(banner).to_contain_text("Voting still works")

    worker_heartbeat()
    expect(banner).to_have_count(0, timeout=15_000)  # pushed, no reload

    simulator.fault("/spotify/v1/artists/*", "5xx", count=1000, status=503)
    outcomes = _run(_sync_catalogs(redis_url, simulator.url, artists[:threshold]))
    assert outcomes == ["failed"] * threshold
    with Session(get_engine()) as s:
        assert s.get(ProviderCircuit, "spotify").state == "open"  # type: ignore[union-attr]
    worker_heartbeat()
    expect(banner).to_have_attribute("data-level", "degraded", timeout=15_000)
    expect(banner).to_contain_text("music data provider(s) are unavailable")
    screenshot(page, "health-banner-degraded")

    simulator.reset()
    wait_until(_circuit_may_retry, 10, "the end of the (shortened) circuit cool-down")
    assert _run(_sync_catalogs(redis_url, simulator.url, [artists[threshold]])) == ["succeeded"]
    worker_heartbeat()
    expect(banner).to_have_count(0, timeout=15_000)
    assert _banner_level(page) is None


def _circuit_may_retry() -> bool:
    with Session(get_engine()) as s:
        circuit = s.get(ProviderCircuit, "spotify")
        return circuit is not None and (circuit.retry_at is None or circuit.retry_at <= utcnow())
