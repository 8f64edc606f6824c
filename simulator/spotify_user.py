"""Fake Spotify user authorization and user endpoints (the "connect Spotify" feature).

/spotify-accounts/authorize: a tiny HTML picker of demo Spotify users (or `login_hint`), then back
with a code. /spotify-accounts/api/token: authorization_code (PKCE, single-use codes) and
refresh_token grants; client_credentials falls through to `simulator.spotify.token`.
/spotify/v1/me, /me/following?type=artist (cursor paging, limit <= 50), /me/top/artists (offset
paging, limit <= 50) need a user token with the right scope.
Control: POST /__spotify/revoke-refresh-tokens (the 6-month expiry: refresh answers invalid_grant),
POST /__spotify/expire-user-tokens (access tokens expire now).
"""

from __future__ import annotations

import base64
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulator import spotify
from simulator.catalog import Artist, derived_id
from simulator.common import base_url, catalog, int_param
from simulator.oidc import pkce_ok

SCOPES = {"user-top-read", "user-follow-read"}


@dataclass(frozen=True)
class SpotifyUser:
    id: str
    display_name: str
    followed: tuple[int, ...]  # indexes into the catalog's artists (negative: artists we invent)
    top: tuple[int, ...]


DEMO_SPOTIFY_USERS = [
    SpotifyUser("sim-listener-1", "Sam on Spotify", followed=(0, 1, 2, -1), top=(2, 3, 0)),
    SpotifyUser("sim-listener-2", "Riley on Spotify", followed=(4, 5), top=(5, -2)),
]


@dataclass
class _Code:
    user: SpotifyUser
    client_id: str
    redirect_uri: str
    challenge: str | None
    scope: str
    expires: float


@dataclass
class UserTokens:
    codes: dict[str, _Code] = field(default_factory=dict)
    access: dict[str, tuple[SpotifyUser, str, float]] = field(default_factory=dict)  # -> user, scope, exp
    refresh: dict[str, tuple[SpotifyUser, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, user: SpotifyUser, scope: str, ttl: int) -> dict[str, object]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.lock:
            self.access[access] = (user, scope, time.time() + ttl)
            self.refresh[refresh] = (user, scope)
        body: dict[str, object] = {"access_token": access, "token_type": "Bearer", "scope": scope}
        return body | {"expires_in": ttl, "refresh_token": refresh}


def _tokens(request: Request) -> UserTokens:
    state = request.app.state
    if getattr(state, "spotify_users", None) is None:  # lazily: no edit to create_app needed
        state.spotify_users = UserTokens()
    return state.spotify_users


def _redirect(uri: str, **params: str) -> RedirectResponse:
    return RedirectResponse(f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}", status_code=302)


async def authorize(request: Request) -> Response:
    q, accounts = request.query_params, request.app.state.spotify_accounts
    redirect_uri = q.get("redirect_uri", "")
    if q.get("client_id") != accounts.client_id or not redirect_uri.startswith(("http://", "https://")):
        return HTMLResponse("<h1>INVALID_CLIENT: Invalid client or redirect URI</h1>", 400)
    if "localhost" in redirect_uri:  # 2026: loopback redirects must use 127.0.0.1
        return HTMLResponse("<h1>INVALID_CLIENT: Insecure redirect URI</h1>", 400)
    if q.get("response_type") != "code" or (
        q.get("code_challenge") and q.get("code_challenge_method") != "S256"
    ):
        return _redirect(redirect_uri, error="invalid_request", state=q.get("state", ""))
    wanted = q.get("user") or q.get("login_hint")
    user = next((u for u in DEMO_SPOTIFY_USERS if u.id == wanted), None)
    if user is None:
        items = "".join(
            f'<li><a data-user="{u.id}" href="{html.escape(str(request.url.include_query_params(user=u.id)))}">'
            f"{html.escape(u.display_name)}</a></li>"
            for u in DEMO_SPOTIFY_USERS
        )
        return HTMLResponse(
            "<!doctype html><title>Simulated Spotify</title><body style='font-family:sans-serif'>"
            f"<h1>Connect to (simulated) Spotify</h1><p>Scopes: {html.escape(q.get('scope', ''))}</p>"
            f"<ul>{items}</ul></body>"
        )
    code = secrets.token_urlsafe(24)
    tokens = _tokens(request)
    with tokens.lock:
        tokens.codes[code] = _Code(
            user,
            accounts.client_id,
            redirect_uri,
            q.get("code_challenge"),
            q.get("scope", ""),
            time.time() + 120,
        )
    return _redirect(redirect_uri, code=code, state=q.get("state", ""))


def _client_id(request: Request, form: dict[str, str]) -> str | None:
    """Client id from Basic auth or the form; a confidential client must send the right secret."""
    accounts = request.app.state.spotify_accounts
    header = request.headers.get("authorization", "")
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
    if client_id != accounts.client_id or (secret is not None and secret != accounts.client_secret):
        return None
    return client_id


def _grant_error(description: str) -> JSONResponse:
    return JSONResponse({"error": "invalid_grant", "error_description": description}, 400)


async def token(request: Request) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    grant = form.get("grant_type")
    if grant not in ("authorization_code", "refresh_token"):
        return await spotify.token(request)  # client credentials (the catalog client)
    if _client_id(request, form) is None:
        return JSONResponse({"error": "invalid_client", "error_description": "Invalid client"}, 400)
    tokens, ttl = _tokens(request), request.app.state.spotify_accounts.ttl
    if grant == "refresh_token":
        with tokens.lock:
            found = tokens.refresh.get(form.get("refresh_token", ""))
        if found is None:
            return _grant_error("Refresh token revoked")
        body = tokens.issue(found[0], found[1], ttl)
        del body["refresh_token"]  # Spotify usually keeps the old refresh token valid
        return JSONResponse(body)
    with tokens.lock:
        code = tokens.codes.pop(form.get("code", ""), None)
    if code is None or code.expires < time.time():
        return _grant_error("Invalid authorization code")
    if code.redirect_uri != form.get("redirect_uri"):
        return _grant_error("Invalid redirect URI")
    if not pkce_ok(code.challenge, form.get("code_verifier")):
        return _grant_error("code_verifier was incorrect")
    return JSONResponse(tokens.issue(code.user, code.scope, ttl))


def _user(request: Request, scope: str | None = None) -> SpotifyUser | JSONResponse:
    header = request.headers.get("authorization", "")
    found = _tokens(request).access.get(header[7:].strip()) if header.lower().startswith("bearer ") else None
    if found is None:
        return spotify._error(401, "Invalid access token")
    user, scopes, expires = found
    if expires < time.time():
        return spotify._error(401, "The access token expired")
    if scope and scope not in scopes.split():
        return spotify._error(403, "Insufficient client scope")
    return user


def _artists(request: Request, indexes: tuple[int, ...]) -> list[dict[str, object]]:
    artists = catalog(request).artists
    out = []
    for i in indexes:
        if i >= 0 and i < len(artists):
            out.append(spotify._artist_json(request, artists[i]))
        elif i < 0:  # an artist the app has never seen: the import must create it
            name = f"Simulated Newcomer {-i}"
            sid = derived_id("newcomer", str(i))
            out.append(
                spotify._artist_json(
                    request, Artist(name.lower().replace(" ", "-"), name, sid, "", "", ["indie"], [], {})
                )
            )
    return out


async def me(request: Request) -> Response:
    user = _user(request)
    if isinstance(user, JSONResponse):
        return user
    return JSONResponse(
        {
            "id": user.id,
            "display_name": user.display_name,
            "type": "user",
            "uri": f"spotify:user:{user.id}",
            "href": f"{base_url(request)}/spotify/v1/users/{user.id}",
            "images": [],
        }
    )


async def following(request: Request) -> Response:
    user = _user(request, "user-follow-read")
    if isinstance(user, JSONResponse):
        return user
    if request.query_params.get("type") != "artist":
        return spotify._error(400, "Only type=artist is supported")
    limit = int_param(request, "limit", 20)
    if limit is None or not 0 < limit <= 50:
        return spotify._error(400, "Invalid limit")
    items = sorted(_artists(request, user.followed), key=lambda a: str(a["id"]))
    after = request.query_params.get("after")
    if after:
        items = [a for a in items if str(a["id"]) > after]
    page, more = items[:limit], len(items) > limit
    nxt = str(request.url.include_query_params(after=page[-1]["id"])) if more else None
    return JSONResponse(
        {
            "artists": {
                "items": page,
                "next": nxt,
                "cursors": {"after": page[-1]["id"] if more else None},
                "limit": limit,
                "total": len(user.followed),
                "href": str(request.url),
            }
        }
    )


async def top_artists(request: Request) -> Response:
    user = _user(request, "user-top-read")
    if isinstance(user, JSONResponse):
        return user
    paging = spotify._limits(request, 50)
    if isinstance(paging, JSONResponse):
        return paging
    limit, offset = paging
    items = _artists(request, user.top)
    return JSONResponse(spotify._paging(request, items[offset : offset + limit], len(items), offset, limit))


async def revoke_refresh_tokens(request: Request) -> Response:
    tokens = _tokens(request)
    with tokens.lock:
        tokens.refresh.clear()
    return JSONResponse({"ok": True})


async def expire_user_tokens(request: Request) -> Response:
    tokens = _tokens(request)
    with tokens.lock:
        tokens.access = {k: (u, s, 0.0) for k, (u, s, _) in tokens.access.items()}
    return JSONResponse({"ok": True})


accounts_routes = [Route("/authorize", authorize), Route("/api/token", token, methods=["POST"])]
me_routes = [
    Route("/me", me),
    Route("/me/following", following),
    Route("/me/top/artists", top_artists),
]
control_routes = [
    Route("/__spotify/revoke-refresh-tokens", revoke_refresh_tokens, methods=["POST"]),
    Route("/__spotify/expire-user-tokens", expire_user_tokens, methods=["POST"]),
]
