"""Show status transitions: upcoming → completed once the show's local date has passed.

Pure database work, so the planner does it itself (like the stale-job sweeper) with one UPDATE per
venue time zone — no per-show loop and no job. Cancellations and postponements come from
Ticketmaster through the discovery job, which re-reads every market's events.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session

from setlist_app.models.catalog import ImportStatus, Show, ShowStatus, Venue
from setlist_app.sync.planners import PlanContext, planner

_SHOWS = Show.__table__
_VENUES = Venue.__table__


def complete_past_shows(session: Session, now: datetime) -> int:
    """Mark upcoming shows whose local date is over as completed (their setlist import is due)."""
    changed = 0
    for zone in session.execute(select(_VENUES.c.timezone).distinct()).scalars():
        try:
            today = now.astimezone(ZoneInfo(zone)).date()
        except (KeyError, ValueError):
            today = now.date()
        venue_ids = select(_VENUES.c.id).where(_VENUES.c.timezone == zone)
        changed += session.execute(
            update(_SHOWS)
            .where(
                _SHOWS.c.status == ShowStatus.UPCOMING.value,
                _SHOWS.c.local_date < today,
                _SHOWS.c.venue_id.in_(venue_ids),
            )
            .values(
                status=ShowStatus.COMPLETED.value,
                import_status=ImportStatus.PENDING.value,
                import_next_at=now,
                updated_at=now,
            )
        ).rowcount
    return changed


@planner(
    "show_status",
    interval_seconds=600,
    limit_per_run=0,  # database only: creates no jobs
    essential=True,
    description="Mark shows completed after their local date (cancellations come from discovery)",
)
async def plan_show_status(p: PlanContext) -> int:
    return complete_past_shows(p.session, p.now)
