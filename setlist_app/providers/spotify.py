"""Spotify Web API client (development-mode endpoints only; no top tracks, no batch endpoints)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_token_request

from setlist_app.providers.errors import BadResponse, ProviderError, QuotaExceeded, Unavailable
from setlist_app.providers.http import ProviderHttp, decode_json, default_error
from setlist_app.providers.models import SpotifyAlbum, SpotifyArtist, SpotifyTrack
from setlist_app.providers.parsing import Wire, parse
from setlist_app.providers.ratelimit import RateLimiter

PROVIDER = "spotify"
SEARCH_LIMIT_MAX = 10
ALBUM_PAGE_MAX = 10
TRACK_PAGE_MAX = 50
MAX_PAGES = 200


class _Image(Wire):
    url: str | None = None


class _Ref(Wire):
    id: str | None = None


class _Artist(Wire):
    id: str
    name: str = ""
    genres: list[str] = []
    images: list[_Image] = []
    external_urls: dict[str, str | None] = {}


class _Album(Wire):
    id: str
    name: str = ""
    album_type: str = "album"
    album_group: str | None = None
    release_date: str | None = None
    total_tracks: int = 0
    artists: list[_Ref] = []
    images: list[_Image] = []


class _Track(Wire):
    id: str | None = None  # local files have no id
    name: str = ""
    track_number: int = 0
    disc_number: int = 1
    duration_ms: int | None = None
    artists: list[_Ref] = []
    external_ids: dict[str, str | None] = {}


class _Page(Wire):
    next: str | None = None
    total: int = 0


class _ArtistPage(_Page):
    items: list[_Artist | None] = []


class _AlbumPage(_Page):
    items: list[_Album | None] = []


class _TrackPage(_Page):
    items: list[_Track | None] = []


class _Search(Wire):
    artists: _ArtistPage = _ArtistPage()


class _Token(Wire):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = 3600


def _first_image(images: list[_Image]) -> str | None:
    return next((i.url for i in images if i.url), None)


def _artist(a: _Artist) -> SpotifyArtist:
    return SpotifyArtist(
        id=a.id,
        name=a.name,
        genres=a.genres,
        image_url=_first_image(a.images),
        url=a.external_urls.get("spotify"),
    )


def _album(a: _Album) -> SpotifyAlbum:
    return SpotifyAlbum(
        id=a.id,
        name=a.name,
        album_type=a.album_type.lower(),
        album_group=a.album_group,
        release_date=a.release_date,
        total_tracks=a.total_tracks,
        artist_ids=[r.id for r in a.artists if r.id],
        image_url=_first_image(a.images),
    )


def parse_artist(payload: Any) -> SpotifyArtist:
    return parse(PROVIDER, _Artist, payload, _artist)


def parse_search(payload: Any) -> list[SpotifyArtist]:
    return parse(PROVIDER, _Search, payload, lambda s: [_artist(a) for a in s.artists.items if a])


def parse_album_page(payload: Any) -> tuple[list[SpotifyAlbum], bool]:
    return parse(PROVIDER, _AlbumPage, payload, lambda p: ([_album(a) for a in p.items if a], bool(p.next)))


def parse_track_page(payload: Any, album_id: str) -> tuple[list[SpotifyTrack], bool]:
    def convert(p: _TrackPage) -> tuple[list[SpotifyTrack], bool]:
        tracks = [
            SpotifyTrack(
                id=t.id,
                name=t.name,
                album_id=album_id,
                track_number=t.track_number,
                disc_number=t.disc_number,
                duration_ms=t.duration_ms,
                artist_ids=[r.id for r in t.artists if r.id],
                isrc=t.external_ids.get("isrc"),
            )
            for t in p.items
            if t and t.id
        ]
        return tracks, bool(p.next)

    return parse(PROVIDER, _TrackPage, payload, convert)


def classify(provider: str, response: httpx.Response) -> ProviderError | None:
    """Spotify signals an exhausted quota with reason QUOTA_EXCEEDED in the error body."""
    if response.status_code in (403, 429) and b"QUOTA_EXCEEDED" in response.content:
        return QuotaExceeded(provider, "QUOTA_EXCEEDED", status=response.status_code)
    return None


class TokenSource:
    """Client-credentials token: one token request no matter how many calls wait for it."""

    def __init__(self, http: httpx.AsyncClient, token_url: str, client_id: str, client_secret: str) -> None:
        self._http = http
        self._url = token_url
        self._auth = ClientAuth(client_id, client_secret, "client_secret_basic")
        self._token: OAuth2Token | None = None
        self._lock = asyncio.Lock()
        self.requests = 0
        #: counts each token request like any other (`ProviderHttp.record`): Spotify sees them too.
        self.record: Callable[[int | str, float], Awaitable[None]] | None = None

    async def headers(self) -> dict[str, str]:
        token = self._token
        if token is None or token.is_expired(leeway=30):
            async with self._lock:
                if self._token is None or self._token.is_expired(leeway=30):
                    self._token = await self._fetch()
                token = self._token
        return {"Authorization": f"Bearer {token['access_token']}"}

    async def invalidate(self) -> None:
        self._token = None

    async def _recorded(self, status: int | str, started: float) -> None:
        if self.record is not None:
            await self.record(status, started)

    async def _fetch(self) -> OAuth2Token:
        body = prepare_token_request("client_credentials")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        url, headers, body = self._auth.prepare("POST", self._url, headers, body)
        self.requests += 1
        started = time.perf_counter()
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            await self._recorded("timeout" if isinstance(exc, httpx.TimeoutException) else "error", started)
            raise Unavailable(PROVIDER, f"token endpoint: {exc!r}") from exc
        await self._recorded(response.status_code, started)
        if not response.is_success:
            raise classify(PROVIDER, response) or default_error(PROVIDER, response)
        data = parse(PROVIDER, _Token, decode_json(PROVIDER, response), lambda t: t)
        if data.token_type.lower() != "bearer":
            raise BadResponse(PROVIDER, f"unexpected token type {data.token_type!r}")
        return OAuth2Token(
            {
                "access_token": data.access_token,
                "token_type": "Bearer",
                "expires_at": time.time() + data.expires_in,
            }
        )


class SpotifyClient:
    """Thin async Spotify client returning domain results."""

    def __init__(
        self,
        base_url: str,
        accounts_url: str,
        client_id: str,
        client_secret: str,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._token_http = httpx.AsyncClient(transport=transport, timeout=timeout)
        self.tokens = TokenSource(
            self._token_http, accounts_url.rstrip("/") + "/api/token", client_id, client_secret
        )
        self.http = ProviderHttp(
            PROVIDER,
            base_url,
            limiter=limiter,
            transport=transport,
            timeout=timeout,
            classify=classify,
            auth=self.tokens.headers,
            on_unauthorized=self.tokens.invalidate,
        )
        self.tokens.record = self.http.record

    async def search_artists(self, name: str, limit: int = 10) -> list[SpotifyArtist]:
        """Artists matching `name` (at most 10: the development-mode cap)."""
        params = {"q": name, "type": "artist", "limit": max(1, min(limit, SEARCH_LIMIT_MAX))}
        return parse_search(await self.http.get_json("v1/search", params))

    async def get_artist(self, spotify_id: str) -> SpotifyArtist:
        return parse_artist(await self.http.get_json(f"v1/artists/{spotify_id}"))

    async def artist_albums(self, spotify_id: str) -> list[SpotifyAlbum]:
        """All albums and singles of an artist (every page, ≤ 10 per page)."""
        return [
            a
            async for a in self._pages(
                f"v1/artists/{spotify_id}/albums",
                ALBUM_PAGE_MAX,
                parse_album_page,
                {"include_groups": "album,single"},
            )
        ]

    async def album_tracks(self, album_id: str) -> list[SpotifyTrack]:
        """All tracks of an album (every page)."""
        return [
            t
            async for t in self._pages(
                f"v1/albums/{album_id}/tracks", TRACK_PAGE_MAX, lambda p: parse_track_page(p, album_id)
            )
        ]

    async def _pages(
        self, path: str, size: int, parser: Any, extra: dict[str, Any] | None = None
    ) -> AsyncIterator[Any]:
        offset = 0
        for _ in range(MAX_PAGES):
            items, has_next = parser(
                await self.http.get_json(path, {**(extra or {}), "limit": size, "offset": offset})
            )
            for item in items:
                yield item
            if not has_next or not items:
                return
            offset += size

    async def aclose(self) -> None:
        await self.http.aclose()
        await self._token_http.aclose()
