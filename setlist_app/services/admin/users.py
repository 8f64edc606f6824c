"""Users: list/search, change role (never leaving no admin), ban (which ends the user's sessions)/unban."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session

from setlist_app.auth import roles, sessions
from setlist_app.auth.viewer import Viewer
from setlist_app.models.users import Role, User
from setlist_app.services.admin.audit import AdminError, perform
from setlist_app.services.admin.paging import Page, page_bounds

_USERS = User.__table__
log = logging.getLogger(__name__)


def mask_email(email: str | None) -> str:
    """`s***@example.com`: enough to tell accounts apart without putting addresses in browsers."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    email: str  # masked
    role: str
    votes_cast: int
    created_at: datetime
    last_seen_at: datetime | None


def search(
    session: Session, query: str = "", *, role: str = "", page: int = 1, page_size: int = 25
) -> Page[UserRow]:
    """By name or email fragment, or `#<id>`; optionally one role. Newest first."""
    where = []
    text = query.strip()
    if text.startswith("#") and text[1:].isdigit():
        where.append(_USERS.c.id == int(text[1:]))
    elif text:
        where.append(
            or_(
                _USERS.c.name.icontains(text, autoescape=True),
                _USERS.c.email.icontains(text, autoescape=True),
            )
        )
    if role:
        where.append(_USERS.c.role == role)
    total = session.execute(select(func.count()).select_from(_USERS).where(*where)).scalar_one()
    offset, limit = page_bounds(page, page_size)
    rows = session.execute(
        select(_USERS)
        .where(*where)
        .order_by(_USERS.c.created_at.desc(), _USERS.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        UserRow(r.id, r.name, mask_email(r.email), r.role, r.votes_cast, r.created_at, r.last_seen_at)
        for r in rows
    ]
    return Page(items, total, page, page_size)


def _lock_admins(session: Session) -> list[int]:
    """The admin ids, locked until commit so two admins cannot demote each other at once."""
    stmt = select(_USERS.c.id).where(_USERS.c.role == Role.ADMIN.value).order_by(_USERS.c.id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())


def change_role(session: Session, actor: Viewer, user_id: int, role: str) -> str:
    """Set a user's role (user | admin | banned). The last admin cannot be demoted or banned."""

    def run() -> str:
        if role not in {r.value for r in Role}:
            raise AdminError(f"Unknown role {role!r}")
        current = session.execute(select(_USERS.c.role).where(_USERS.c.id == user_id)).scalar_one_or_none()
        if current is None:
            raise AdminError(f"User {user_id} does not exist")
        if current == role:
            return role
        if current == Role.ADMIN.value:
            admins = _lock_admins(session)
            if admins == [user_id]:
                raise AdminError("This is the last admin; promote someone else first")
        roles.set_role(session, actor, int(user_id), role)
        if role == Role.BANNED.value:
            _end_sessions(int(user_id))
        return role

    action = {"banned": "user.ban"}.get(role, "user.role")
    return perform(
        session, actor, action, run, target=f"user:{user_id}", arguments={"user_id": user_id, "role": role}
    )


def _end_sessions(user_id: int) -> None:
    """Sign a banned user out everywhere (their sessions end in Redis, on every worker at once). If
    Redis is unreachable the ban still stands: a session cannot be resolved without Redis either, and
    a banned viewer can do nothing."""
    try:
        sessions.destroy_user_sessions(user_id)
    except Exception:
        log.warning("could not end the sessions of banned user %s", user_id, exc_info=True)


def unban(session: Session, actor: Viewer, user_id: int) -> str:
    """Lift a ban (back to a plain user)."""

    def run() -> str:
        current = session.execute(select(_USERS.c.role).where(_USERS.c.id == user_id)).scalar_one_or_none()
        if current != Role.BANNED.value:
            raise AdminError(f"User {user_id} is not banned")
        roles.set_role(session, actor, int(user_id), Role.USER.value)
        return Role.USER.value

    return perform(
        session, actor, "user.unban", run, target=f"user:{user_id}", arguments={"user_id": user_id}
    )
