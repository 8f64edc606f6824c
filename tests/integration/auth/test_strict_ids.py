"""Ids from the browser are integers within range or are refused with a clear message (issue 19:
`211.9` acted on row 211, `" 212 "` on row 212, `Infinity` raised an unhandled OverflowError).
Every admin handler that takes an id, the fan handlers that do, and the URL id of a profile."""

from __future__ import annotations

import inspect
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

import setlist_app.setlist_app  # noqa: F401  (registers every page and state)
from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, sign
from setlist_app.domain.ids import MAX_ID
from setlist_app.models.users import User
from setlist_app.services.admin import jobs as admin_jobs
from setlist_app.services.admin.jobs import JobFilters
from setlist_app.state.admin.page import BAD_ID
from setlist_app.state.admin.users import AdminUsersState
from setlist_app.state.admin_base import AdminState
from setlist_app.state.catalog import ArtistState
from setlist_app.state.profile import ProfileState
from setlist_app.state.report import ReportState
from setlist_app.state.show import ShowState
from tests.integration.auth.conftest import sign_in
from tests.integration.auth.helpers import root_state, run_handler, substate


def _hostile(real_id: int) -> list[Any]:
    return [f" {real_id} ", f"{real_id}.0", real_id + 0.9, float("inf"), True, f"+{real_id}", MAX_ID + 1]


async def _cookie(client: httpx.AsyncClient, hint: str) -> str:
    await sign_in(client, hint)
    cookie = f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}; {ANON_COOKIE}={sign('a1', 'anon')}"
    client.cookies.clear()
    return cookie


def _user_id(session: Session, email: str) -> int:
    return session.exec(select(User.id).where(User.email == email)).one() or 0


def _admin_id_handlers() -> list[tuple[type, str, str]]:
    found = []
    stack: list[type] = [AdminState]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        for name, handler in cls.event_handlers.items():
            for param in list(inspect.signature(handler.fn).parameters)[1:]:
                if param.endswith("_id"):
                    found.append((cls, name, param))
    return found


async def test_admin_handlers_refuse_anything_but_an_id(client: httpx.AsyncClient, session: Session) -> None:
    admin = await _cookie(client, "ada@setlist.test")
    await sign_in(client, "sam@setlist.test")
    client.cookies.clear()
    sam = _user_id(session, "sam@setlist.test")
    handlers = _admin_id_handlers()
    assert len(handlers) >= 7  # users x2, jobs x2 (+select), providers, moderation x2, artists
    for cls, name, param in handlers:
        if name == "select":
            continue  # picks a row already on the page by its string id: no lookup, no action
        for value in _hostile(sam):
            state = substate(root_state(admin), cls)
            extra = {"role": "banned"} if name == "set_role" else {}
            events = await run_handler(cls.event_handlers[name].fn, state, **{param: value, **extra})
            assert BAD_ID in str(events), (cls.__name__, name, value, events)
    session.expire_all()
    assert session.get(User, sam).role == "user"  # " <id> " and <id>.9 did not ban anyone

    state = substate(root_state(admin), AdminUsersState)
    await run_handler(AdminUsersState.event_handlers["set_role"].fn, state, user_id=str(sam), role="banned")
    session.expire_all()
    assert session.get(User, sam).role == "banned"  # a real id still works


@pytest.mark.parametrize("value", [211.9, float("inf"), " 212 ", True])
async def test_fan_handlers_refuse_anything_but_an_id(client: httpx.AsyncClient, value: Any) -> None:
    fan = await _cookie(client, "sam@setlist.test")
    artist = substate(root_state(fan, "/artists/[slug]", {"slug": "x"}), ArtistState)
    assert "couldn't find that song" in str(await run_handler(ArtistState.add_song.fn, artist, song_id=value))
    show = substate(root_state(fan, "/shows/[slug]", {"slug": "x"}), ShowState)
    assert "couldn't find that song" in str(await run_handler(ShowState.add_song.fn, show, song_id=value))
    report = substate(root_state(fan), ReportState)
    events = await run_handler(ReportState.report.fn, report, prediction_song_id=value, form={})
    assert "couldn't find that song" in str(events) and report.reported == []


async def test_a_profile_url_with_a_padded_or_huge_id_is_not_found(
    client: httpx.AsyncClient, session: Session
) -> None:
    fan = await _cookie(client, "sam@setlist.test")
    sam = _user_id(session, "sam@setlist.test")
    for raw, missing in ((str(sam), False), (f" {sam}", True), (str(2**40), True), (f"{sam}.0", True)):
        profile = substate(root_state(fan, "/users/[id]", {"id": raw}), ProfileState)
        await run_handler(ProfileState.load.fn, profile)
        assert profile.not_found is missing and profile.error == "", raw


def test_the_jobs_filter_reads_a_huge_number_as_a_name(session: Session) -> None:
    """Past the id range it is no id (PostgreSQL refused the comparison: integer out of range)."""
    assert admin_jobs.list_jobs(session, JobFilters(artist="9" * 12)).total == 0
