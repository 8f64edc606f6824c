"""Reflex states: every admin handler refuses non-admins; serialized state leaks no secrets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from reflex.utils import format
from sqlmodel import Session, select

import setlist_app.setlist_app  # noqa: F401  (registers every page and state)
from setlist_app.auth import sessions
from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, sign
from setlist_app.auth.crypto import cipher_from_settings
from setlist_app.auth.spotify_tokens import load_tokens
from setlist_app.models.users import User
from setlist_app.settings import get_settings
from setlist_app.state.account import AccountState, SessionState
from setlist_app.state.admin.users import AdminUsersState
from setlist_app.state.admin_base import GUARD_MARK, AdminState
from tests.integration.auth.conftest import connect_spotify, sign_in
from tests.integration.auth.helpers import root_state, run_handler


def _all_subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _public(state: Any) -> dict[str, Any]:
    data = state.dict()
    for values in data.values():
        values.pop("admin_checked_rx_state_", None)
        values.pop("admin_allowed_rx_state_", None)
    return data


async def test_every_admin_handler_refuses_anonymous_and_non_admin(client: httpx.AsyncClient) -> None:
    await sign_in(client, "sam@setlist.test")
    member = f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}; {ANON_COOKIE}={sign('a1', 'anon')}"
    states = [AdminState, *_all_subclasses(AdminState)]
    checked = 0
    for cookie in ("", f"{ANON_COOKIE}={sign('a1', 'anon')}", member):
        for cls in states:
            for name, handler in cls.event_handlers.items():
                if name == "setvar":
                    continue  # checked below: there are no setters to call
                assert getattr(handler.fn, GUARD_MARK, False), f"{cls.__name__}.{name} is not guarded"
                state = root_state(cookie).get_substate(cls.get_full_name().split("."))
                before = _public(state)
                events = await run_handler(handler.fn, state)
                assert state.admin_checked and not state.admin_allowed, f"{cls.__name__}.{name}"
                assert len(events) == 1 and "Admins only" in str(events[0]), f"{cls.__name__}.{name}"
                assert _public(state) == before, f"{cls.__name__}.{name} changed state for a non-admin"
                checked += 1
    assert checked >= 3 * 2  # AdminState.check_access and AdminUsersState.load, at least
    # setvar cannot set admin vars: no setters exist (auto setters are off).
    state = root_state(member).get_substate(AdminUsersState.get_full_name().split("."))
    with pytest.raises(AttributeError):
        AdminUsersState.event_handlers["setvar"].fn(state, "admin_allowed", True)
    assert not state.admin_allowed


async def test_admin_handlers_run_for_an_admin(client: httpx.AsyncClient) -> None:
    await sign_in(client, "ada@setlist.test")
    state = root_state(f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}").get_substate(
        AdminUsersState.get_full_name().split(".")
    )
    await run_handler(AdminUsersState.event_handlers["load"].fn, state)
    assert state.admin_allowed and state.total == 1 and state.rows[0].role == "admin"


async def _serialized(cookie: str, admin: bool) -> str:
    root = root_state(cookie)
    sessions.clear_cache()
    for cls, handler in [(SessionState, "refresh"), (AccountState, "load")] + (
        [(AdminUsersState, "load")] if admin else []
    ):
        state = root.get_substate(cls.get_full_name().split("."))
        await run_handler(cls.event_handlers[handler].fn, state)
    return format.json_dumps(root.dict())  # Reflex's own serializer: what the browser receives


async def _cookie_for(client: httpx.AsyncClient, hint: str) -> str:
    await sign_in(client, hint)
    value = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    return value


async def test_serialized_client_state_holds_no_secrets(
    client: httpx.AsyncClient,
    session: Session,
    catalog: None,
) -> None:
    # Other users exist whose emails must never reach this browser.
    for hint in ("riley@setlist.test", "ada@setlist.test"):
        await sign_in(client, hint)
        client.cookies.clear()
    admin_cookie = await _cookie_for(client, "ada@setlist.test")
    await sign_in(client, "sam@setlist.test")
    await connect_spotify(client)
    sam = session.exec(select(User).where(User.email == "sam@setlist.test")).one()
    tokens = load_tokens(session, cipher_from_settings(get_settings()), sam.id)
    cookie_value = client.cookies[SESSION_COOKIE]
    session_id = sessions.session_id_from_cookies({SESSION_COOKIE: cookie_value})
    forbidden = [
        tokens.access_token,
        tokens.refresh_token,
        get_settings().secret_key,
        cookie_value,
        session_id,
        "riley@setlist.test",
        admin_cookie,
        "sim-spotify-secret",
        "setlist-dev-secret",
    ]
    user_state = await _serialized(f"{SESSION_COOKIE}={cookie_value}", admin=False)
    assert "sam@setlist.test" in user_state and "Coldplay" in user_state  # their own profile and artists
    await sign_in(
        other := httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)),
        "ada@setlist.test",
    )
    admin_state = await _serialized(f"{SESSION_COOKIE}={other.cookies[SESSION_COOKIE]}", admin=True)
    assert '"admin_allowed_rx_state_": true' in admin_state
    for text in (user_state, admin_state):
        for secret in forbidden:
            assert secret and secret not in text, f"{secret[:12]}... leaked into client state"
    assert "sam@setlist.test" not in admin_state  # no other user's email in the admin's browser either
