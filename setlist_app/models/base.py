"""Shared column helpers for all tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field

from setlist_app import clock


def utcnow() -> datetime:
    """Timezone-aware now in UTC (all timestamps are UTC), from the app's one clock."""
    return clock.now()


def created_at_field() -> Any:
    return Field(default_factory=utcnow, nullable=False)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=JSON, nullable=False)


def trigram_index(name: str, column: str) -> Index:
    """A Postgres GIN trigram index for `LIKE`/`ILIKE`/`%` search (created by migration 0002; none on SQLite)."""
    index = Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})
    return index.ddl_if(dialect="postgresql")
