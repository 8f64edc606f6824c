"""Job history (`sync_jobs`) with filters and pagination; retry and cancel through the sync gateway."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.domain.ids import strict_id
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist, Show, Venue
from setlist_app.models.sync import JobStatus, SyncJob
from setlist_app.services.admin.audit import AdminError, AdminOutdated, perform
from setlist_app.services.admin.paging import Page, page_bounds
from setlist_app.sync import jobs as gateway

_JOBS = SyncJob.__table__
_ARTISTS = Artist.__table__
_SHOWS, _VENUES = Show.__table__, Venue.__table__
_SHOW_ARTISTS = _ARTISTS.alias("show_artists")
_JOINED = (
    _JOBS.outerjoin(_ARTISTS, _ARTISTS.c.id == _JOBS.c.artist_id)
    .outerjoin(_SHOWS, _SHOWS.c.id == _JOBS.c.show_id)
    .outerjoin(_SHOW_ARTISTS, _SHOW_ARTISTS.c.id == _SHOWS.c.artist_id)
    .outerjoin(_VENUES, _VENUES.c.id == _SHOWS.c.venue_id)
)
_COLUMNS = (
    _JOBS,
    _ARTISTS.c.name.label("artist_name"),
    _SHOW_ARTISTS.c.name.label("show_artist"),
    _VENUES.c.name.label("venue_name"),
    _SHOWS.c.local_date.label("show_date"),
)
RETRYABLE = (JobStatus.FAILED, JobStatus.CANCELLED)  # a succeeded job has nothing to retry
SINCE_CHOICES = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "24h": timedelta(days=1),
    "7d": timedelta(days=7),
}


@dataclass(frozen=True)
class JobFilters:
    kind: str = ""
    status: str = ""
    artist: str = ""  # artist name fragment or id
    since: str = ""  # one of SINCE_CHOICES, empty = any time


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    key: str  # the raw dedup key (`show:12`), shown in the details only
    subject: str  # what the job is about, in names (`subject`)
    status: str
    artist: str
    requested_by: str
    attempts: int
    max_attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_seconds: float | None
    error: str
    result: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def can_retry(self) -> bool:
        return self.status in RETRYABLE

    @property
    def can_cancel(self) -> bool:
        return self.status == JobStatus.PENDING


def _where(filters: JobFilters, now: datetime) -> list[Any]:
    where: list[Any] = []
    if filters.kind:
        where.append(_JOBS.c.kind == filters.kind)
    if filters.status:
        where.append(_JOBS.c.status == filters.status)
    if filters.since in SINCE_CHOICES:
        where.append(_JOBS.c.created_at >= now - SINCE_CHOICES[filters.since])
    text = filters.artist.strip()
    if text:
        if (artist_id := strict_id(text)) is not None:
            where.append(_JOBS.c.artist_id == artist_id)
        else:
            where.append(_ARTISTS.c.name.icontains(text, autoescape=True))
    return where


def subject(r: Any) -> str:
    """What a job is about in names: the show, the artist, the requested name, else its key made readable."""
    if r.show_artist:
        return f"{r.show_artist} at {r.venue_name}, {r.show_date:%d %b %Y}"
    if r.artist_name:
        return r.artist_name
    payload = r.payload or {}
    if payload.get("name"):
        return f"“{payload['name']}”"
    scope, _, value = r.key.partition(":")
    return f"{scope} {value}" if value else scope


def _row(r: Any) -> JobRow:
    duration = (r.finished_at - r.started_at).total_seconds() if r.finished_at and r.started_at else None
    return JobRow(
        id=r.id,
        kind=r.kind,
        key=r.key,
        subject=subject(r),
        status=r.status,
        artist=r.artist_name or "",
        requested_by=r.requested_by,
        attempts=r.attempts,
        max_attempts=r.max_attempts,
        created_at=r.created_at,
        started_at=r.started_at,
        finished_at=r.finished_at,
        duration_seconds=duration,
        error=r.error or "",
        result=dict(r.result or {}),
        payload=dict(r.payload or {}),
    )


def list_jobs(
    session: Session, filters: JobFilters, *, page: int = 1, page_size: int = 25, now: datetime | None = None
) -> Page[JobRow]:
    """Newest first."""
    now = now or utcnow()
    joined = _JOBS.outerjoin(_ARTISTS, _ARTISTS.c.id == _JOBS.c.artist_id)
    where = _where(filters, now)
    total = session.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
    offset, limit = page_bounds(page, page_size)
    rows = session.execute(
        select(*_COLUMNS)
        .select_from(_JOINED)
        .where(*where)
        .order_by(_JOBS.c.created_at.desc(), _JOBS.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return Page([_row(r) for r in rows], total, page, page_size)


def get_job(session: Session, job_id: int) -> JobRow | None:
    row = session.execute(select(*_COLUMNS).select_from(_JOINED).where(_JOBS.c.id == job_id)).one_or_none()
    return _row(row) if row is not None else None


def kinds(session: Session) -> list[str]:
    """Job kinds present in the table, for the filter."""
    return list(session.execute(select(_JOBS.c.kind).distinct().order_by(_JOBS.c.kind)).scalars())


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(_JOBS.c.status, func.count()).group_by(_JOBS.c.status)).all()
    return {s.value: 0 for s in JobStatus} | {status: int(n) for status, n in rows}


@dataclass(frozen=True)
class JobRequestOutcome:
    job_id: int
    created: bool

    def __str__(self) -> str:
        return f"job {self.job_id} {'queued' if self.created else 'already queued'}"


def retry_job(session: Session, actor: Viewer, job_id: int) -> JobRequestOutcome:
    """Request a fresh job like a finished one (deduplicated by the gateway)."""

    def run() -> JobRequestOutcome:
        job = session.get(SyncJob, job_id)
        if job is None:
            raise AdminError(f"Job {job_id} does not exist")
        if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
            raise AdminError(f"Job {job_id} is still {job.status}")
        if job.status not in RETRYABLE:
            raise AdminError(f"Job {job_id} {job.status}: there is nothing to retry")
        result = gateway.retry_now(session, job_id, requested_by=f"admin:{actor.user_id}")
        return JobRequestOutcome(result.job_id, result.created)

    return perform(session, actor, "job.retry", run, target=f"job:{job_id}", arguments={"job_id": job_id})


def cancel_pending(session: Session, actor: Viewer, kind: str) -> int:
    """Cancel every pending job of a kind (a runaway backlog); running ones finish. How many."""

    def run() -> int:
        table = SyncJob.__table__
        ids = session.execute(
            select(table.c.id).where(table.c.kind == kind, table.c.status == JobStatus.PENDING.value)
        ).scalars()
        reason, now = f"cancelled by admin {actor.user_id} (all pending {kind})", utcnow()
        return sum(gateway.cancel(session, job_id, now, reason) for job_id in list(ids))

    return perform(session, actor, "job.cancel_pending", run, target=f"kind:{kind}", arguments={"kind": kind})


def cancel_job(session: Session, actor: Viewer, job_id: int) -> bool:
    """Cancel a pending job; running ones finish on their own."""

    def run() -> bool:
        reason = f"cancelled by admin {actor.user_id}"
        if not gateway.cancel(session, job_id, utcnow(), reason):
            job = session.get(SyncJob, job_id)
            if job is None:
                raise AdminError(f"Job {job_id} does not exist")
            raise AdminOutdated(f"Job {job_id} is {job.status} already: there was nothing left to cancel")
        return True

    return perform(session, actor, "job.cancel", run, target=f"job:{job_id}", arguments={"job_id": job_id})
