"""Roles (user | admin | banned) — read from our database only, never from an identity provider."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from setlist_app.auth.sessions import user_changed_after_commit
from setlist_app.auth.viewer import Viewer
from setlist_app.models.users import Role, User
from setlist_app.settings import Settings

ADMIN_ONLY = "Admins only"


class PermissionDenied(PermissionError):
    """The viewer may not do this; the message is safe to show."""


def require_admin(viewer: Viewer | None) -> Viewer:
    """Return the viewer when they are an admin, else raise `PermissionDenied`."""
    if viewer is None or not viewer.is_admin:
        raise PermissionDenied(ADMIN_ONLY)
    return viewer


def bootstrap_admin(session: Session, user: User, email_verified: bool, settings: Settings) -> bool:
    """Promote a `user` whose *verified* email is on the ADMIN_EMAILS list; banned users stay banned.

    An unverified email claim would let anyone register an admin's address at a lax issuer.
    """
    email = (user.email or "").lower()
    if not (email_verified and email and email in settings.admin_emails and user.role == Role.USER):
        return False
    session.execute(update(User).where(User.id == user.id, User.role == Role.USER).values(role=Role.ADMIN))
    user.role = Role.ADMIN
    return True


def set_role(session: Session, actor: Viewer, user_id: int, role: str) -> None:
    """Change a user's role (admins only; an admin cannot demote or ban themselves). Caller commits;
    from then on every worker sees the new role on the user's next event."""
    require_admin(actor)
    if role not in {r.value for r in Role}:
        raise ValueError(f"unknown role {role!r}")
    if user_id == actor.user_id and role != Role.ADMIN:
        raise PermissionDenied("You cannot remove your own admin role")
    session.execute(update(User).where(User.id == user_id).values(role=role))
    user_changed_after_commit(session, user_id)
