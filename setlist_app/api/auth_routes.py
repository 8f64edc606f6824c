"""/auth/*: OIDC sign-in (one or several providers), sign-out (here or everywhere), account
deletion, Spotify connect — and the admin token re-encryption route.

Reflex states read identity from the websocket handshake's cookies, so every change of identity
ends in a redirect (a full page load opens a new socket). The session cookie is signed, HttpOnly,
SameSite=Lax and set only here. The short-lived flow cookie (authlib's marker for the state stored
in Redis) is scoped to /auth by `SessionMiddleware`.
"""

from __future__ import annotations

import asyncio
import html
import logging
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.common.errors import AuthlibBaseError
from joserfc.errors import JoseError
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from setlist_app.api.guards import admin_only, same_origin, viewer_from_request
from setlist_app.api.security import is_https
from setlist_app.auth import sessions, spotify_tokens
from setlist_app.auth.accounts import OidcProfile, sign_in
from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, anon_id_from_cookies
from setlist_app.auth.crypto import EncryptionUnavailable, cipher_from_settings
from setlist_app.auth.oidc import (
    LEGACY_PROVIDER,
    OidcConfig,
    build_oauth,
    client_name,
    oidc_providers,
)
from setlist_app.auth.spotify_tokens import ReconnectRequired
from setlist_app.db import run_db
from setlist_app.providers.errors import ProviderError
from setlist_app.services import account as account_use_case
from setlist_app.services import spotify_import as spotify_use_case
from setlist_app.services.spotify_import import ImportThrottled
from setlist_app.settings import Settings, get_settings

log = logging.getLogger(__name__)
FLOW_COOKIE = "sl_oauth"
FLOW_ERRORS = (AuthlibBaseError, JoseError, httpx.HTTPError, KeyError, ValueError, TypeError)


def safe_next(value: str | None) -> str:
    """A local path to return to after sign-in; anything else (other sites, `//x`, `\\x`) is `/`."""
    if not value or len(value) > 500 or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    return value if all(c.isprintable() and c not in "\\\r\n" for c in value) else "/"


def _problem(status: int, title: str, detail: str) -> HTMLResponse:
    body = (
        f"<!doctype html><meta charset=utf-8><title>{html.escape(title)}</title>"
        '<body style="font-family:system-ui;max-width:32rem;margin:4rem auto;color:#ddd;background:#111">'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(detail)}</p><p><a href='/'>Back to Setlist</a></p>"
    )
    return HTMLResponse(body, status, headers={"cache-control": "no-store"})


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _redirect_uri(request: Request, path: str) -> str:
    base = _settings(request).auth_redirect_base_url.rstrip("/")
    return f"{base or f'{request.url.scheme}://{request.url.netloc}'}{path}"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, 303, headers={"cache-control": "no-store"})


def _provider(request: Request, provider_id: str | None) -> OidcConfig | None:
    providers: dict[str, OidcConfig] = request.app.state.providers
    if provider_id is None and len(providers) == 1:
        return next(iter(providers.values()))
    return providers.get(provider_id or "")


async def login(request: Request) -> Response:
    """Start signing in with `?provider=<id>`; without one (and several providers) the chooser page
    `/sign-in` offers a button per provider."""
    next_path = safe_next(request.query_params.get("next"))
    if viewer_from_request(request).is_signed_in:
        return _see_other(next_path)
    provider = _provider(request, request.query_params.get("provider"))
    if provider is None:
        return _see_other(f"/sign-in?{urlencode({'next': next_path})}")
    request.session["next"] = next_path
    hint = request.query_params.get("login_hint")
    extra: dict[str, Any] = {"login_hint": hint[:200]} if hint else {}
    try:
        client = request.app.state.oauth.create_client(client_name(provider.id))
        return await client.authorize_redirect(
            request, _redirect_uri(request, provider.callback_path), **extra
        )
    except (*FLOW_ERRORS, RuntimeError) as exc:
        log.error("sign-in unavailable: %r", exc)
        return _problem(503, "Sign-in is unavailable", "We can't reach the sign-in service. Try again soon.")


def _profile(claims: dict[str, Any]) -> OidcProfile:
    return OidcProfile(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=str(claims["email"]) if claims.get("email") else None,
        email_verified=claims.get("email_verified") in (True, "true"),
        name=str(claims.get("name") or claims.get("given_name") or "") or None,
        picture=str(claims["picture"]) if claims.get("picture") else None,
    )


async def callback(request: Request) -> Response:
    settings = _settings(request)
    provider = request.app.state.providers.get(request.path_params.get("provider", LEGACY_PROVIDER))
    try:
        if provider is None:
            raise KeyError("no such sign-in provider")
        client = request.app.state.oauth.create_client(client_name(provider.id))
        token = await client.authorize_access_token(request)
        claims = token.get("userinfo")
        if not claims:  # no (verified) ID token: never trust an access token alone
            raise ValueError("the issuer returned no ID token")
        profile = _profile(dict(claims))
    except FLOW_ERRORS as exc:
        log.warning("sign-in refused: %r", exc)
        return _problem(400, "Sign-in failed", "That sign-in link was invalid or expired. Please try again.")
    anon_id = anon_id_from_cookies(dict(request.cookies))
    user = await run_db(sign_in, profile, anon_id, settings)
    await asyncio.to_thread(sessions.destroy_session, request.cookies.get(SESSION_COOKIE))  # no fixation
    cookie = await asyncio.to_thread(sessions.create_session, user.id)
    response = _see_other(safe_next(request.session.pop("next", "/")))
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=settings.session_max_age_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request.scope, settings),
    )
    return response


def _signed_out(url: str) -> Response:
    response = _see_other(url)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    # A fresh anonymous id: the old one's votes now belong to the account.
    response.delete_cookie(ANON_COOKIE, path="/", httponly=True, samesite="lax")
    return response


async def logout(request: Request) -> Response:
    if not same_origin(request):
        return _problem(403, "Not allowed", "Sign out from the app itself.")
    await asyncio.to_thread(sessions.destroy_session, request.cookies.get(SESSION_COOKIE))
    return _signed_out("/")


async def logout_everywhere(request: Request) -> Response:
    """End every session of the signed-in user (other browsers and devices too)."""
    viewer = viewer_from_request(request)
    if not viewer.is_signed_in or not same_origin(request):
        return _problem(403, "Not allowed", "Sign in first.")
    await asyncio.to_thread(sessions.destroy_user_sessions, viewer.user_id)
    return _signed_out("/")


async def delete_account(request: Request) -> Response:
    """Delete the signed-in user's account (the page asked for confirmation), then sign them out
    everywhere."""
    viewer = viewer_from_request(request)
    if not viewer.is_signed_in or not same_origin(request):
        return _problem(403, "Not allowed", "Sign in first.")
    user_id: int = viewer.user_id
    try:
        await run_db(account_use_case.delete_account, user_id)
    except account_use_case.AccountDeletionRefused:
        return _see_other("/account?account=refused")
    try:
        await asyncio.to_thread(sessions.destroy_user_sessions, user_id)
    except RedisError:  # the user row is gone: their sessions resolve to nobody anyway
        log.warning("could not end the sessions of deleted user %s", user_id, exc_info=True)
    return _signed_out("/account?account=deleted")


async def spotify_connect_start(request: Request) -> Response:
    viewer = viewer_from_request(request)
    if not viewer.is_signed_in:
        return _see_other("/auth/login?next=/account")
    try:
        cipher_from_settings(_settings(request))
    except EncryptionUnavailable:
        return _see_other("/account?spotify=disabled")
    request.session["spotify_uid"] = viewer.user_id
    try:
        return await request.app.state.oauth.spotify.authorize_redirect(
            request, _redirect_uri(request, "/auth/spotify/callback")
        )
    except FLOW_ERRORS as exc:
        log.error("spotify connect unavailable: %r", exc)
        return _see_other("/account?spotify=failed")


async def spotify_callback(request: Request) -> Response:
    settings, viewer = _settings(request), viewer_from_request(request)
    if not viewer.is_signed_in or request.session.pop("spotify_uid", None) != viewer.user_id:
        return _problem(400, "Spotify connect failed", "Start connecting Spotify from your account page.")
    try:
        cipher = cipher_from_settings(settings)
        token = await request.app.state.oauth.spotify.authorize_access_token(request)
    except EncryptionUnavailable:
        return _see_other("/account?spotify=disabled")
    except FLOW_ERRORS as exc:
        log.warning("spotify connect refused: %r", exc)
        return _see_other("/account?spotify=failed")
    user_id: int = viewer.user_id
    await run_db(spotify_tokens.store_tokens, cipher, user_id, dict(token))
    outcome = await _import(settings, cipher, user_id, request.app.state.transport, throttle=False)
    return _see_other(f"/account?spotify={'connected' if outcome == 'imported' else outcome}")


async def _import(settings: Settings, cipher: Any, user_id: int, transport: Any, *, throttle: bool) -> str:
    try:
        await spotify_use_case.import_artists(
            settings, cipher, user_id, transport=transport, throttle=throttle
        )
    except ImportThrottled:
        return "throttled"
    except ReconnectRequired:
        return "reconnect"
    except (ProviderError, *FLOW_ERRORS) as exc:
        log.warning("spotify import failed for user %s: %r", user_id, exc)
        return "import_failed"
    return "imported"


async def spotify_import(request: Request) -> Response:
    viewer = viewer_from_request(request)
    if not viewer.is_signed_in or not same_origin(request):
        return _problem(403, "Not allowed", "Sign in first.")
    try:
        cipher = cipher_from_settings(_settings(request))
    except EncryptionUnavailable:
        return _see_other("/account?spotify=disabled")
    outcome = await _import(
        _settings(request), cipher, viewer.user_id, request.app.state.transport, throttle=True
    )
    return _see_other(f"/account?spotify={outcome}")


async def spotify_disconnect(request: Request) -> Response:
    viewer = viewer_from_request(request)
    if not viewer.is_signed_in or not same_origin(request):
        return _problem(403, "Not allowed", "Sign in first.")
    await run_db(spotify_use_case.disconnect, viewer.user_id)
    return _see_other("/account?spotify=disconnected")


@admin_only
async def reencrypt_tokens(request: Request) -> Response:
    """Re-seal OAuth tokens under the current key (after prepending a new key: rotation)."""
    try:
        cipher = cipher_from_settings(get_settings())
    except EncryptionUnavailable as exc:
        return JSONResponse({"error": str(exc)}, 409)
    return JSONResponse({"reencrypted": await run_db(spotify_tokens.reencrypt_all, cipher)})


def build_auth_app(
    settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """The /auth sub-application (its own flow-cookie session middleware and OAuth registry)."""
    settings = settings or get_settings()
    app = Starlette(
        routes=[
            Route("/login", login),
            Route("/callback", callback),
            Route("/callback/{provider}", callback),
            Route("/logout", logout, methods=["POST"]),
            Route("/logout-everywhere", logout_everywhere, methods=["POST"]),
            Route("/account/delete", delete_account, methods=["POST"]),
            Route("/spotify/connect", spotify_connect_start),
            Route("/spotify/callback", spotify_callback),
            Route("/spotify/import", spotify_import, methods=["POST"]),
            Route("/spotify/disconnect", spotify_disconnect, methods=["POST"]),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie=FLOW_COOKIE,
                max_age=settings.oauth_state_max_age_seconds,
                path="/auth",
                same_site="lax",
                https_only=settings.app_url.startswith("https://"),
            )
        ],
    )
    app.state.settings = settings
    app.state.oauth = build_oauth(settings, transport=transport)
    app.state.providers = {p.id: p for p in oidc_providers(settings)}
    app.state.transport = transport
    return app


def auth_routes(
    settings: Settings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> list[BaseRoute]:
    """Mounted by `setlist_app.api.app.api_routes`."""
    return [
        Mount("/auth", app=build_auth_app(settings, transport=transport)),
        Route("/api/admin/tokens/reencrypt", reencrypt_tokens, methods=["POST"]),
    ]
