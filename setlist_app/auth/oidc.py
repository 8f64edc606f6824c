"""OpenID Connect sign-in and the Spotify OAuth client, through authlib's Starlette integration.

Authorization code with state, nonce and PKCE (S256). authlib verifies the ID token: signature
against the issuer's JWKS, `iss` (from discovery), `aud` (our client id), `exp`/`iat`, `nonce`
and `at_hash`. The per-flow data (nonce, PKCE verifier, redirect URI) lives in Redis, not in the
cookie: the cookie holds only a marker, and reading the data deletes it (GETDEL), so a replayed
callback is refused before any code exchange.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
from authlib.integrations.starlette_client import OAuth
from redis.asyncio import Redis

from setlist_app.providers.factory import SIMULATOR_CREDENTIALS
from setlist_app.settings import Settings

#: Client credentials of the simulator's issuer (simulator/oidc.py accepts them).
SIMULATOR_OIDC_CLIENT = ("setlist-dev", "setlist-dev-secret")
SPOTIFY_SCOPES = "user-top-read user-follow-read"
KNOWN_PROVIDERS = {"accounts.google.com": "Google", "clerk.": "Clerk"}


class SignInUnavailable(RuntimeError):
    """Sign-in is misconfigured (e.g. an issuer URL without a client id)."""


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    provider_name: str


def oidc_config(settings: Settings) -> OidcConfig:
    """The configured issuer, or the local simulator's issuer with its demo client."""
    if settings.oidc_issuer_url:
        if not settings.oidc_client_id:
            raise SignInUnavailable("OIDC_ISSUER_URL is set but OIDC_CLIENT_ID is empty")
        client_id, secret = settings.oidc_client_id, settings.oidc_client_secret
    else:
        client_id, secret = SIMULATOR_OIDC_CLIENT
    host = urlparse(settings.oidc_issuer).netloc
    derived = next((name for part, name in KNOWN_PROVIDERS.items() if part in host), None)
    name = (
        settings.oidc_provider_name or derived or ("demo sign-in" if not settings.oidc_issuer_url else host)
    )
    return OidcConfig(settings.oidc_issuer, client_id, secret, settings.oidc_scopes, name)


@dataclass(frozen=True)
class SpotifyOAuthConfig:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    api_url: str


def spotify_oauth_config(settings: Settings) -> SpotifyOAuthConfig:
    accounts = settings.provider_url("spotify_accounts")
    creds = SIMULATOR_CREDENTIALS if settings.uses_simulator else {}
    return SpotifyOAuthConfig(
        client_id=settings.spotify_client_id or creds.get("spotify_client_id", ""),
        client_secret=settings.spotify_client_secret or creds.get("spotify_client_secret", ""),
        authorize_url=f"{accounts}/authorize",
        token_url=f"{accounts}/api/token",
        api_url=settings.provider_url("spotify"),
    )


class RedisFlowCache:
    """authlib's state cache in Redis; `get` consumes the entry so every state works once."""

    def __init__(self, redis: Redis, prefix: str = "setlist:oauth-flow") -> None:
        self.redis = redis
        self.prefix = prefix

    async def get(self, key: str) -> Any:
        return await self.redis.getdel(f"{self.prefix}:{key}")

    async def set(self, key: str, value: str, expires: int | None = None) -> None:
        await self.redis.set(f"{self.prefix}:{key}", value, ex=expires)

    async def delete(self, key: str) -> None:
        await self.redis.delete(f"{self.prefix}:{key}")


def build_oauth(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> OAuth:
    """An authlib registry with `oidc` (sign-in) and `spotify` (connect) clients."""
    redis = Redis.from_url(settings.redis_db_url(settings.redis_db_app))
    oauth = OAuth(cache=RedisFlowCache(redis))
    common: dict[str, Any] = {"timeout": settings.http_timeout_seconds, "code_challenge_method": "S256"}
    if transport is not None:
        common["transport"] = transport
    oidc = oidc_config(settings)
    oauth.register(
        "oidc",
        client_id=oidc.client_id,
        client_secret=oidc.client_secret,
        server_metadata_url=f"{oidc.issuer}/.well-known/openid-configuration",
        client_kwargs={**common, "scope": oidc.scopes},
    )
    spotify = spotify_oauth_config(settings)
    oauth.register(
        "spotify",
        client_id=spotify.client_id,
        client_secret=spotify.client_secret,
        authorize_url=spotify.authorize_url,
        access_token_url=spotify.token_url,
        client_kwargs={
            **common,
            "scope": SPOTIFY_SCOPES,
            "token_endpoint_auth_method": "client_secret_basic",
        },
    )
    for name in ("oidc", "spotify"):
        oauth.create_client(name).framework.expires_in = settings.oauth_state_max_age_seconds
    return oauth
