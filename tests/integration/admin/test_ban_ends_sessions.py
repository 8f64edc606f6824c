"""A ban ends the user's sessions at once: their cookies stop resolving (not only when the cached
role expires), while other users stay signed in."""

from __future__ import annotations

from sqlmodel import Session

from setlist_app.auth import sessions
from setlist_app.auth.cookies import SESSION_COOKIE
from setlist_app.auth.viewer import Viewer
from setlist_app.services.admin import users
from tests.integration.admin.conftest import People


def _viewer(cookie: str) -> Viewer | None:
    return sessions.user_viewer_from_cookies({SESSION_COOKIE: cookie}, None)


def test_a_ban_signs_the_user_out_everywhere(session: Session, people: People, redis_url: str) -> None:
    sessions.clear_cache()
    laptop, phone = (sessions.create_session(people.fan.user_id or 0) for _ in range(2))
    bystander = sessions.create_session(people.fan2.user_id or 0)
    assert (v := _viewer(laptop)) is not None and v.user_id == people.fan.user_id  # now cached

    users.change_role(session, people.admin, people.fan.user_id or 0, "banned")
    session.commit()

    assert _viewer(laptop) is None and _viewer(phone) is None
    assert (v := _viewer(bystander)) is not None and v.user_id == people.fan2.user_id

    users.unban(session, people.admin, people.fan.user_id or 0)
    session.commit()
    fresh = sessions.create_session(people.fan.user_id or 0)
    assert (v := _viewer(fresh)) is not None and v.role == "user"
