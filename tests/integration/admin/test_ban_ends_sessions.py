"""A ban ends the user's sessions at once: their cookies stop resolving (not only when the cached
role expires), while other users stay signed in."""

from __future__ import annotations

from sqlmodel import Session

from setlist_app.auth import sessions
from setlist_app.auth.cookies import SESSION_COOKIE
from setlist_app.auth.viewer import Viewer, viewer_from_cookie_header
from setlist_app.services.admin import users
from tests.integration.admin.conftest import People


def _viewer(cookie: str) -> Viewer:
    return viewer_from_cookie_header(f"{SESSION_COOKIE}={cookie}")


def test_a_ban_signs_the_user_out_everywhere(session: Session, people: People, redis_url: str) -> None:
    sessions.clear_cache()
    laptop, phone = (sessions.create_session(people.fan.user_id or 0) for _ in range(2))
    bystander = sessions.create_session(people.fan2.user_id or 0)
    assert _viewer(laptop).user_id == people.fan.user_id  # now cached

    users.change_role(session, people.admin, people.fan.user_id or 0, "banned")
    session.commit()

    assert not _viewer(laptop).is_signed_in and not _viewer(phone).is_signed_in
    assert _viewer(bystander).user_id == people.fan2.user_id

    users.unban(session, people.admin, people.fan.user_id or 0)
    session.commit()
    fresh = sessions.create_session(people.fan.user_id or 0)
    assert _viewer(fresh).role == "user"


def test_a_role_change_applies_on_the_next_event_everywhere(session: Session, people: People) -> None:
    """Another worker's cached role is re-read once the change commits (the cache checks the user's
    version in Redis on every resolution); before the commit the old role still holds."""
    sessions.clear_cache()
    cookie = sessions.create_session(people.fan.user_id or 0)
    assert _viewer(cookie).role == "user"  # cached, as on a worker serving this fan

    users.change_role(session, people.admin, people.fan.user_id or 0, "admin")
    assert _viewer(cookie).role == "user"  # not committed yet
    session.commit()
    assert _viewer(cookie).role == "admin"

    users.change_role(session, people.admin, people.fan.user_id or 0, "user")
    session.commit()
    assert _viewer(cookie).role == "user"
