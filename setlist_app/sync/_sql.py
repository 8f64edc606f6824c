"""Dialect helpers so the same upsert runs on Postgres and SQLite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from setlist_app.models.catalog import Show, ShowStatus


def insert_for(session: Session, table: Any) -> Any:
    """An `INSERT` supporting `on_conflict_do_nothing/update` for the session's dialect."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database {dialect!r}: use PostgreSQL or SQLite")


def next_upcoming_show_at(artist_id: Any, now: datetime) -> Any:
    """Scalar subquery: the artist's soonest upcoming show start (planners order work by it)."""
    shows = Show.__table__
    return (
        select(func.min(shows.c.starts_at))
        .where(
            shows.c.artist_id == artist_id,
            shows.c.status == ShowStatus.UPCOMING.value,
            shows.c.starts_at >= now,
        )
        .scalar_subquery()
    )
