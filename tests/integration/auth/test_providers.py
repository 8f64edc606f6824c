"""Several sign-in providers at once: a button (and a redirect URI) each, one account per person
across issuers when the email is verified, never through an unverified email."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import Session, select

from setlist_app.api.app import build_api
from setlist_app.models.users import Identity, User
from setlist_app.settings import get_settings
from tests.fixtures.simulator import SimulatorServer
from tests.integration.auth.conftest import APP, approve, query, sign_in


async def test_without_a_provider_the_browser_is_offered_each_button(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/login", params={"next": "/shows/x"})
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fshows%2Fx"
    unknown = await client.get("/auth/login", params={"provider": "nope", "next": "/"})
    assert unknown.headers["location"] == "/sign-in?next=%2F"


async def test_each_provider_signs_in_at_its_own_issuer(
    client: httpx.AsyncClient, auth_env: SimulatorServer
) -> None:
    for provider, path in (("demo", "/oidc"), ("demo-id", "/oidc-b")):
        response = await client.get("/auth/login", params={"provider": provider})
        assert response.headers["location"].startswith(f"{auth_env.url}{path}/authorize?")
        assert query(response.headers["location"])["redirect_uri"] == f"{APP}/auth/callback/{provider}"


async def test_the_same_verified_email_at_two_issuers_is_one_account(
    client: httpx.AsyncClient, session: Session, auth_env: SimulatorServer
) -> None:
    assert (await sign_in(client, "demo-sam", provider="demo")).status_code == 303
    client.cookies.clear()
    assert (await sign_in(client, "user_2sam", provider="demo-id")).status_code == 303
    user = session.exec(select(User)).one()
    assert user.email == "sam@setlist.test"
    issuers = {i.issuer: i.subject for i in session.exec(select(Identity).where(Identity.user_id == user.id))}
    assert issuers == {f"{auth_env.url}/oidc": "demo-sam", f"{auth_env.url}/oidc-b": "user_2sam"}


async def test_an_unverified_email_never_joins_an_account(
    client: httpx.AsyncClient, session: Session
) -> None:
    await sign_in(client, "demo-sam", provider="demo")
    client.cookies.clear()
    # The second issuer did not verify that this account owns sam@setlist.test.
    await sign_in(client, "user_2mallory", provider="demo-id")
    users = {u.name: u for u in session.exec(select(User)).all()}
    assert set(users) == {"Sam Fan", "Mallory Unverified"}
    assert users["Mallory Unverified"].email is None  # an unverified email is not even stored
    sam_identities = session.exec(select(Identity).where(Identity.user_id == users["Sam Fan"].id)).all()
    assert [i.subject for i in sam_identities] == ["demo-sam"]


@pytest.fixture
async def legacy_client(
    auth_env: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The app configured the single-issuer way (OIDC_ISSUER_URL ...), as before several providers."""
    monkeypatch.setenv("OIDC_ISSUER_URL", f"{auth_env.url}/oidc-b")
    monkeypatch.setenv("OIDC_CLIENT_ID", "setlist-dev")
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "setlist-dev-secret")
    get_settings.cache_clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api()), base_url=APP) as c:
        yield c
    get_settings.cache_clear()


async def test_the_single_issuer_settings_still_work(
    legacy_client: httpx.AsyncClient, session: Session, auth_env: SimulatorServer
) -> None:
    start = await legacy_client.get("/auth/login", params={"login_hint": "user_2jo"})
    assert start.status_code == 302  # one provider: no chooser
    assert start.headers["location"].startswith(f"{auth_env.url}/oidc-b/authorize?")
    callback = await approve(start.headers["location"])
    assert callback.startswith("/auth/callback?")  # the redirect URI operators registered before
    assert (await legacy_client.get(callback)).status_code == 303
    assert session.exec(select(User.name)).one() == "Jo Drummer"
