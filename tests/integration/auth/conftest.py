"""Fixtures for the auth tests: the app's Starlette layer (no Reflex) against the simulator's issuer."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import redis
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.api.app import build_api
from setlist_app.auth import sessions
from setlist_app.auth.cookies import SESSION_COOKIE
from setlist_app.models.catalog import Artist
from setlist_app.settings import get_settings
from simulator.catalog import Catalog
from tests.fixtures.simulator import SimulatorServer

APP = "http://testserver"
CALLBACK = "/auth/callback/demo"  # the first simulator issuer's redirect URI
ENV = {"ADMIN_EMAILS": "ada@setlist.test,ada2@setlist.test"}


@pytest.fixture
def auth_env(simulator: SimulatorServer, engine: Engine, redis_url: str) -> Iterator[SimulatorServer]:
    """Settings pointing at the session's simulator; sessions, caches and flow state reset."""
    saved = {k: os.environ.get(k) for k in (*ENV, "SIMULATOR_URL")}
    os.environ.update(ENV, SIMULATOR_URL=simulator.url)
    get_settings.cache_clear()
    sessions.clear_cache()
    redis.Redis.from_url(redis_url).flushdb()
    yield simulator
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    sessions.clear_cache()


@pytest.fixture
async def client(auth_env: SimulatorServer) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client of the app's HTTP layer (cookies kept, redirects not followed)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api()), base_url=APP) as c:
        yield c


async def start_login(
    client: httpx.AsyncClient,
    hint: str | None = "sam@setlist.test",
    next_path: str = "/",
    provider: str = "demo",
) -> str:
    """GET /auth/login with a provider's button; returns the issuer's authorize URL the browser is
    sent to."""
    params = {"next": next_path, "provider": provider, **({"login_hint": hint} if hint else {})}
    response = await client.get("/auth/login", params=params)
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def approve(authorize_url: str) -> str:
    """Let the simulator approve; returns our callback URL (path + query) it redirects back to."""
    async with httpx.AsyncClient() as idp:
        response = await idp.get(authorize_url)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(APP), location
    return location[len(APP) :]


async def sign_in(
    client: httpx.AsyncClient, hint: str = "sam@setlist.test", provider: str = "demo"
) -> httpx.Response:
    """The whole OIDC round trip with one provider; returns the callback's response."""
    callback = await approve(await start_login(client, hint, provider=provider))
    return await client.get(callback)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def session_cookie(response: httpx.Response) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        match = re.match(rf"{SESSION_COOKIE}=([^;]*)", header)
        if match:
            return match.group(1).strip('"') or None
    return None


async def connect_spotify(client: httpx.AsyncClient, user: str = "sim-listener-1") -> httpx.Response:
    """Connect Spotify as the signed-in user through the simulator (PKCE); returns the callback's response."""
    start = await client.get("/auth/spotify/connect")
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    params = query(authorize)
    assert params["code_challenge_method"] == "S256" and params["code_challenge"]
    assert set(params["scope"].split()) == {"user-top-read", "user-follow-read"}
    async with httpx.AsyncClient() as spotify:
        back = await spotify.get(f"{authorize}&user={user}")
    assert back.status_code == 302, (back.status_code, back.text[:300], params)
    assert back.headers["location"].startswith(f"{APP}/auth/spotify/callback")
    return await client.get(back.headers["location"][len(APP) :])


@pytest.fixture
def catalog(session: Session) -> None:
    """The simulator's first artists, already with catalogs (the import must not re-sync them)."""
    for a in Catalog.load().artists[:8]:
        session.add(
            Artist(
                slug=a.slug,
                name=a.name,
                normalized_name=a.name.lower(),
                spotify_id=a.spotify_id,
                catalog_status="ok",
            )
        )
    session.commit()
