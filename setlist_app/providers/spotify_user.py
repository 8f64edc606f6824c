"""Spotify as one connected user sees it: their id, the artists they follow, their top artists.

Authorized by the user's own access token (the app-level `SpotifyClient` uses client
credentials); a 401 asks `refresh` for a new token once. Calls share the Spotify rate limit with
every other Spotify call. The token store lives in `auth.spotify_tokens`; this client only holds
the token it is given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from setlist_app.providers.http import ProviderHttp
from setlist_app.providers.models import SpotifyArtist
from setlist_app.providers.ratelimit import RateLimiter
from setlist_app.providers.spotify import PROVIDER, classify, parse_artist

PAGE = 50


class SpotifyUserClient:
    def __init__(
        self,
        api_url: str,
        access_token: str,
        refresh: Callable[[], Awaitable[str]],
        *,
        limiter: RateLimiter,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._token = access_token
        self._refresh = refresh
        self._http = ProviderHttp(
            PROVIDER,
            api_url,
            limiter=limiter,
            transport=transport,
            timeout=timeout,
            classify=classify,
            auth=self._auth,
            on_unauthorized=self._refreshed,
        )

    async def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    async def _refreshed(self) -> None:
        self._token = await self._refresh()

    async def user_id(self) -> str:
        return str((await self._http.get_json("v1/me")).get("id") or "")

    async def followed_artists(self, cap: int) -> list[SpotifyArtist]:
        """The artists the user follows (cursor-paged), at most `cap`."""
        followed: list[SpotifyArtist] = []
        params: dict[str, Any] = {"type": "artist", "limit": PAGE}
        while len(followed) < cap:
            body = (await self._http.get_json("v1/me/following", params)).get("artists") or {}
            followed += [parse_artist(item) for item in body.get("items") or []]
            after = (body.get("cursors") or {}).get("after")
            if not after or not body.get("next"):
                break
            params["after"] = after
        return followed[:cap]

    async def top_artists(self, cap: int) -> list[SpotifyArtist]:
        """The user's top artists over the medium term, at most `cap`."""
        body = await self._http.get_json("v1/me/top/artists", {"limit": PAGE, "time_range": "medium_term"})
        return [parse_artist(item) for item in body.get("items") or []][:cap]

    async def aclose(self) -> None:
        await self._http.aclose()
