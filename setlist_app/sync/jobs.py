"""The ONE gateway that creates sync jobs, and the row-level job lifecycle.

- `request()` is the only way to create a `sync_jobs` row. It is single-flight: the partial unique
  index on (kind, key) for pending/running rows makes a second request return the active job.
- Executors run inside `executor_scope()`; `request()` raises there, so an executor can never create
  a job — not directly, not through a helper or a hook (the cascade of DESIGN.md §1).
- Claims are atomic (`UPDATE ... WHERE status='pending' RETURNING`) and fenced by `attempts`:
  a worker whose lease expired cannot overwrite the outcome of the run that replaced it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text, update
from sqlmodel import Session

from setlist_app.db import insert_for
from setlist_app.models.base import utcnow
from setlist_app.models.sync import JobStatus, SyncJob

REQUESTERS = ("planner:", "user:", "admin:")
_ACTIVE_WHERE = text("status IN ('pending', 'running')")
_in_executor: ContextVar[str | None] = ContextVar("sync_executor_kind", default=None)


class JobCreationInExecutorError(RuntimeError):
    """Raised when code running inside an executor tries to create a job."""


class JobFailed(Exception):
    """Raised by an executor for an expected failure; `retry=False` ends the job as failed."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class RequestResult:
    job_id: int
    created: bool  # False: an identical job was already pending or running


@contextmanager
def executor_scope(kind: str) -> Iterator[None]:
    """Mark the current context (and tasks/threads spawned from it) as inside an executor."""
    token = _in_executor.set(kind)
    try:
        yield
    finally:
        _in_executor.reset(token)


def refuse_in_executor(what: str) -> None:
    """Raise `JobCreationInExecutorError` inside an executor: jobs and notifications are created by
    planners, users and admins only, so no finished job can set off more work (no cascade)."""
    running = _in_executor.get()
    if running is not None:
        raise JobCreationInExecutorError(
            f"executor {running!r} tried to create {what}; only planners, users and admins may"
        )


def current_executor() -> str | None:
    """The kind of the executor running in this context, if any."""
    return _in_executor.get()


def request(
    session: Session,
    kind: str,
    key: str,
    *,
    requested_by: str,
    artist_id: int | None = None,
    show_id: int | None = None,
    payload: dict[str, Any] | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 3,
    now: datetime | None = None,
) -> RequestResult:
    """Create the job (kind, key) unless one is already active; the caller commits.

    `requested_by` is `planner:<name>`, `user:<id>` or `admin:<id>`; `now` is for fake clocks.
    """
    refuse_in_executor(f"job {kind}:{key}")
    if not kind or not key or len(kind) > 48 or len(key) > 200:
        raise ValueError(f"invalid job kind/key: {kind!r} {key!r}")
    if not requested_by.startswith(REQUESTERS):
        raise ValueError(f"requested_by must start with one of {REQUESTERS}: {requested_by!r}")
    now = now or utcnow()
    values = {
        "kind": kind,
        "key": key,
        "status": JobStatus.PENDING.value,
        "requested_by": requested_by[:100],
        "artist_id": artist_id,
        "show_id": show_id,
        "payload": payload or {},
        "result": {},
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_after": run_after or now,
        "created_at": now,
    }
    table = SyncJob.__table__
    # A concurrent finish can free the (kind, key) slot between our INSERT and SELECT: try again.
    for _ in range(5):
        stmt = (
            insert_for(session, table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["kind", "key"], index_where=_ACTIVE_WHERE)
            .returning(table.c.id)
        )
        new_id = session.execute(stmt).scalar_one_or_none()
        if new_id is not None:
            return RequestResult(new_id, True)
        existing = session.execute(
            select(table.c.id).where(table.c.kind == kind, table.c.key == key, _ACTIVE_WHERE)
        ).scalar_one_or_none()
        if existing is not None:
            return RequestResult(existing, False)
    raise RuntimeError(f"could not create or find job {kind}:{key}")


def claim(session: Session, job_id: int, now: datetime, lease_seconds: int) -> SyncJob | None:
    """Atomically move a due pending job to running with a lease; None if someone else has it."""
    table = SyncJob.__table__
    row = session.execute(
        update(table)
        .where(table.c.id == job_id, table.c.status == JobStatus.PENDING.value, table.c.run_after <= now)
        .values(
            status=JobStatus.RUNNING.value,
            attempts=table.c.attempts + 1,
            started_at=now,
            lease_until=now + timedelta(seconds=lease_seconds),
            error=None,
        )
        .returning(*table.c)
    ).one_or_none()
    session.commit()
    return SyncJob.model_validate(dict(row._mapping)) if row is not None else None


def _fenced_update(session: Session, job: SyncJob, **values: Any) -> bool:
    """Update the job only if it is still the run we claimed (status running, same attempt)."""
    table = SyncJob.__table__
    result = session.execute(
        update(table)
        .where(
            table.c.id == job.id,
            table.c.status == JobStatus.RUNNING.value,
            table.c.attempts == job.attempts,
        )
        .values(**values)
    )
    return result.rowcount == 1


def finish(session: Session, job: SyncJob, now: datetime, result: dict[str, Any]) -> bool:
    """Mark a claimed job succeeded; False when the lease was lost to another run."""
    return _fenced_update(
        session, job, status=JobStatus.SUCCEEDED.value, result=result, finished_at=now, lease_until=None
    )


def fail(
    session: Session, job: SyncJob, now: datetime, error: str, *, retry: bool, retry_base_seconds: int
) -> str | None:
    """Record a failure: back to pending with exponential backoff while attempts remain.

    Returns the new status, or None when the lease was lost.
    """
    if retry and job.attempts < job.max_attempts:
        delay = retry_base_seconds * 2 ** max(job.attempts - 1, 0)
        ok = _fenced_update(
            session,
            job,
            status=JobStatus.PENDING.value,
            error=error[:2000],
            run_after=now + timedelta(seconds=delay),
            lease_until=None,
        )
        return JobStatus.PENDING.value if ok else None
    ok = _fenced_update(
        session, job, status=JobStatus.FAILED.value, error=error[:2000], finished_at=now, lease_until=None
    )
    return JobStatus.FAILED.value if ok else None


def cancel(session: Session, job_id: int, now: datetime, reason: str = "cancelled") -> bool:
    """Cancel a pending job (admin action); running jobs finish on their own."""
    table = SyncJob.__table__
    result = session.execute(
        update(table)
        .where(table.c.id == job_id, table.c.status == JobStatus.PENDING.value)
        .values(status=JobStatus.CANCELLED.value, error=reason[:2000], finished_at=now)
    )
    return result.rowcount == 1


def retry_now(session: Session, job_id: int, *, requested_by: str) -> RequestResult:
    """Admin "retry": request a fresh job with the same kind/key/payload as a finished one."""
    job = session.get(SyncJob, job_id)
    if job is None:
        raise LookupError(f"no sync job {job_id}")
    return request(
        session,
        job.kind,
        job.key,
        requested_by=requested_by,
        artist_id=job.artist_id,
        show_id=job.show_id,
        payload=job.payload,
    )


def release_expired_leases(session: Session, now: datetime) -> int:
    """Running jobs whose lease expired (worker crashed): back to pending, or failed when spent."""
    table = SyncJob.__table__
    expired = (table.c.status == JobStatus.RUNNING.value) & (table.c.lease_until < now)
    failed = session.execute(
        update(table)
        .where(expired, table.c.attempts >= table.c.max_attempts)
        .values(status=JobStatus.FAILED.value, error="lease expired", finished_at=now, lease_until=None)
    ).rowcount
    requeued = session.execute(
        update(table)
        .where(expired)
        .values(status=JobStatus.PENDING.value, error="lease expired", lease_until=None, run_after=now)
    ).rowcount
    return failed + requeued


def due_pending(session: Session, now: datetime, limit: int) -> list[SyncJob]:
    """Pending jobs whose run_after has passed, oldest first."""
    table = SyncJob.__table__
    return list(
        session.scalars(
            select(SyncJob)
            .where(table.c.status == JobStatus.PENDING.value, table.c.run_after <= now)
            .order_by(table.c.run_after, table.c.id)
            .limit(limit)
        )
    )


def queue_depth(session: Session) -> int:
    """Pending + running jobs."""
    table = SyncJob.__table__
    return session.execute(select(func.count()).select_from(table).where(_ACTIVE_WHERE)).scalar_one()
