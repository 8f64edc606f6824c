"""Build every provider client from Settings: production, tests and the demo differ only in config."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from redis.asyncio import Redis

from setlist_app.db import app_redis
from setlist_app.providers import request_counter
from setlist_app.providers.musicbrainz import MusicBrainzClient
from setlist_app.providers.ratelimit import RateLimiter, RatePolicy
from setlist_app.providers.setlistfm import SetlistFmClient
from setlist_app.providers.spotify import SpotifyClient
from setlist_app.providers.ticketmaster import TicketmasterClient
from setlist_app.settings import Settings

#: Credentials the local simulator accepts when no real keys are configured (the simulator keeps its
#: own copy, `simulator.app.CREDENTIALS`; tests/unit/test_simulator_contract.py checks they agree).
SIMULATOR_CREDENTIALS = {
    "spotify_client_id": "sim-spotify-client",
    "spotify_client_secret": "sim-spotify-secret",
    "ticketmaster_api_key": "sim-ticketmaster-key",
    "setlistfm_api_key": "sim-setlistfm-key",
}
RATE_LIMIT_PREFIX = "setlist:rl"


def rate_policies(settings: Settings) -> dict[str, RatePolicy]:
    """Per-provider limits from settings (DESIGN.md §6)."""
    wait = settings.rate_limit_max_wait_seconds
    return {
        "spotify": RatePolicy(settings.spotify_rate_per_second, adaptive=True, max_wait=wait),
        "ticketmaster": RatePolicy(
            settings.ticketmaster_rate_per_second, settings.ticketmaster_daily_quota, max_wait=wait
        ),
        "setlistfm": RatePolicy(
            settings.setlistfm_rate_per_second, settings.setlistfm_daily_quota, max_wait=wait
        ),
        "musicbrainz": RatePolicy(settings.musicbrainz_rate_per_second, max_wait=wait),
    }


def _credential(settings: Settings, name: str) -> str:
    value: str = getattr(settings, name)
    return value or (SIMULATOR_CREDENTIALS[name] if settings.uses_simulator else "")


@dataclass
class Providers:
    """All provider clients sharing one rate limiter."""

    spotify: SpotifyClient
    ticketmaster: TicketmasterClient
    setlistfm: SetlistFmClient
    musicbrainz: MusicBrainzClient
    limiter: RateLimiter
    _owned_redis: Redis | None = None

    async def aclose(self) -> None:
        for client in (self.spotify, self.ticketmaster, self.setlistfm, self.musicbrainz):
            await client.aclose()
        if self._owned_redis is not None:
            await self._owned_redis.aclose()


def build_providers(
    settings: Settings,
    redis: Redis | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    policies: dict[str, RatePolicy] | None = None,
) -> Providers:
    """Every client from `settings`, each request counted (`request_counter`). `redis` should be on
    `settings.redis_db_app` (made if omitted)."""
    owned = None
    if redis is None:
        redis = owned = app_redis(settings)
    limiter = RateLimiter(redis, policies or rate_policies(settings), prefix=RATE_LIMIT_PREFIX)
    common = {"limiter": limiter, "transport": transport, "timeout": settings.http_timeout_seconds}
    providers = Providers(
        spotify=SpotifyClient(
            settings.provider_url("spotify"),
            settings.provider_url("spotify_accounts"),
            _credential(settings, "spotify_client_id"),
            _credential(settings, "spotify_client_secret"),
            **common,
        ),
        ticketmaster=TicketmasterClient(
            settings.provider_url("ticketmaster"), _credential(settings, "ticketmaster_api_key"), **common
        ),
        setlistfm=SetlistFmClient(
            settings.provider_url("setlistfm"), _credential(settings, "setlistfm_api_key"), **common
        ),
        musicbrainz=MusicBrainzClient(
            settings.provider_url("musicbrainz"), settings.musicbrainz_user_agent, **common
        ),
        limiter=limiter,
        _owned_redis=owned,
    )
    count = request_counter.hook(redis)  # every request, on the Redis the limiter shares
    for client in (providers.spotify, providers.ticketmaster, providers.setlistfm, providers.musicbrainz):
        client.http.on_request = count
    return providers
