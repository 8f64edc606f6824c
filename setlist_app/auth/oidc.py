"""OpenID Connect sign-in and the Spotify OAuth client, through authlib's Starlette integration.

Authorization code with state, nonce and PKCE (S256). authlib verifies the ID token: signature
against the issuer's JWKS, `iss` (from discovery), `aud` (our client id), `exp`/`iat`, `nonce`
and `at_hash`. The per-flow data (nonce, PKCE verifier, redirect URI) lives in Redis, not in the
cookie: the cookie holds only a marker, and reading the data deletes it (GETDEL), so a replayed
callback is refused before any code exchange.

Several issuers at once (Google, Clerk, ...): one authlib client per provider, each with its own
redirect URI. authlib keys the flow state by client name, so a callback completes only a flow its
own provider started (the mix-up defence of RFC 9700 §4.4).
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

#: Client credentials of the simulator's issuers (simulator/oidc.py accepts them).
SIMULATOR_OIDC_CLIENT = ("setlist-dev", "setlist-dev-secret")
#: The simulator's two issuers (id, mount path, button label); simulator/app.py mounts them.
SIMULATOR_ISSUERS = (("demo", "/oidc", "Demo sign-in"), ("demo-id", "/oidc-b", "Demo ID"))
#: The provider configured by the single-issuer settings (OIDC_ISSUER_URL, ...).
LEGACY_PROVIDER = "oidc"
SPOTIFY_SCOPES = "user-top-read user-follow-read"
KNOWN_PROVIDERS = {"accounts.google.com": "Google", "clerk.": "Clerk"}


class SignInUnavailable(RuntimeError):
    """Sign-in is misconfigured (e.g. an issuer URL without a client id)."""


@dataclass(frozen=True)
class OidcConfig:
    id: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    provider_name: str

    @property
    def callback_path(self) -> str:
        """Where the issuer sends the browser back (the legacy provider keeps its old URI)."""
        return "/auth/callback" if self.id == LEGACY_PROVIDER else f"/auth/callback/{self.id}"


def _label(issuer: str, name: str) -> str:
    host = urlparse(issuer).netloc
    return name or next((label for part, label in KNOWN_PROVIDERS.items() if part in host), host)


def oidc_providers(settings: Settings) -> list[OidcConfig]:
    """Every sign-in provider, in button order: the single-issuer settings' one (if set), then
    `OIDC_PROVIDERS`; with none configured, the local simulator's two issuers with the demo client."""
    found: list[OidcConfig] = []
    if settings.oidc_issuer_url:
        if not settings.oidc_client_id:
            raise SignInUnavailable("OIDC_ISSUER_URL is set but OIDC_CLIENT_ID is empty")
        issuer = settings.oidc_issuer_url.rstrip("/")
        found.append(
            OidcConfig(
                LEGACY_PROVIDER,
                issuer,
                settings.oidc_client_id,
                settings.oidc_client_secret,
                settings.oidc_scopes,
                _label(issuer, settings.oidc_provider_name),
            )
        )
    for p in settings.oidc_providers:
        issuer = p.issuer_url.rstrip("/")
        found.append(OidcConfig(p.id, issuer, p.client_id, p.client_secret, p.scopes, _label(issuer, p.name)))
    if found:
        return found
    base = settings.simulator_url.rstrip("/")
    client_id, secret = SIMULATOR_OIDC_CLIENT
    return [
        OidcConfig(pid, f"{base}{path}", client_id, secret, "openid email profile", label)
        for pid, path, label in SIMULATOR_ISSUERS
    ]


def provider_labels(settings: Settings) -> dict[str, str]:
    """Issuer URL -> button label, to name a user's linked identities."""
    return {p.issuer: p.provider_name for p in oidc_providers(settings)}


def client_name(provider_id: str) -> str:
    """The authlib registry name of a sign-in provider (its flow state is keyed by it)."""
    return f"oidc-{provider_id}"


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
    """An authlib registry with one client per sign-in provider (`client_name`) and `spotify`."""
    redis = Redis.from_url(settings.redis_db_url(settings.redis_db_app))
    oauth = OAuth(cache=RedisFlowCache(redis))
    common: dict[str, Any] = {"timeout": settings.http_timeout_seconds, "code_challenge_method": "S256"}
    if transport is not None:
        common["transport"] = transport
    names = ["spotify"]
    for provider in oidc_providers(settings):
        names.append(client_name(provider.id))
        oauth.register(
            names[-1],
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
            client_kwargs={**common, "scope": provider.scopes},
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
    for name in names:
        oauth.create_client(name).framework.expires_in = settings.oauth_state_max_age_seconds
    return oauth
