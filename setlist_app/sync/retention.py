"""Retention: old finished jobs, cron runs, error rows and write-conflict records are deleted in
bounded batches."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from setlist_app.models import CronRun, ErrorLog, SyncJob, WriteConflict
from setlist_app.models.sync import ACTIVE_JOB_STATUSES
from setlist_app.settings import get_settings
from setlist_app.sync.planners import PlanContext, planner

_JOBS, _RUNS, _ERRORS = SyncJob.__table__, CronRun.__table__, ErrorLog.__table__
_CONFLICTS = WriteConflict.__table__


def _delete_batch(session: Session, table: Any, *where: Any, batch: int) -> int:
    ids = select(table.c.id).where(*where).order_by(table.c.id).limit(batch)
    return session.execute(delete(table).where(table.c.id.in_(ids))).rowcount


def cleanup(session: Session, now: datetime) -> dict[str, int]:
    """Delete one batch per table of rows older than their retention; the caller commits."""
    cfg = get_settings()
    active = [s.value for s in ACTIVE_JOB_STATUSES]
    return {
        "sync_jobs": _delete_batch(
            session,
            _JOBS,
            _JOBS.c.status.not_in(active),
            _JOBS.c.created_at < now - timedelta(days=cfg.retention_job_days),
            batch=cfg.retention_batch,
        ),
        "cron_runs": _delete_batch(
            session,
            _RUNS,
            _RUNS.c.started_at < now - timedelta(days=cfg.retention_cron_run_days),
            batch=cfg.retention_batch,
        ),
        "error_log": _delete_batch(
            session,
            _ERRORS,
            _ERRORS.c.created_at < now - timedelta(days=cfg.retention_error_days),
            batch=cfg.retention_batch,
        ),
        "write_conflicts": _delete_batch(
            session,
            _CONFLICTS,
            _CONFLICTS.c.at < now - timedelta(days=cfg.retention_job_days),
            batch=cfg.retention_batch,
        ),
    }


@planner(
    "retention_cleanup",
    interval_seconds=3600,
    limit_per_run=0,  # database only: creates no jobs
    essential=True,
    description="Delete finished jobs, cron runs, errors and conflict records past their retention (bounded batches)",
)
async def plan_retention(p: PlanContext) -> int:
    return sum(cleanup(p.session, p.now).values())
