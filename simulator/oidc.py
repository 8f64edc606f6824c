"""A local OpenID Connect issuer (mounted at /oidc) with a few demo users.

Endpoints: /.well-known/openid-configuration, /jwks, /authorize (a tiny HTML picker, or straight
back with a code when `login_hint` names a demo user), /token (authorization_code with PKCE; codes
are single-use), /userinfo. Control: POST /__next-token {"mode": ...} makes the next ID token
misbehave (expired, wrong_aud, wrong_iss, wrong_nonce, bad_signature) so tests can prove the app
refuses it. The signing key is generated per process; discovery and tokens use the request's host.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

#: Client credentials the simulator accepts. The app has its own copy for when no issuer is configured
#: (`setlist_app.auth.oidc.SIMULATOR_OIDC_CLIENT`); tests/unit/test_simulator_contract.py checks them.
OIDC_CLIENT_ID, OIDC_CLIENT_SECRET = "setlist-dev", "setlist-dev-secret"
MISBEHAVIOURS = ("expired", "wrong_aud", "wrong_iss", "wrong_nonce", "bad_signature")
CODE_TTL = 120


@dataclass(frozen=True)
class DemoUser:
    sub: str
    email: str
    name: str
    picture: str | None = None
    email_verified: bool = True


DEMO_USERS = [
    DemoUser("demo-ada", "ada@setlist.test", "Ada Admin"),
    DemoUser("demo-sam", "sam@setlist.test", "Sam Fan"),
    DemoUser("demo-riley", "riley@setlist.test", "Riley Rocker"),
    DemoUser("demo-unverified", "ada2@setlist.test", "Unverified Ada", email_verified=False),
]
#: The second issuer (mounted at /oidc-b, Clerk-style subjects): the same people under other
#: subjects, and one account whose email claim the issuer did not verify.
SECOND_ISSUER_USERS = [
    DemoUser("user_2sam", "sam@setlist.test", "Sam Fan"),
    DemoUser("user_2jo", "jo@setlist.test", "Jo Drummer"),
    DemoUser("user_2mallory", "sam@setlist.test", "Mallory Unverified", email_verified=False),
]


@dataclass
class _Grant:
    user: DemoUser
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    method: str
    scope: str
    expires: float


@dataclass
class IssuerState:
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "sim-1"}))
    rogue_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "sim-1"}))
    clients: dict[str, str] = field(default_factory=lambda: {OIDC_CLIENT_ID: OIDC_CLIENT_SECRET})
    users: dict[str, DemoUser] = field(default_factory=dict)
    codes: dict[str, _Grant] = field(default_factory=dict)
    access_tokens: dict[str, DemoUser] = field(default_factory=dict)
    next_mode: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _state(request: Request) -> IssuerState:
    return request.app.state.issuer


def _issuer(request: Request) -> str:
    # Behind a Mount the request's root_path carries "/oidc".
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"


def _error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status)


async def discovery(request: Request) -> Response:
    iss = _issuer(request)
    return JSONResponse(
        {
            "issuer": iss,
            "authorization_endpoint": f"{iss}/authorize",
            "token_endpoint": f"{iss}/token",
            "userinfo_endpoint": f"{iss}/userinfo",
            "jwks_uri": f"{iss}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "picture"],
        }
    )


async def jwks(request: Request) -> Response:
    return JSONResponse({"keys": [_state(request).key.as_dict(private=False)]})


def _redirect_with(redirect_uri: str, **params: str) -> RedirectResponse:
    sep = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{sep}{urlencode(params)}", status_code=302)


async def authorize(request: Request) -> Response:
    st, q = _state(request), request.query_params
    client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
    if client_id not in st.clients or not redirect_uri.startswith(("http://", "https://")):
        return HTMLResponse("<h1>Unknown client or redirect URI</h1>", 400)
    if q.get("response_type") != "code":
        return _redirect_with(redirect_uri, error="unsupported_response_type", state=q.get("state", ""))
    if q.get("code_challenge") and q.get("code_challenge_method", "plain") != "S256":
        return _redirect_with(redirect_uri, error="invalid_request", state=q.get("state", ""))
    chosen = st.users.get(q.get("user", "")) or next(
        (u for u in st.users.values() if q.get("login_hint") in (u.sub, u.email)), None
    )
    if chosen is None:
        return HTMLResponse(_picker(request, st))
    code = secrets.token_urlsafe(24)
    with st.lock:
        st.codes[code] = _Grant(
            chosen,
            client_id,
            redirect_uri,
            q.get("nonce"),
            q.get("code_challenge"),
            q.get("code_challenge_method", "S256"),
            q.get("scope", "openid"),
            time.time() + CODE_TTL,
        )
    return _redirect_with(redirect_uri, code=code, state=q.get("state", ""))


def _picker(request: Request, st: IssuerState) -> str:
    items = "".join(
        f'<li><a data-user="{html.escape(u.sub)}" href="{html.escape(str(request.url.include_query_params(user=u.sub)))}">'
        f"{html.escape(u.name)} &lt;{html.escape(u.email)}&gt;</a></li>"
        for u in st.users.values()
    )
    return (
        "<!doctype html><title>Simulator sign-in</title>"
        '<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto">'
        f"<h1>Sign in to the simulator</h1><p>Pick a demo user:</p><ul>{items}</ul></body>"
    )


def _client_auth(request: Request, form: dict[str, str]) -> str | None:
    header = request.headers.get("authorization", "")
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
    return client_id if client_id and _state(request).clients.get(client_id) == secret else None


def pkce_ok(challenge: str | None, verifier: str | None) -> bool:
    """S256 PKCE check (also used by the Spotify simulator)."""
    if challenge is None:
        return verifier is None
    if not verifier:
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return secrets.compare_digest(digest, challenge)


async def token(request: Request) -> Response:
    st = _state(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    client_id = _client_auth(request, form)
    if client_id is None:
        return _error("invalid_client", "Client authentication failed", 401)
    if form.get("grant_type") != "authorization_code":
        return _error("unsupported_grant_type", "Only authorization_code is supported")
    with st.lock:
        grant = st.codes.pop(form.get("code", ""), None)  # single use: a replayed code is gone
        mode, st.next_mode = st.next_mode, None
    if grant is None or grant.expires < time.time() or grant.client_id != client_id:
        return _error("invalid_grant", "Unknown, used or expired code")
    if grant.redirect_uri != form.get("redirect_uri"):
        return _error("invalid_grant", "redirect_uri does not match")
    if not pkce_ok(grant.challenge, form.get("code_verifier")):
        return _error("invalid_grant", "PKCE verification failed")
    access = secrets.token_urlsafe(32)
    with st.lock:
        st.access_tokens[access] = grant.user
    return JSONResponse(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": grant.scope,
            "id_token": _id_token(request, st, grant, access, mode),
        },
        headers={"Cache-Control": "no-store"},
    )


def _claims(user: DemoUser) -> dict[str, object]:
    claims: dict[str, object] = {"sub": user.sub, "email": user.email, "email_verified": user.email_verified}
    claims["name"] = user.name
    if user.picture:
        claims["picture"] = user.picture
    return claims


def _id_token(request: Request, st: IssuerState, grant: _Grant, access: str, mode: str | None) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": _issuer(request),
        "aud": grant.client_id,
        "iat": now,
        "exp": now + 600,
        "auth_time": now,
        **_claims(grant.user),
    }
    if grant.nonce:
        claims["nonce"] = grant.nonce
    # at_hash lets the client bind the access token to the ID token (OIDC core 3.1.3.6).
    digest = hashlib.sha256(access.encode()).digest()
    claims["at_hash"] = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    key = st.key
    if mode == "expired":
        claims.update(iat=now - 7200, exp=now - 3600)
    elif mode == "wrong_aud":
        claims["aud"] = "someone-else"
    elif mode == "wrong_iss":
        claims["iss"] = "https://evil.example"
    elif mode == "wrong_nonce":
        claims["nonce"] = "not-the-nonce-you-sent"
    elif mode == "bad_signature":
        key = st.rogue_key  # same kid, different key: the signature cannot verify
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


async def userinfo(request: Request) -> Response:
    header = request.headers.get("authorization", "")
    user = (
        _state(request).access_tokens.get(header[7:].strip())
        if header.lower().startswith("bearer ")
        else None
    )
    if user is None:
        return _error("invalid_token", "Missing or unknown access token", 401)
    return JSONResponse(_claims(user))


async def next_token(request: Request) -> Response:
    mode = (await request.json()).get("mode")
    if mode not in (*MISBEHAVIOURS, None):
        return _error("invalid_request", f"mode must be one of {MISBEHAVIOURS}")
    _state(request).next_mode = mode
    return JSONResponse({"ok": True, "mode": mode})


routes = [
    Route("/.well-known/openid-configuration", discovery),
    Route("/jwks", jwks),
    Route("/authorize", authorize),
    Route("/token", token, methods=["POST"]),
    Route("/userinfo", userinfo, methods=["GET", "POST"]),
    Route("/__next-token", next_token, methods=["POST"]),
]


def create_oidc_app(users: list[DemoUser] = DEMO_USERS) -> Starlette:
    """One issuer as its own Starlette app (state: signing key, demo users, codes, tokens)."""
    app = Starlette(routes=routes)
    app.state.issuer = IssuerState(users={u.sub: u for u in users})
    return app
