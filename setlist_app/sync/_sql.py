"""SQL fragments the planners share."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from setlist_app.models.catalog import Show, ShowStatus


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
