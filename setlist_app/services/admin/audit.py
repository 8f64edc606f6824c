"""The admin audit log: the one writer every admin action goes through, and its reader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.auth.roles import PermissionDenied, require_admin
from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.ops import AdminAuditLog
from setlist_app.models.users import User
from setlist_app.services.admin.paging import Page, page_bounds

T = TypeVar("T")
_LOG = AdminAuditLog.__table__


class AdminError(Exception):
    """An admin action the rules refuse; the message is shown to the admin as is."""


class AdminOutdated(AdminError):
    """The action's target changed before it ran (a job finished while its Cancel was confirmed):
    the page was out of date, nobody did anything wrong. Recorded as refused, shown as a warning."""


def _summary(value: Any) -> str:
    if value is None or isinstance(value, bool):  # flags are in the arguments already
        return "ok"
    return f"ok: {value}"[:500]


def _write(
    session: Session,
    actor: Viewer,
    action: str,
    target: str | None,
    arguments: dict[str, Any],
    result: str,
    now: datetime,
) -> None:
    session.execute(
        _LOG.insert().values(
            admin_user_id=actor.user_id,
            action=action[:64],
            target=None if target is None else str(target)[:200],
            arguments=arguments,
            result=result[:500],
            created_at=now,
            client_ip=actor.client_ip[:45] or None,
        )
    )


def perform(
    session: Session,
    actor: Viewer,
    action: str,
    fn: Callable[[], T],
    *,
    target: str | int | None = None,
    arguments: dict[str, Any] | None = None,
    describe: Callable[[T], Any] | None = None,
) -> T:
    """Run one admin action and record it. The caller commits on success.

    Non-admins are refused before anything runs (and nothing is recorded: they are not admins).
    When `fn` raises, its changes are rolled back, the failure is recorded and committed, and the
    error propagates (`AdminError` for expected refusals).
    """
    require_admin(actor)
    args = {k: v for k, v in (arguments or {}).items()}
    tgt = None if target is None else str(target)
    try:
        value = fn()
    except (AdminError, PermissionDenied, LookupError, ValueError) as exc:
        session.rollback()
        _write(session, actor, action, tgt, args, f"refused: {exc}", utcnow())
        session.commit()
        raise
    except Exception as exc:
        session.rollback()
        _write(session, actor, action, tgt, args, f"failed: {type(exc).__name__}: {exc}", utcnow())
        session.commit()
        raise
    _write(session, actor, action, tgt, args, _summary(describe(value) if describe else value), utcnow())
    return value


def record(
    session: Session, actor: Viewer, action: str, *, target: str | None = None, **arguments: Any
) -> None:
    """Record an admin action that has no effect of its own (e.g. acknowledging an alert)."""
    perform(session, actor, action, lambda: None, target=target, arguments=arguments)


def record_own_action(
    session: Session, user_id: int, action: str, *, target: str, arguments: dict[str, Any]
) -> None:
    """Record what a user did to their own account (e.g. deleting it) in the same log admins read.
    No role check: it is not an admin action. The caller commits."""
    _write(session, Viewer(user_id=user_id, role="user"), action, target, arguments, "ok", utcnow())


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    admin: str
    action: str
    target: str
    arguments: dict[str, Any]
    result: str
    client_ip: str = ""  # where the action came from ("" for entries without one)


def list_entries(
    session: Session,
    *,
    action: str = "",
    admin_user_id: int | None = None,
    page: int = 1,
    page_size: int = 25,
) -> Page[AuditEntry]:
    """Newest first, optionally filtered by action prefix and admin."""
    where = []
    if action:
        where.append(_LOG.c.action.startswith(action, autoescape=True))
    if admin_user_id is not None:
        where.append(_LOG.c.admin_user_id == admin_user_id)
    total = session.execute(select(func.count()).select_from(_LOG).where(*where)).scalar_one()
    offset, limit = page_bounds(page, page_size)
    users = User.__table__
    rows = session.execute(
        select(_LOG, users.c.name)
        .select_from(_LOG.outerjoin(users, users.c.id == _LOG.c.admin_user_id))
        .where(*where)
        .order_by(_LOG.c.created_at.desc(), _LOG.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        AuditEntry(
            id=r.id,
            at=r.created_at,
            admin=r.name or (f"user {r.admin_user_id}" if r.admin_user_id else "deleted user"),
            action=r.action,
            target=r.target or "",
            arguments=dict(r.arguments or {}),
            result=r.result,
            client_ip=r.client_ip or "",
        )
        for r in rows
    ]
    return Page(items, total, page, page_size)


def actions(session: Session) -> list[str]:
    """Distinct action names seen (for the filter)."""
    return list(session.execute(select(_LOG.c.action).distinct().order_by(_LOG.c.action)).scalars())
