"""Every forged or replayed sign-in is refused, and refusal changes nothing (no user, no session)."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import Session, select

from setlist_app.models.users import User
from tests.fixtures.simulator import SimulatorServer
from tests.integration.auth.conftest import CALLBACK, approve, query, session_cookie, start_login


def _refused(response: httpx.Response, session: Session) -> None:
    assert response.status_code == 400, response.text
    assert "Sign-in failed" in response.text
    assert session_cookie(response) is None
    assert session.exec(select(User)).all() == []


async def test_bad_state_is_refused(client: httpx.AsyncClient, session: Session) -> None:
    callback = await approve(await start_login(client))
    code = query(callback)["code"]
    _refused(await client.get(CALLBACK, params={"code": code, "state": "forged"}), session)


async def test_callback_without_the_starting_browser_is_refused(
    client: httpx.AsyncClient, session: Session
) -> None:
    callback = await approve(await start_login(client))
    client.cookies.clear()  # another browser (login CSRF): no flow cookie
    _refused(await client.get(callback), session)


async def test_replayed_callback_is_refused(client: httpx.AsyncClient, session: Session) -> None:
    callback = await approve(await start_login(client))
    flow_cookies = dict(client.cookies)
    assert (await client.get(callback)).status_code == 303
    session.exec(select(User)).one()  # signed in once
    client.cookies.clear()
    client.cookies.update(flow_cookies)  # the same cookies, the same URL: the state is consumed
    response = await client.get(callback)
    assert response.status_code == 400 and session_cookie(response) is None


async def test_replayed_code_is_refused(client: httpx.AsyncClient, session: Session) -> None:
    first = await approve(await start_login(client))
    old_code = query(first)["code"]
    assert (await client.get(first)).status_code == 303
    client.cookies.clear()
    session.exec(select(User)).one()
    # A fresh, valid state with the already used code: the issuer refuses it.
    fresh = await approve(await start_login(client))
    response = await client.get(CALLBACK, params={"code": old_code, "state": query(fresh)["state"]})
    assert response.status_code == 400 and session_cookie(response) is None


@pytest.mark.parametrize("mode", ["wrong_nonce", "expired", "wrong_aud", "wrong_iss", "bad_signature"])
async def test_bad_id_tokens_are_refused(
    mode: str, client: httpx.AsyncClient, session: Session, auth_env: SimulatorServer
) -> None:
    callback = await approve(await start_login(client))
    httpx.post(f"{auth_env.url}/oidc/__next-token", json={"mode": mode}).raise_for_status()
    _refused(await client.get(callback), session)


async def test_issuer_errors_are_refused(client: httpx.AsyncClient, session: Session) -> None:
    authorize = await start_login(client)
    state = query(authorize)["state"]
    _refused(await client.get(CALLBACK, params={"error": "access_denied", "state": state}), session)


async def test_a_callback_completes_only_its_own_providers_flow(
    client: httpx.AsyncClient, session: Session
) -> None:
    """The mix-up defence: each provider has its own redirect URI and flow state, so a code and
    state from the second issuer, delivered to the first issuer's callback, are refused."""
    callback = await approve(await start_login(client, provider="demo-id", hint="user_2sam"))
    assert callback.startswith("/auth/callback/demo-id?")
    _refused(await client.get(callback.replace("/demo-id?", "/demo?")), session)
