"""The simulator over the bundled demo catalog: every listing is reachable and the filters sort it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from setlist_app.domain.event_filters import classify_event
from setlist_app.providers.factory import Providers, build_providers
from setlist_app.settings import Settings
from simulator.catalog import DATA_DIR
from tests.fixtures.simulator import SimulatorServer
from tests.integration.providers.conftest import FAST


@pytest.fixture
async def demo(simulator: SimulatorServer, redis_client: Redis) -> AsyncIterator[Providers]:
    built = build_providers(Settings(simulator_url=simulator.url), redis_client, policies=FAST)
    yield built
    await built.aclose()


async def test_event_filters_on_demo_listings(demo: Providers) -> None:
    shows = {s["ticketmaster_id"] for s in json.loads((DATA_DIR / "shows.json").read_text())}
    noise = {e["ticketmaster_id"] for e in json.loads((DATA_DIR / "noise_events.json").read_text())}
    verdicts = {i: classify_event(await demo.ticketmaster.get_event(i)) for i in sorted(shows | noise)}
    assert {i for i in noise if verdicts[i].keep and not verdicts[i].residency} == set()
    assert {i for i in shows if not verdicts[i].keep} == set()


async def test_every_demo_artist_resolves_everywhere(demo: Providers) -> None:
    artists = json.loads((DATA_DIR / "artists.json").read_text())
    for raw in artists[:6]:
        [spotify] = [a for a in await demo.spotify.search_artists(raw["name"]) if a.id == raw["spotify_id"]]
        albums = await demo.spotify.artist_albums(spotify.id)
        assert len(albums) == len([a for a in raw["albums"] if a["album_type"] in ("album", "single")])
        assert await demo.spotify.album_tracks(albums[0].id)
        attractions = await demo.ticketmaster.search_attractions(raw["name"])
        assert raw["ticketmaster_id"] in {a.id for a in attractions}
        assert (await demo.musicbrainz.get_artist(raw["mbid"])).name == raw["name"]
        page = await demo.setlistfm.artist_setlists(raw["mbid"])
        assert all(s.artist_mbid == raw["mbid"] for s in page.setlists)
