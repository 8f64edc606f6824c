"""Moderation flags, the admin audit log, recorded errors and the alert history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from setlist_app.models.base import created_at_field, json_field, utcnow


class ContentFlag(SQLModel, table=True):
    __tablename__ = "content_flags"

    id: int | None = Field(default=None, primary_key=True)
    prediction_song_id: int = Field(foreign_key="prediction_songs.id", ondelete="CASCADE")
    reporter: str = Field(max_length=80)  # voter key
    reason: str = Field(default="", max_length=500)
    status: str = Field(default="open", max_length=16)  # open | dismissed | removed
    resolved_by_user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    resolved_at: datetime | None = None
    created_at: datetime = created_at_field()


class AdminAuditLog(SQLModel, table=True):
    __tablename__ = "admin_audit_log"

    id: int | None = Field(default=None, primary_key=True)
    admin_user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    action: str = Field(max_length=64)
    target: str | None = Field(default=None, max_length=200)
    arguments: dict[str, Any] = json_field(dict)
    result: str = Field(default="ok", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    client_ip: str | None = Field(default=None, max_length=45)  # the admin's address (behind a trusted proxy)


class ErrorLog(SQLModel, table=True):
    """One row per error fingerprint per window: a storm of the same error is one row with a count."""

    __tablename__ = "error_log"
    __table_args__ = (Index("ix_error_log_fingerprint_created_at", "fingerprint", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)  # app | worker | launcher
    message: str = Field(max_length=1000)
    detail: str | None = None  # the (redacted) traceback of the first occurrence
    logger: str = Field(default="", max_length=200)
    fingerprint: str = Field(default="", max_length=64)
    count: int = 1
    context: dict[str, Any] = json_field(dict)  # request/event/job ids of the first occurrence
    created_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)  # first seen
    last_seen_at: datetime | None = None


class Alert(SQLModel, table=True):
    """An alert raised by the worker's alert check, and its webhook messages (an outbox).

    `open_key` holds the key while the alert is raised and NULL once it cleared: unique, so one
    condition has at most one open alert however many workers check at once.
    """

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=100, index=True)  # spike | budget | worker_down | circuit:<provider>
    open_key: str | None = Field(default=None, max_length=100, unique=True)
    message: str = Field(max_length=500)
    raised_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    cleared_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    raise_sent_at: datetime | None = None  # webhook messages: NULL = not sent (yet)
    clear_sent_at: datetime | None = None
    reminded_at: datetime | None = None  # the last "still raised" reminder (never once acknowledged)
    send_attempts: int = 0  # failed attempts of the pending message (reset when one is sent)
    send_after: datetime | None = None  # retry backoff
    send_error: str | None = Field(default=None, max_length=500)  # the last failure
    send_abandoned: bool = False  # retries exhausted: no further message for this alert
