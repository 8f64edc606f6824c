"""Spotify connect against the simulator: PKCE flow, encrypted tokens, import as follows, refresh."""

from __future__ import annotations

import os
from datetime import timedelta
from itertools import pairwise

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from setlist_app.api.app import build_api
from setlist_app.auth import spotify_tokens
from setlist_app.auth.crypto import cipher_from_settings, new_key_spec
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist
from setlist_app.models.sync import SyncJob
from setlist_app.models.users import OAuthToken, User, UserSpotifyArtist
from setlist_app.models.voting import Activity, Follow
from setlist_app.providers.factory import build_providers
from setlist_app.services import spotify_import
from setlist_app.settings import get_settings
from setlist_app.sync import executors, planners, registry, token_refresh
from setlist_app.sync.context import SyncContext
from tests.fixtures.simulator import SimulatorServer
from tests.integration.auth.conftest import APP, connect_spotify, sign_in

ORIGIN = {"origin": APP}


async def test_connect_imports_followed_and_top_artists(
    client: httpx.AsyncClient, session: Session, catalog: None
) -> None:
    await sign_in(client)
    response = await connect_spotify(client)
    assert response.headers["location"] == "/account?spotify=connected"
    user = session.exec(select(User)).one()
    assert user.spotify_user_id == "sim-listener-1"
    token = session.exec(select(OAuthToken)).one()
    stored = spotify_tokens.load_tokens(session, cipher_from_settings(get_settings()), user.id)
    assert stored is not None and stored.refresh_token
    # Encrypted at rest: the plaintext appears in neither column.
    assert stored.access_token.encode() not in token.access_token_enc
    assert stored.refresh_token.encode() not in token.refresh_token_enc
    links = session.exec(select(UserSpotifyArtist)).all()
    assert {link.source for link in links} == {"followed", "top"}
    newcomer = session.exec(select(Artist).where(Artist.name == "Simulated Newcomer 1")).one()
    followed = {f.artist_id for f in session.exec(select(Follow)).all()}
    assert newcomer.id in followed and len(followed) == len({link.artist_id for link in links})
    assert len(session.exec(select(Activity).where(Activity.kind == "follow")).all()) == len(followed)
    jobs = session.exec(select(SyncJob)).all()
    assert [j.artist_id for j in jobs] == [newcomer.id]  # only the artist without a catalog
    assert jobs[0].requested_by == f"user:{user.id}"
    # The account page lists each artist once, followed first, even one both followed and top.
    both = {a for a in followed if {"followed", "top"} <= {x.source for x in links if x.artist_id == a}}
    assert both  # the simulated listener follows some of their top artists
    shown = spotify_import.spotify_status(session, cipher_from_settings(get_settings()), user.id).artists
    assert len(shown) == len(followed) and len({a.slug for a in shown}) == len(shown)
    assert all(
        a.source == "followed"
        for a in shown
        if session.exec(select(Artist.id).where(Artist.slug == a.slug)).one() in both
    )


async def test_reimport_is_throttled_and_deduplicated(
    client: httpx.AsyncClient, session: Session, catalog: None
) -> None:
    await sign_in(client)
    await connect_spotify(client)
    first = await client.post("/auth/spotify/import", headers=ORIGIN)
    assert first.headers["location"] == "/account?spotify=imported"
    second = await client.post("/auth/spotify/import", headers=ORIGIN)
    assert second.headers["location"] == "/account?spotify=throttled"
    assert len(session.exec(select(SyncJob)).all()) == 1  # the pending job was not duplicated
    assert (
        await client.post("/auth/spotify/import", headers={"origin": "https://evil.example"})
    ).status_code == 403


async def test_import_never_bursts_the_job_queue(session: Session, auth_env: SimulatorServer) -> None:
    from setlist_app.providers.models import SpotifyArtist

    user = User(name="Many")
    session.add(user)
    session.commit()
    many = [SpotifyArtist(id=f"{i:022d}", name=f"Band {i}") for i in range(40)]
    result = spotify_import.save_import(session, get_settings(), user.id, "", many, [], utcnow())
    session.commit()
    jobs = session.exec(select(SyncJob).order_by(SyncJob.run_after)).all()
    assert result.new_artists == 40 and len(jobs) == get_settings().spotify_import_max_jobs
    gaps = {(b.run_after - a.run_after).total_seconds() for a, b in pairwise(jobs)}
    assert gaps == {float(get_settings().spotify_import_job_spacing_seconds)}


async def test_refresh_and_invalid_grant_asks_to_reconnect(
    client: httpx.AsyncClient, session: Session, auth_env: SimulatorServer, catalog: None
) -> None:
    await sign_in(client)
    await connect_spotify(client)
    user = session.exec(select(User)).one()
    settings, cipher = get_settings(), cipher_from_settings(get_settings())
    old = spotify_tokens.load_tokens(session, cipher, user.id)
    session.exec(select(OAuthToken)).one().expires_at = utcnow() - timedelta(minutes=5)
    session.commit()
    fresh = await spotify_tokens.UserTokens(settings, cipher, user.id).access_token()
    assert fresh != old.access_token
    session.expire_all()
    kept = spotify_tokens.load_tokens(session, cipher, user.id)
    assert kept.refresh_token == old.refresh_token  # Spotify kept the refresh token
    # Six months later: the refresh token is rejected.
    httpx.post(f"{auth_env.url}/__spotify/revoke-refresh-tokens").raise_for_status()
    httpx.post(f"{auth_env.url}/__spotify/expire-user-tokens").raise_for_status()
    with pytest.raises(spotify_tokens.ReconnectRequired):
        await spotify_tokens.UserTokens(settings, cipher, user.id).refresh()
    session.expire_all()
    status = spotify_import.spotify_status(session, cipher, user.id)
    assert status.connected and status.needs_reconnect and "reconnect Spotify" in status.message
    assert (
        (await client.post("/auth/spotify/import", headers=ORIGIN)).headers["location"].endswith("reconnect")
    )


async def test_disconnect_deletes_the_tokens(
    client: httpx.AsyncClient, session: Session, catalog: None
) -> None:
    await sign_in(client)
    await connect_spotify(client)
    follows = len(session.exec(select(Follow)).all())
    response = await client.post("/auth/spotify/disconnect", headers=ORIGIN)
    assert response.headers["location"] == "/account?spotify=disconnected"
    session.expire_all()
    assert session.exec(select(OAuthToken)).all() == []
    assert session.exec(select(UserSpotifyArtist)).all() == []
    assert len(session.exec(select(Follow)).all()) == follows  # follows stay the user's
    assert session.exec(select(User)).one().spotify_user_id is None


async def test_connect_needs_sign_in_and_a_key(
    client: httpx.AsyncClient, auth_env: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await client.get("/auth/spotify/connect")).headers["location"] == "/auth/login?next=/account"
    await sign_in(client)
    monkeypatch.setenv("ENVIRONMENT", "prod")  # no TOKEN_ENCRYPTION_KEYS and no dev key outside dev/test
    get_settings.cache_clear()
    app = httpx.ASGITransport(app=build_api())
    async with httpx.AsyncClient(transport=app, base_url=APP, cookies=client.cookies) as prod:
        response = await prod.get("/auth/spotify/connect")
    assert response.headers["location"] == "/account?spotify=disabled"
    get_settings.cache_clear()


def test_key_rotation_reencrypts_on_use(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    user = User(name="Rotating")
    session.add(user)
    session.commit()
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", new_key_spec("old"))
    get_settings.cache_clear()
    old_cipher = cipher_from_settings(get_settings())
    spotify_tokens.store_tokens(session, old_cipher, user.id, {"access_token": "A1", "refresh_token": "R1"})
    session.commit()
    monkeypatch.setenv(
        "TOKEN_ENCRYPTION_KEYS", f"{new_key_spec('new')},{os.environ['TOKEN_ENCRYPTION_KEYS']}"
    )
    get_settings.cache_clear()
    cipher = cipher_from_settings(get_settings())
    assert not cipher.is_current(session.exec(select(OAuthToken)).one().access_token_enc)
    tokens = spotify_tokens.load_tokens(session, cipher, user.id)  # readable with the old key...
    assert (tokens.access_token, tokens.refresh_token) == ("A1", "R1")
    session.commit()
    session.expire_all()
    row = session.exec(select(OAuthToken)).one()
    assert cipher.is_current(row.access_token_enc) and cipher.is_current(
        row.refresh_token_enc
    )  # ...re-sealed
    assert spotify_tokens.load_tokens(session, cipher, user.id) == tokens
    get_settings.cache_clear()


async def test_token_refresh_cron_refreshes_active_users_and_flags_revoked_ones(
    client: httpx.AsyncClient, session: Session, auth_env: SimulatorServer, catalog: None, engine: Engine
) -> None:
    """The worker's token_refresh planner + executor (setlist_app.sync.token_refresh) end to end."""
    await sign_in(client)
    await connect_spotify(client)
    settings, cipher = get_settings(), cipher_from_settings(get_settings())
    user = session.exec(select(User)).one()
    old = spotify_tokens.load_tokens(session, cipher, user.id)
    user.last_seen_at = utcnow()
    session.exec(select(OAuthToken)).one().expires_at = utcnow() + timedelta(minutes=5)  # due soon
    session.commit()
    providers = build_providers(settings)
    ctx = SyncContext(settings=settings, engine=engine, providers=providers)

    async def run_cron() -> list[executors.RunOutcome]:
        spec = registry.registered_planners()[token_refresh.KIND]
        with ctx.session() as s:
            await spec.fn(planners.PlanContext(spec.name, s, utcnow(), spec.limit_per_run, ctx))
            s.commit()
            planned = s.exec(
                select(SyncJob.id).where(SyncJob.kind == token_refresh.KIND, SyncJob.status == "pending")
            ).all()
        return [await executors.run_job(job_id, ctx) for job_id in planned]

    try:
        [done] = await run_cron()
        assert done.status == "succeeded" and done.result == {"refreshed": True}
        session.expire_all()
        assert spotify_tokens.load_tokens(session, cipher, user.id).access_token != old.access_token
        assert await run_cron() == []  # fresh now: nothing planned

        httpx.post(f"{auth_env.url}/__spotify/revoke-refresh-tokens").raise_for_status()
        session.exec(select(OAuthToken)).one().expires_at = utcnow() - timedelta(minutes=1)
        session.commit()
        [revoked] = await run_cron()
        assert revoked.status == "succeeded" and revoked.result == {"reconnect_required": True}
        session.expire_all()
        assert spotify_import.spotify_status(session, cipher, user.id).needs_reconnect
    finally:
        await providers.aclose()
