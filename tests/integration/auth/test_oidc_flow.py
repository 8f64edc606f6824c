"""OIDC sign-in end to end at the HTTP layer: the app's routes against the simulator's issuer."""

from __future__ import annotations

import httpx
from sqlmodel import Session, select

from setlist_app.auth.cookies import SESSION_COOKIE, parse_cookie_header
from setlist_app.auth.viewer import viewer_from_cookie_header
from setlist_app.models.users import Identity, User
from tests.integration.auth.conftest import approve, session_cookie, sign_in, start_login


def _viewer(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    return viewer_from_cookie_header("; ".join(f"{k}={v}" for k, v in client.cookies.items()))


async def test_sign_in_creates_the_user_and_a_session(client: httpx.AsyncClient, session: Session) -> None:
    response = await sign_in(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in header and "SameSite=lax" in header and "Path=/" in header
    user = session.exec(select(User)).one()
    assert (user.email, user.name, user.role) == ("sam@setlist.test", "Sam Fan", "user")
    identity = session.exec(select(Identity)).one()
    assert identity.user_id == user.id and identity.subject == "demo-sam"
    viewer = _viewer(client)
    assert viewer.user_id == user.id and viewer.role == "user" and viewer.name == "Sam Fan"


async def test_second_sign_in_reuses_the_account(client: httpx.AsyncClient, session: Session) -> None:
    await sign_in(client)
    client.cookies.clear()
    await sign_in(client)
    assert len(session.exec(select(User)).all()) == 1


async def test_admin_bootstrap_needs_a_verified_email(client: httpx.AsyncClient, session: Session) -> None:
    await sign_in(client, "ada@setlist.test")
    assert _viewer(client).is_admin
    client.cookies.clear()
    await sign_in(client, "ada2@setlist.test")  # on the list, but the issuer did not verify it
    roles = {u.name: (u.role, u.email) for u in session.exec(select(User)).all()}
    assert roles["Ada Admin"] == ("admin", "ada@setlist.test")
    assert roles["Unverified Ada"] == ("user", None)  # an unverified email is not even stored


async def test_next_is_kept_but_never_leaves_the_site(client: httpx.AsyncClient) -> None:
    callback = await approve(await start_login(client, next_path="/shows/x?y=1"))
    assert (await client.get(callback)).headers["location"] == "/shows/x?y=1"
    client.cookies.clear()
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        callback = await approve(await start_login(client, next_path=hostile))
        assert (await client.get(callback)).headers["location"] == "/"
        client.cookies.clear()


async def test_sign_out_ends_the_session_server_side(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    stolen = client.cookies[SESSION_COOKIE]
    cross = await client.post("/auth/logout", headers={"origin": "https://evil.example"})
    assert cross.status_code == 403 and _viewer(client).is_signed_in
    response = await client.post("/auth/logout", headers={"origin": "http://testserver"})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert session_cookie(response) is None  # deleted
    from setlist_app.auth import sessions

    sessions.clear_cache()
    # Even a copy of the old cookie no longer signs anyone in.
    assert viewer_from_cookie_header(f"{SESSION_COOKIE}={stolen}").user_id is None
    assert parse_cookie_header(f"{SESSION_COOKIE}={stolen}")[SESSION_COOKIE] == stolen
