"""In-app notifications (the bell) and what the e-mail digest has sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from setlist_app.models.base import created_at_field


class NotificationKind(StrEnum):
    SHOW_ANNOUNCED = "show_announced"  # an artist the user follows announced a show
    SETLIST_IN = "setlist_in"  # the setlist of a show the user voted on is in (with their accuracy)


class Notification(SQLModel, table=True):
    """One per user, kind and show (unique): a planner re-running can never notify twice."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "show_id", name="uq_notifications_user_kind_show"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=24)
    show_id: int = Field(foreign_key="shows.id", ondelete="CASCADE")
    artist_id: int = Field(foreign_key="artists.id", ondelete="CASCADE")
    accuracy: float | None = None  # setlist_in: the user's share of votes for songs that were played
    created_at: datetime = created_at_field()
    read_at: datetime | None = None
    emailed_at: datetime | None = None  # sent in a digest (or skipped: the user unsubscribed)
