"""MusicBrainz ws/2 client: artist search and lookup (1 request/s, identifying User-Agent)."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import Field

from setlist_app.providers.errors import ProviderError, RateLimited
from setlist_app.providers.http import ProviderHttp, retry_after_seconds
from setlist_app.providers.models import MbArtist
from setlist_app.providers.parsing import Wire, parse
from setlist_app.providers.ratelimit import RateLimiter

PROVIDER = "musicbrainz"
API = "ws/2"


class _Artist(Wire):
    id: str
    name: str = ""
    sort_name: str | None = Field(default=None, alias="sort-name")
    disambiguation: str | None = None
    country: str | None = None
    type: str | None = None
    score: int | None = None


class _Search(Wire):
    artists: list[_Artist] = []


def _artist(a: _Artist) -> MbArtist:
    return MbArtist(
        mbid=a.id,
        name=a.name,
        sort_name=a.sort_name,
        disambiguation=a.disambiguation or None,
        country=a.country,
        type=a.type,
        score=a.score,
    )


def parse_artist(payload: Any) -> MbArtist:
    return parse(PROVIDER, _Artist, payload, _artist)


def parse_search(payload: Any) -> list[MbArtist]:
    return parse(PROVIDER, _Search, payload, lambda s: [_artist(a) for a in s.artists])


def classify(provider: str, response: httpx.Response) -> ProviderError | None:
    """MusicBrainz answers 503 when a client exceeds its rate."""
    if response.status_code == 503 and b"rate" in response.content.lower():
        return RateLimited(provider, retry_after_seconds(response), status=503)
    return None


def _lucene_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class MusicBrainzClient:
    """Thin async MusicBrainz client returning domain results."""

    def __init__(
        self,
        base_url: str,
        user_agent: str,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("MusicBrainz requires an identifying User-Agent")
        self.http = ProviderHttp(
            PROVIDER,
            base_url,
            limiter=limiter,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": user_agent},
            classify=classify,
        )

    async def search_artist(self, name: str, limit: int = 10) -> list[MbArtist]:
        """Artists whose name matches `name`, best score first."""
        params = {"query": f"artist:{_lucene_quote(name)}", "fmt": "json", "limit": max(1, min(limit, 100))}
        return parse_search(await self.http.get_json(f"{API}/artist", params))

    async def get_artist(self, mbid: str) -> MbArtist:
        return parse_artist(await self.http.get_json(f"{API}/artist/{mbid}", {"fmt": "json"}))

    async def aclose(self) -> None:
        await self.http.aclose()
