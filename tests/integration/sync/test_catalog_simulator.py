"""Catalog sync with the real Spotify client against the local simulator, including a fault storm."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import Artist, ArtistSong, ProviderCircuit
from setlist_app.providers.factory import Providers, build_providers
from setlist_app.settings import Settings
from setlist_app.sync import catalog, crons, executors, status
from tests.fixtures.clock import FakeClock
from tests.fixtures.simulator import SimulatorServer
from tests.integration.sync.helpers import make_ctx


@pytest_asyncio.fixture
async def providers(
    settings: Settings, aredis: Redis, simulator: SimulatorServer
) -> AsyncIterator[Providers]:
    simulator.reset()
    settings.simulator_url = simulator.url
    built = build_providers(settings, aredis)
    yield built
    await built.aclose()


def _demo_artist(session: Session, simulator: SimulatorServer, index: int) -> int:
    demo = simulator.app.state.catalog.artists[index]
    artist = Artist(
        slug=f"demo{index}", name=demo.name, normalized_name=demo.name.lower(), spotify_id=demo.spotify_id
    )
    session.add(artist)
    session.commit()
    return artist.id


async def test_real_client_sync_then_fault_storm_degrades_and_recovers(
    clock: FakeClock,
    engine: Engine,
    session: Session,
    settings: Settings,
    aredis: Redis,
    providers: Providers,
    simulator: SimulatorServer,
) -> None:
    ctx = make_ctx(engine, settings, redis=aredis, providers=providers, clock=clock)
    artist_ids = [_demo_artist(session, simulator, i) for i in range(settings.circuit_failure_threshold + 2)]

    async def sync(artist_id: int) -> executors.RunOutcome:
        job = catalog.request_catalog_sync(session, artist_id, requested_by="admin:1", now=clock())
        session.commit()
        return await executors.run_job(job.job_id, ctx)

    first = await sync(artist_ids[0])
    assert first.status == "succeeded" and first.result["songs"] > 0
    songs = session.execute(select(func.count()).select_from(ArtistSong)).scalar_one()
    assert songs == first.result["songs"]
    await crons.tick(ctx)
    assert status.read_health(session, clock()).level == "ok"

    # A 5xx storm: failures open the provider circuit; the banner's health turns degraded.
    simulator.fault("/spotify/v1/artists/*", "5xx", count=1000, status=503)
    for artist_id in artist_ids[1 : settings.circuit_failure_threshold + 1]:
        assert (await sync(artist_id)).status == "failed"
    session.expire_all()
    assert session.get(ProviderCircuit, "spotify").state == "open"
    hits = simulator.total_hits("/spotify")
    assert (await sync(artist_ids[-1])).result == {"skipped": "spotify circuit open"}
    assert simulator.total_hits("/spotify") == hits  # an open circuit makes no calls
    await crons.tick(ctx)
    assert status.read_health(session, clock()).level == "degraded"

    # Recovery: after the cool-down one probe goes out, succeeds, and the circuit closes.
    simulator.reset()
    clock.advance(seconds=settings.circuit_cooldown_seconds + 1)
    assert (await sync(artist_ids[-1])).status == "succeeded"
    await crons.tick(ctx)
    session.expire_all()
    assert session.get(ProviderCircuit, "spotify").state == "closed"
    assert status.read_health(session, clock()).level == "ok"
