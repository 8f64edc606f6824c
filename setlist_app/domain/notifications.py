"""What a notification says and where it leads, read the same way by the bell and the e-mail digest.

Rows are created by the `notifications` planner only (`setlist_app.sync.notifications`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from setlist_app.models import Artist, Notification, NotificationKind, Show, Venue
from setlist_app.models.base import utcnow


@dataclass
class NotificationItem:
    """One notification as a fan reads it."""

    id: int = 0
    text: str = ""
    href: str = ""  # the show page, relative to the app's URL
    unread: bool = False
    created_at: str = ""  # ISO 8601, UTC


def describe(kind: str, artist: str, venue: str, city: str, when: str, accuracy: float | None) -> str:
    """The sentence for one notification."""
    where = f"{venue}, {city}" if city else venue
    if kind == NotificationKind.SETLIST_IN:
        score = "n/a" if accuracy is None else f"{accuracy:.0f} %"
        return f"The setlist of {artist} at {where} ({when}) is in: your accuracy {score}"
    return f"{artist} announced a show: {when} · {where}"


def user_notifications(
    session: Session, user_id: int, *, limit: int = 20, ids: list[int] | None = None
) -> list[NotificationItem]:
    """The user's notifications, newest first (only `ids` when given)."""
    query = (
        select(
            Notification.id,
            Notification.kind,
            Notification.accuracy,
            Notification.read_at,
            Notification.created_at,
            Artist.name,
            Venue.name,
            Venue.city,
            Show.slug,
            Show.local_date,
        )
        .join(Show, col(Show.id) == Notification.show_id)
        .join(Artist, col(Artist.id) == Notification.artist_id)
        .join(Venue, col(Venue.id) == Show.venue_id)
        .where(Notification.user_id == user_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    )
    if ids is not None:
        query = query.where(col(Notification.id).in_(ids))
    return [
        NotificationItem(
            id=row[0],
            text=describe(row[1], row[5], row[6], row[7], row[9].strftime("%a %d %b %Y"), row[2]),
            href=f"/shows/{row[8]}",
            unread=row[3] is None,
            created_at=row[4].isoformat(),
        )
        for row in session.execute(query)
    ]


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
        ).scalar_one()
    )


def mark_read(session: Session, user_id: int) -> int:
    """Mark all of the user's notifications read; how many were unread. The caller commits."""
    result = session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount or 0)
