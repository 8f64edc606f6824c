"""Cookie tampering is detected; security headers are on every response; admin routes are guarded."""

from __future__ import annotations

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer

from setlist_app.api.app import api_routes
from setlist_app.auth import sessions
from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, sign
from setlist_app.auth.viewer import viewer_from_cookie_header
from tests.integration.auth.conftest import sign_in


def _tamper(value: str) -> str:
    i = len(value) // 2
    return value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]


async def test_tampered_session_cookie_is_anonymous(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    good = client.cookies[SESSION_COOKIE]
    assert viewer_from_cookie_header(f"{SESSION_COOKIE}={good}").is_signed_in
    sessions.clear_cache()
    assert not viewer_from_cookie_header(f"{SESSION_COOKIE}={_tamper(good)}").is_signed_in
    assert not viewer_from_cookie_header(f"{SESSION_COOKIE}={good}x").is_signed_in
    # A valid signature for another purpose (an anonymous id) is not a session.
    assert not viewer_from_cookie_header(f"{SESSION_COOKIE}={sign('x', 'anon')}").is_signed_in
    # Signed with another secret.
    forged = URLSafeTimedSerializer("not-our-secret-key", salt="setlist.session").dumps("x")
    assert not viewer_from_cookie_header(f"{SESSION_COOKIE}={forged}").is_signed_in


async def test_tampered_anonymous_cookie_is_detected(client: httpx.AsyncClient) -> None:
    good = sign("visitor-1", "anon")
    assert viewer_from_cookie_header(f"{ANON_COOKIE}={good}").anon_id == "visitor-1"
    bad = viewer_from_cookie_header(f"{ANON_COOKIE}={_tamper(good)}")
    assert bad.anon_id is None and bad.voter_key is None  # cannot vote
    swapped = viewer_from_cookie_header(f"{ANON_COOKIE}={sign('visitor-1', 'session')}")
    assert swapped.anon_id is None
    # The middleware replaces a forged anonymous id with a fresh signed one.
    response = await client.get("/auth/login", cookies={ANON_COOKIE: _tamper(good)})
    fresh = [h for h in response.headers.get_list("set-cookie") if h.startswith(ANON_COOKIE)]
    assert fresh and "HttpOnly" in fresh[0]


@pytest.mark.parametrize("path", ["/auth/login", "/auth/does-not-exist", "/anything"])
async def test_security_headers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "default-src 'self'" in csp
    assert "connect-src 'self' ws://testserver wss://testserver" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"


async def test_hostile_host_header_cannot_inject_csp(client: httpx.AsyncClient) -> None:
    response = await client.get("/anything", headers={"host": "x; script-src *"})
    assert "script-src *" not in response.headers["content-security-policy"]


def _admin_routes() -> list[tuple[str, str]]:
    found = []
    for route in api_routes():
        path = getattr(route, "path", "")
        if path.startswith(("/api/admin", "/admin")):
            assert getattr(route.endpoint, "__admin_only__", False), f"{path} is not guarded by admin_only"
            found += [(m, path) for m in sorted(route.methods or ["GET"]) if m != "HEAD"]
    return found


async def test_every_admin_route_rejects_anonymous_and_non_admin_callers(client: httpx.AsyncClient) -> None:
    routes = _admin_routes()
    assert routes, "expected at least one admin route"
    for method, path in routes:
        assert (await client.request(method, path)).status_code == 401, path
    await sign_in(client, "sam@setlist.test")
    for method, path in routes:
        assert (
            await client.request(method, path, headers={"origin": "http://testserver"})
        ).status_code == 403
    client.cookies.clear()
    await sign_in(client, "ada@setlist.test")
    for method, path in routes:
        cross = await client.request(method, path, headers={"origin": "https://evil.example"})
        assert cross.status_code == 403, f"cross-site {method} {path} by an admin must be refused"
        ok = await client.request(method, path, headers={"origin": "http://testserver"})
        assert ok.status_code == 200, (path, ok.text)
