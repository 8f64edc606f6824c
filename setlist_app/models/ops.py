"""Moderation flags, the admin audit log and recorded errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
    __tablename__ = "error_log"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    message: str = Field(max_length=1000)
    detail: str | None = None
    created_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
