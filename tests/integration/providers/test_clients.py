"""Every client method against the simulator, including each fault kind and recovery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from setlist_app import clock
from setlist_app.domain.event_filters import classify_event
from setlist_app.models.catalog import ShowStatus
from setlist_app.providers import request_counter
from setlist_app.providers.errors import (
    BadResponse,
    NotFound,
    ProviderError,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from setlist_app.providers.factory import Providers
from setlist_app.providers.musicbrainz import MusicBrainzClient
from setlist_app.providers.spotify import SpotifyClient
from setlist_app.providers.ticketmaster import MUSIC_SEGMENT_ID, TicketmasterClient
from tests.fixtures.simulator import SimulatorServer
from tests.integration.providers import sim_data
from tests.integration.providers.conftest import SIM_TIMEOUT, TM_DEEP_LIMIT

# -- Spotify ---------------------------------------------------------------------------------------


async def test_spotify_search_and_artist(providers: Providers, sim: SimulatorServer) -> None:
    found = await providers.spotify.search_artists("testers", limit=50)  # clamped to the dev-mode 10
    assert [a.id for a in found] == [sim_data.ARTIST_SPOTIFY]
    artist = await providers.spotify.get_artist(sim_data.OTHER_SPOTIFY)
    assert artist.name == "Beyoncé" and artist.image_url and artist.image_url.endswith(".svg")
    assert await providers.spotify.search_artists("nobody at all") == []
    image = await providers.spotify.http.client.get(artist.image_url)
    assert image.headers["content-type"].startswith("image/svg+xml")


async def test_spotify_not_found_and_bad_id(providers: Providers) -> None:
    with pytest.raises(NotFound):
        await providers.spotify.get_artist("0000000000000000000000")
    with pytest.raises(BadResponse):
        await providers.spotify.get_artist("not-an-id")


async def test_spotify_albums_and_tracks_page_through(providers: Providers, sim: SimulatorServer) -> None:
    albums = await providers.spotify.artist_albums(sim_data.ARTIST_SPOTIFY)
    assert len(albums) == 14 and len({a.id for a in albums}) == 14
    assert {a.album_type for a in albums} == {"album", "single"}
    tracks = await providers.spotify.album_tracks(sim_data.BIG_ALBUM)
    assert [t.track_number for t in tracks] == list(range(1, 61))
    assert all(t.album_id == sim_data.BIG_ALBUM for t in tracks)
    hits = sim.hits("/spotify/v1")
    assert hits[f"/spotify/v1/artists/{sim_data.ARTIST_SPOTIFY}/albums"] == 2  # 10 + 4
    assert hits[f"/spotify/v1/albums/{sim_data.BIG_ALBUM}/tracks"] == 2  # 50 + 10


async def test_spotify_one_token_for_concurrent_calls(providers: Providers, sim: SimulatorServer) -> None:
    await asyncio.gather(*(providers.spotify.get_artist(sim_data.ARTIST_SPOTIFY) for _ in range(20)))
    assert sim.hits("/spotify-accounts") == {"/spotify-accounts/api/token": 1}
    sim.expire_spotify_tokens()  # the token is revoked server-side: one re-fetch, then success
    await asyncio.gather(*(providers.spotify.get_artist(sim_data.ARTIST_SPOTIFY) for _ in range(5)))
    assert sim.hits("/spotify-accounts")["/spotify-accounts/api/token"] <= 6
    assert providers.spotify.tokens.requests >= 2


async def test_spotify_counts_every_request_spotify_receives(
    providers: Providers, sim: SimulatorServer, redis_client: Redis
) -> None:
    """Token requests included (issue 17): the dashboard's usage is what Spotify sees."""
    started = clock.now()
    await asyncio.gather(*(providers.spotify.get_artist(sim_data.ARTIST_SPOTIFY) for _ in range(3)))
    sim.expire_spotify_tokens()  # then a 401, a new token and the retried call
    await providers.spotify.get_artist(sim_data.ARTIST_SPOTIFY)
    bucket: dict[bytes, int] = {}
    for key in {request_counter.day_key(started), request_counter.day_key(clock.now())}:  # midnight
        for field, n in (await redis_client.hgetall(key)).items():
            bucket[field] = bucket.get(field, 0) + int(n)
    assert sim.hits("/spotify-accounts")["/spotify-accounts/api/token"] == 2
    assert request_counter.totals(bucket)["spotify"] == sim.total_hits("/spotify") == 7
    assert request_counter.by_outcome(bucket)["spotify"] == {"2xx": 6, "4xx": 1}


async def test_spotify_bad_credentials(providers: Providers, sim: SimulatorServer) -> None:
    client = SpotifyClient(f"{sim.url}/spotify", f"{sim.url}/spotify-accounts", "wrong", "creds")
    with pytest.raises(BadResponse):
        await client.get_artist(sim_data.ARTIST_SPOTIFY)
    await client.aclose()


async def test_spotify_quota_exceeded(providers: Providers, sim: SimulatorServer) -> None:
    await providers.spotify.get_artist(sim_data.ARTIST_SPOTIFY)
    sim.fault("/spotify/v1/artists/*", "quota")
    with pytest.raises(QuotaExceeded) as info:
        await providers.spotify.get_artist(sim_data.ARTIST_SPOTIFY)
    assert info.value.provider == "spotify"
    assert (await providers.spotify.get_artist(sim_data.ARTIST_SPOTIFY)).id == sim_data.ARTIST_SPOTIFY


# -- Ticketmaster ----------------------------------------------------------------------------------


async def test_ticketmaster_attractions_venue_events(providers: Providers) -> None:
    tm = providers.ticketmaster
    [attraction] = await tm.search_attractions("The Testers")
    assert attraction.id == sim_data.ARTIST_TM and attraction.spotify_id == sim_data.ARTIST_SPOTIFY
    assert attraction.mbid == sim_data.ARTIST_MBID and attraction.segment == "Music"
    venue = await tm.get_venue("KovZpZA1")
    assert (venue.city, venue.country_code, venue.timezone) == ("City 1", "US", "America/New_York")
    with pytest.raises(NotFound):
        await tm.get_venue("nope")
    events = await tm.events_for_attraction(sim_data.ARTIST_TM)
    by_id = {e.id: e for e in events}
    assert "vvG1past" not in by_id  # past events are not listed
    assert by_id["vvG1cancel"].show_status == ShowStatus.CANCELLED
    assert by_id["vvG1show000"].show_status == ShowStatus.UPCOMING
    assert by_id["vvG1show000"].local_time == "19:30" and by_id["vvG1show000"].starts_at is not None
    kept = {e.id for e in events if classify_event(e).keep}
    assert "vvG1fest" not in kept and "vvG1park" not in kept and "vvG1show005" in kept
    past = await tm.get_event("vvG1past")
    assert past.show_status == ShowStatus.COMPLETED


async def test_ticketmaster_window_split_respects_deep_paging(
    providers: Providers, sim: SimulatorServer, sim_settings: Any
) -> None:
    tm = TicketmasterClient(
        f"{sim.url}/ticketmaster", "sim-ticketmaster-key", page_size=5, deep_paging_limit=TM_DEEP_LIMIT
    )
    start = sim_data.WINDOW_START
    events = await tm.events_in_window(MUSIC_SEGMENT_ID, "US", start, start + timedelta(days=30))
    assert [e.id for e in events] == [f"vvG1show{i:03d}" for i in range(30)]
    assert sim.hits()["/ticketmaster/discovery/v2/events.json"] > 6  # the window was split
    assert await tm.events_in_window(MUSIC_SEGMENT_ID, "GB", start, start + timedelta(days=30)) == []
    # An attraction with more events than one query can reach is split by date the same way.
    everything = await providers.ticketmaster.events_for_attraction(sim_data.ARTIST_TM)
    assert len(everything) > TM_DEEP_LIMIT
    hits = sim.hits()["/ticketmaster/discovery/v2/events.json"]
    split = await tm.events_for_attraction(sim_data.ARTIST_TM)
    assert [e.id for e in split] == [e.id for e in everything]
    assert sim.hits()["/ticketmaster/discovery/v2/events.json"] - hits > len(everything) // 5
    await tm.aclose()


async def test_ticketmaster_bad_key_and_quota(providers: Providers, sim: SimulatorServer) -> None:
    bad = TicketmasterClient(f"{sim.url}/ticketmaster", "wrong")
    with pytest.raises(BadResponse):
        await bad.get_venue("KovZpZA1")
    await bad.aclose()
    sim.fault("/ticketmaster/*", "quota")
    with pytest.raises(QuotaExceeded):
        await providers.ticketmaster.get_venue("KovZpZA1")
    assert (await providers.ticketmaster.get_venue("KovZpZA1")).id == "KovZpZA1"


# -- setlist.fm ------------------------------------------------------------------------------------


async def test_setlistfm_pages_and_404_is_empty(providers: Providers) -> None:
    fm = providers.setlistfm
    first = await fm.artist_setlists(sim_data.ARTIST_MBID)
    assert (len(first.setlists), first.total, first.has_more) == (20, 25, True)
    second = await fm.artist_setlists(sim_data.ARTIST_MBID, page=2)
    assert (len(second.setlists), second.has_more) == (5, False)
    third = await fm.artist_setlists(sim_data.ARTIST_MBID, page=3)
    assert third.setlists == [] and not third.has_more
    assert (await fm.artist_setlists("00000000-0000-0000-0000-000000000000")).setlists == []


async def test_setlistfm_by_date_with_sets(providers: Providers) -> None:
    day = sim_data.TODAY - timedelta(days=10)
    [setlist] = await providers.setlistfm.setlists_for(sim_data.ARTIST_MBID, day)
    assert setlist.event_date == day and setlist.tour == "World Tour" and setlist.country_code == "US"
    songs = [(s.name, s.encore, s.tape, s.cover_of) for s in setlist.songs]
    assert songs == [
        ("Intro Tape", 0, True, None),
        ("Song 1-1", 0, False, None),
        ("Heroes", 0, False, "David Bowie"),
        ("Song 2-2", 1, False, None),
    ]
    assert await providers.setlistfm.setlists_for(sim_data.ARTIST_MBID, day - timedelta(days=1)) == []


async def test_setlistfm_bad_key(providers: Providers, sim: SimulatorServer) -> None:
    from setlist_app.providers.setlistfm import SetlistFmClient

    bad = SetlistFmClient(f"{sim.url}/setlistfm", "wrong")
    with pytest.raises(BadResponse):
        await bad.artist_setlists(sim_data.ARTIST_MBID)
    await bad.aclose()


# -- MusicBrainz -----------------------------------------------------------------------------------


async def test_musicbrainz_search_and_lookup(providers: Providers, sim: SimulatorServer) -> None:
    [artist] = await providers.musicbrainz.search_artist("Beyonce")
    assert artist.name == "Beyoncé" and artist.score == 100
    assert (await providers.musicbrainz.get_artist(sim_data.ARTIST_MBID)).name == "The Testers"
    with pytest.raises(NotFound):
        await providers.musicbrainz.get_artist("00000000-0000-0000-0000-000000000000")
    assert await providers.musicbrainz.search_artist('Quote " and \\ slash') == []


async def test_musicbrainz_requires_user_agent(sim: SimulatorServer) -> None:
    with pytest.raises(ValueError):
        MusicBrainzClient(f"{sim.url}/musicbrainz", " ")
    generic = MusicBrainzClient(f"{sim.url}/musicbrainz", "python-httpx/0.28.1")
    with pytest.raises(BadResponse):
        await generic.get_artist(sim_data.ARTIST_MBID)
    await generic.aclose()


# -- faults and recovery, every provider -----------------------------------------------------------

Call = Callable[[Providers], Awaitable[Any]]
CALLS: dict[str, tuple[str, Call]] = {
    "spotify": ("/spotify/v1/artists/*", lambda p: p.spotify.get_artist(sim_data.ARTIST_SPOTIFY)),
    "ticketmaster": ("/ticketmaster/discovery/v2/venues/*", lambda p: p.ticketmaster.get_venue("KovZpZA0")),
    "setlistfm": (
        "/setlistfm/rest/1.0/artist/*",
        lambda p: p.setlistfm.artist_setlists(sim_data.ARTIST_MBID),
    ),
    "musicbrainz": ("/musicbrainz/ws/2/artist/*", lambda p: p.musicbrainz.get_artist(sim_data.ARTIST_MBID)),
}
FAULTS: dict[str, tuple[str, dict[str, Any], type[ProviderError]]] = {
    "5xx": ("5xx", {"status": 503}, Unavailable),
    "slow": ("slow", {"delay": SIM_TIMEOUT + 1}, Unavailable),  # beyond the client timeout
    "malformed": ("malformed", {}, BadResponse),
    "html-502": ("html", {"status": 502}, Unavailable),  # a gateway's error page
    "html-200": ("html", {"status": 200}, BadResponse),  # a page where JSON was due
}


@pytest.mark.parametrize("provider", list(CALLS))
@pytest.mark.parametrize("kind", list(FAULTS))
async def test_fault_then_recovery(
    providers: Providers, sim: SimulatorServer, provider: str, kind: str
) -> None:
    path, call = CALLS[provider]
    fault, options, expected = FAULTS[kind]
    sim.fault(path, fault, **options)
    with pytest.raises(expected) as info:
        await call(providers)
    assert info.value.provider == provider
    assert sim.total_hits(path.rstrip("*")) == 1  # the error is the fault's: its one request reached it
    assert await call(providers) is not None  # the next call recovers


@pytest.mark.parametrize("provider", list(CALLS))
async def test_rate_limited_waits_then_succeeds(
    providers: Providers, sim: SimulatorServer, provider: str
) -> None:
    path, call = CALLS[provider]
    sim.fault(path, "429", retry_after=0.4)
    started = time.monotonic()
    assert await call(providers) is not None
    assert time.monotonic() - started >= 0.35  # honoured Retry-After (shared pause), did not hammer
    assert sum(n for p, n in sim.hits().items() if p.startswith(path.rstrip("*"))) == 2
    usage = (await providers.limiter.usage())[provider]
    assert usage["throttled"] == 1


async def test_persistent_429_raises_rate_limited(providers: Providers, sim: SimulatorServer) -> None:
    path, call = CALLS["ticketmaster"]
    sim.fault(path, "429", retry_after=0.1, count=5)
    with pytest.raises(RateLimited) as info:
        await call(providers)
    assert info.value.retry_after == pytest.approx(0.1)
    assert sim.total_hits("/ticketmaster") == 3  # first try + max_retries (2), then give up
    sim.reset()
    assert await call(providers) is not None
