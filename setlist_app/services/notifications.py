"""The bell and the digest's unsubscribe link: what a fan does with their notifications.

Notifications are created by the `notifications` planner (`setlist_app.sync.notifications`); here
they are only read, marked read, and the e-mail digest switched on or off (account page) or off
(the digest's unsubscribe link).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session

from setlist_app.auth.cookies import unsign
from setlist_app.domain.notifications import NotificationItem, mark_read, user_notifications
from setlist_app.models import User
from setlist_app.sync.notifications import UNSUBSCRIBE_MAX_AGE, UNSUBSCRIBE_PURPOSE


def open_bell(session: Session, user_id: int) -> list[NotificationItem]:
    """The user's latest notifications as they were (unread marked), then all marked read."""
    items = user_notifications(session, user_id)
    mark_read(session, user_id)
    return items


def unsubscribe(session: Session, token: str | None) -> bool:
    """Switch off the e-mail digest of the user a signed unsubscribe token names; False when the token
    is forged, expired or names nobody. Idempotent (the link may be followed twice)."""
    value = unsign(token, UNSUBSCRIBE_PURPOSE, UNSUBSCRIBE_MAX_AGE)
    if value is None or not value.isdigit():
        return False
    return set_email_digest(session, int(value), False)


def set_email_digest(session: Session, user_id: int, on: bool) -> bool:
    """Switch the user's e-mail digest on or off; False when there is no such user. The caller commits."""
    done = session.execute(update(User).where(User.id == user_id).values(email_digest=on))
    return bool(done.rowcount)


def email_digest(session: Session, user_id: int) -> bool:
    """Does the user get the e-mail digest?"""
    return bool(session.scalar(select(User.email_digest).where(User.id == user_id)))
