"""Behind a reverse proxy (issue 19): the client's address and scheme come from X-Forwarded-For and
X-Forwarded-Proto only when the peer is one of TRUSTED_PROXIES; HSTS and `Secure` on every cookie
follow the effective scheme or an https APP_URL. The ASGI test client connects from 127.0.0.1."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

import setlist_app.setlist_app  # noqa: F401  (registers every page and state)
from setlist_app.api.app import build_api
from setlist_app.api.auth_routes import FLOW_COOKIE
from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE
from setlist_app.models.base import utcnow
from setlist_app.models.ops import AdminAuditLog
from setlist_app.models.users import User
from setlist_app.observability.logging import configure_logging
from setlist_app.services.admin import audit, views
from setlist_app.settings import get_settings
from setlist_app.state.admin.users import AdminUsersState
from tests.fixtures.simulator import SimulatorServer
from tests.integration.auth.conftest import APP, sign_in
from tests.integration.auth.helpers import root_state, run_handler, substate

FORWARDED = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9, 127.0.0.1"}
HSTS = "strict-transport-security"


@pytest.fixture
def app_client(auth_env: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """`async with app_client(TRUSTED_PROXIES=..., APP_URL=...) as client`: the HTTP layer with those settings."""

    @asynccontextmanager
    async def make(**env: str) -> AsyncIterator[httpx.AsyncClient]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api()), base_url=APP) as client:
            yield client

    return make


def _cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


async def test_forwarded_headers_from_an_untrusted_peer_are_ignored(app_client: Callable[..., Any]) -> None:
    async with app_client() as client:  # TRUSTED_PROXIES empty: the default
        response = await client.get("/auth/login?provider=demo", headers=FORWARDED)
    assert HSTS not in response.headers
    assert _cookies(response) and not any("secure" in c.lower() for c in _cookies(response))


async def test_a_trusted_proxy_sets_scheme_hsts_and_secure_on_every_cookie(
    app_client: Callable[..., Any],
) -> None:
    async with app_client(TRUSTED_PROXIES="10.0.0.0/8,127.0.0.1") as client:
        response = await client.get(
            "/auth/login?provider=demo", headers=FORWARDED
        )  # anonymous id + sign-in flow cookies
        plain = await client.get("/auth/login?provider=demo", headers={"x-forwarded-proto": "http"})
    assert response.headers[HSTS].startswith("max-age=")
    assert {c.split("=", 1)[0] for c in _cookies(response)} == {ANON_COOKIE, FLOW_COOKIE}
    assert all("; Secure" in c for c in _cookies(response)), _cookies(response)
    assert HSTS not in plain.headers


async def test_an_https_app_url_marks_every_cookie_secure(app_client: Callable[..., Any]) -> None:
    async with app_client(APP_URL="https://setlist.example.com") as client:
        response = await client.get("/anything")
    anon = [c for c in _cookies(response) if c.startswith(f"{ANON_COOKIE}=")]
    assert anon and "; Secure" in anon[0]
    assert HSTS in response.headers


async def test_log_lines_carry_the_forwarded_client_address(app_client: Callable[..., Any]) -> None:
    stream = io.StringIO()
    configure_logging(get_settings().model_copy(update={"log_format": "json"}), stream=stream)
    try:
        async with app_client(TRUSTED_PROXIES="127.0.0.1") as client:
            await client.post("/api/admin/tokens/reencrypt", headers=FORWARDED)  # refused, and logged
            await client.post("/api/admin/tokens/reencrypt", headers={"x-forwarded-for": "198.51.100.4"})
    finally:
        configure_logging(get_settings(), stream=sys.stderr)
    refusals = [json.loads(line) for line in stream.getvalue().splitlines() if "refused for" in line]
    assert [r.get("client") for r in refusals] == ["203.0.113.9", "198.51.100.4"], refusals


async def test_audit_entries_keep_the_admin_client_address(
    client: httpx.AsyncClient, session: Session
) -> None:
    """An admin action records where it came from: the websocket's client address (the visitor's
    own behind a trusted proxy, as the nginx test shows for the per-IP limits)."""
    await sign_in(client, "sam@setlist.test")
    client.cookies.clear()
    await sign_in(client, "ada@setlist.test")
    admin = f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"
    sam = session.exec(select(User.id).where(User.email == "sam@setlist.test")).one()
    state = substate(root_state(admin, client_ip="203.0.113.9"), AdminUsersState)
    await run_handler(AdminUsersState.set_role.fn, state, user_id=str(sam), role="banned")
    entry = session.exec(select(AdminAuditLog).where(AdminAuditLog.action == "user.ban")).one()
    assert entry.client_ip == "203.0.113.9" and entry.result == "ok: banned"
    [shown] = audit.list_entries(session, action="user.ban").items  # and the audit page shows it
    assert views.audit(shown, utcnow()).client_ip == "203.0.113.9"
