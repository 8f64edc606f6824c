"""The first fill of an empty database, through the real pipeline, with visible progress.

`start()` (called by bootstrap when the database has no artists) shortens the fill crons'
intervals so the demo fills within minutes; nothing else changes — planners still create every
job and executors still never chain. The `first_run` cron reports progress in
`sync_status.message` ("Importing catalogs: 12/22 artists") and, once every stage is done (or the
pipeline has gone quiet), restores the default intervals and switches itself off. While it is
enabled, discovery also looks back over recent past shows so their setlists can be imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session

from setlist_app.models import (
    Artist,
    CatalogStatus,
    CronSetting,
    ImportStatus,
    Prediction,
    PredictionStatus,
    Show,
    ShowStatus,
    SyncJob,
)
from setlist_app.models.sync import ACTIVE_JOB_STATUSES
from setlist_app.sync import crons, planners, status
from setlist_app.sync.domain import FIRST_RUN_CRON
from setlist_app.sync.planners import PlanContext, planner

# Crons shortened during the first fill (seconds); the arq tick (15 s) is the real floor.
FAST_INTERVALS = {
    "ticketmaster_discovery": 900,  # once: the fill finishes long before a second scan
    "artist_enrichment": 15,
    "catalog_sync": 15,
    "prediction_seeding": 15,
    "show_status": 60,
    "setlist_import": 15,
    "engagement_counts": 30,
    "trending": 60,
    FIRST_RUN_CRON: 15,
}
QUIET_FOR = timedelta(minutes=2)  # no job activity this long = the pipeline did all it could
_CRONS = CronSetting.__table__
_JOBS = SyncJob.__table__


@dataclass(frozen=True)
class Progress:
    artists: int
    catalogs_done: int  # ok or empty (a terminal answer from Spotify)
    upcoming: int
    seeded: int
    completed: int
    imported: int  # completed or not_found

    @property
    def done(self) -> bool:
        return (
            self.artists > 0
            and self.catalogs_done >= self.artists
            and self.seeded >= self.upcoming
            and self.imported >= self.completed
        )

    def message(self) -> str:
        if self.artists == 0:
            return "First run: discovering artists and shows on Ticketmaster…"
        if self.catalogs_done < self.artists:
            return f"Importing catalogs: {self.catalogs_done}/{self.artists} artists"
        if self.seeded < self.upcoming:
            return f"Seeding predictions: {self.seeded}/{self.upcoming} upcoming shows"
        if self.imported < self.completed:
            return f"Importing setlists: {self.imported}/{self.completed} past shows"
        return "First run complete"


def progress(session: Session, now: datetime) -> Progress:
    """Counts of each fill stage (a few aggregate queries)."""
    a, s, p = Artist.__table__, Show.__table__, Prediction.__table__
    artists, catalogs = session.execute(
        select(
            func.count(),
            func.count().filter(a.c.catalog_status.in_([CatalogStatus.OK.value, CatalogStatus.EMPTY.value])),
        ).select_from(a)
    ).one()
    upcoming_shows = (s.c.status == ShowStatus.UPCOMING.value) & (s.c.starts_at >= now)
    # Shows of artists without a catalog cannot be seeded; they are not part of the fill's goal.
    with_catalog = s.c.artist_id.in_(select(a.c.id).where(a.c.catalog_status == CatalogStatus.OK.value))
    upcoming, seeded = session.execute(
        select(func.count(), func.count().filter(p.c.status == PredictionStatus.SEEDED.value))
        .select_from(s)
        .outerjoin(p, p.c.show_id == s.c.id)
        .where(upcoming_shows, with_catalog)
    ).one()
    with_mbid = s.c.artist_id.in_(select(a.c.id).where(a.c.mbid.is_not(None)))
    completed, imported = session.execute(
        select(
            func.count(),
            func.count().filter(
                s.c.import_status.in_([ImportStatus.COMPLETED.value, ImportStatus.NOT_FOUND.value])
            ),
        ).where(s.c.status == ShowStatus.COMPLETED.value, with_mbid)
    ).one()
    return Progress(artists, catalogs, upcoming, seeded, completed, imported)


def _quiet(session: Session, now: datetime) -> bool:
    """No pending/running jobs and none created or finished recently."""
    active = session.execute(
        select(func.count()).where(_JOBS.c.status.in_([s.value for s in ACTIVE_JOB_STATUSES]))
    ).scalar_one()
    last = session.execute(
        select(func.max(func.coalesce(_JOBS.c.finished_at, _JOBS.c.created_at)))
    ).scalar_one()
    return active == 0 and last is not None and last <= now - QUIET_FOR


def start(session: Session, now: datetime) -> None:
    """Enter first-run mode: fast intervals for the fill crons, all due now. The caller commits."""
    from setlist_app.sync import registry  # noqa: F401  (every planner registered before its cron row)

    crons.ensure_defaults(session, now)
    for name, seconds in FAST_INTERVALS.items():
        session.execute(
            update(_CRONS)
            .where(_CRONS.c.name == name)
            .values(enabled=True, interval_seconds=seconds, next_run_at=None, updated_at=now)
        )
    session.execute(
        update(status.SyncStatus.__table__)
        .where(status.SyncStatus.__table__.c.id == 1)
        .values(message=Progress(0, 0, 0, 0, 0, 0).message(), updated_at=now)
    )


def finish(session: Session, now: datetime) -> None:
    """Leave first-run mode: default intervals back (unless an admin changed them), cron off."""
    specs = planners.registered_planners()
    for name, seconds in FAST_INTERVALS.items():
        spec = specs.get(name)
        if spec is None or name == FIRST_RUN_CRON:
            continue
        session.execute(
            update(_CRONS)
            .where(_CRONS.c.name == name, _CRONS.c.interval_seconds == seconds)
            .values(
                interval_seconds=spec.interval_seconds,
                next_run_at=now + timedelta(seconds=spec.interval_seconds),
                updated_at=now,
            )
        )
    session.execute(
        update(_CRONS).where(_CRONS.c.name == FIRST_RUN_CRON).values(enabled=False, updated_at=now)
    )


@planner(
    FIRST_RUN_CRON,
    interval_seconds=30,
    limit_per_run=0,  # reports progress only: creates no jobs
    essential=True,
    description="First run: show fill progress; restore normal intervals when done",
    enabled=False,  # only `start()` (an empty database at launch) switches first-run mode on
)
async def plan_first_run(p: PlanContext) -> int:
    current = progress(p.session, p.now)
    finished = current.done or (current.artists > 0 and _quiet(p.session, p.now))
    message = None if finished else current.message()
    session = p.session
    session.execute(
        update(status.SyncStatus.__table__)
        .where(status.SyncStatus.__table__.c.id == 1)
        .values(message=message)
    )
    if finished:
        finish(session, p.now)
    return current.imported + current.seeded + current.catalogs_done
