"""Executors: one async function per job kind, and `run_job`, which performs exactly one row.

`run_job` claims the row, runs the executor inside `jobs.executor_scope` (where creating a job
raises), records the outcome on the row (fenced by the attempt number) and in sync_status.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from setlist_app.models.sync import SyncJob
from setlist_app.observability import logging as obs_logging
from setlist_app.observability import metrics
from setlist_app.sync import budget, jobs, status
from setlist_app.sync.context import SyncContext

Executor = Callable[[SyncContext, SyncJob], Awaitable[dict[str, Any] | None]]
_EXECUTORS: dict[str, Executor] = {}
_log = logging.getLogger(__name__)


def executor(kind: str) -> Callable[[Executor], Executor]:
    """Register the executor of a job kind."""

    def register(fn: Executor) -> Executor:
        if kind in _EXECUTORS and _EXECUTORS[kind] is not fn:
            raise ValueError(f"executor for {kind!r} already registered")
        _EXECUTORS[kind] = fn
        return fn

    return register


def registered_executors() -> dict[str, Executor]:
    """A copy of the registry (kind -> executor)."""
    return dict(_EXECUTORS)


@dataclass(frozen=True)
class RunOutcome:
    job_id: int
    status: str  # succeeded | failed | pending (will retry) | not_claimed | paused | lease_lost
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


async def run_job(
    job_id: int, ctx: SyncContext, *, registry: Mapping[str, Executor] | None = None
) -> RunOutcome:
    """Claim and perform one sync job; safe to call twice for the same id (the claim is atomic)."""
    registry = _EXECUTORS if registry is None else registry
    settings = ctx.settings
    now = ctx.now()
    with ctx.session() as session:
        if status.get_status(session).kill_switch:
            return RunOutcome(job_id, "paused")
        job = jobs.claim(session, job_id, now, settings.sync_lease_seconds)
    if job is None:
        return RunOutcome(job_id, "not_claimed")
    started = metrics.job_started(job.kind)
    obs_logging.bind(job_id=job.id, job_kind=job.kind)  # this job's task (arq runs one per job)
    _log.info("sync job started", extra=_job_fields(job))
    if ctx.redis is not None:
        await budget.count_job(ctx.redis, now)

    result: dict[str, Any] = {}
    error: str | None = None
    retry = False
    fn = registry.get(job.kind)
    if fn is None:
        error = f"no executor registered for kind {job.kind!r}"
    else:
        try:
            with jobs.executor_scope(job.kind):
                result = await fn(ctx, job) or {}
        except jobs.JobFailed as exc:
            error, retry = str(exc), exc.retry
        except asyncio.CancelledError:
            # arq timeout or shutdown: give the row back now instead of waiting for the lease.
            _record(ctx, job, None, "cancelled (timeout or shutdown)", retry=True)
            raise
        except Exception as exc:  # an unexpected error is retried with backoff, then fails
            error, retry = f"{type(exc).__name__}: {exc}", True
    outcome = _record(ctx, job, result, error, retry=retry)
    metrics.job_finished(job.kind, outcome.status, started)
    return outcome


def _record(
    ctx: SyncContext, job: SyncJob, result: dict[str, Any] | None, error: str | None, *, retry: bool
) -> RunOutcome:
    assert job.id is not None
    now = ctx.now()
    with ctx.session() as session:
        if error is None:
            outcome = "succeeded" if jobs.finish(session, job, now, result or {}) else "lease_lost"
            if outcome == "succeeded" and not (result or {}).get("skipped"):
                status.record_outcome(session, job.kind, now)
        else:
            new_status = jobs.fail(
                session, job, now, error, retry=retry, retry_base_seconds=ctx.settings.sync_retry_base_seconds
            )
            outcome = new_status or "lease_lost"
            if new_status is not None:
                status.record_outcome(session, job.kind, now, error=error)
        session.commit()
    _log_outcome(job, outcome, error)
    return RunOutcome(job.id, outcome, result or {}, error)


def _job_fields(job: SyncJob) -> dict[str, Any]:
    return {"key": job.key, "artist_id": job.artist_id, "show_id": job.show_id, "attempt": job.attempts}


def _log_outcome(job: SyncJob, outcome: str, error: str | None) -> None:
    """One line per outcome; a final failure is an ERROR, so it lands in error_log: one row per kind
    and error however many jobs fail alike (the ids and numbers in it do not count)."""
    fields = {**_job_fields(job), "outcome": outcome, "error": error}
    if outcome == "succeeded":
        _log.info("sync job finished", extra=fields)
    elif outcome == "failed":
        _log.error("sync job %s failed: %s", job.kind, error, extra=fields)
    elif outcome == "pending":
        _log.warning("sync job %s will retry: %s", job.kind, error, extra=fields)
    else:
        _log.warning("sync job %s not recorded: %s", job.kind, outcome, extra=fields)


async def run_due(ctx: SyncContext, *, limit: int = 1000) -> list[RunOutcome]:
    """Run due pending jobs in this process, one after another (simulation, scripts, tests)."""
    with ctx.session() as session:
        ids = [j.id for j in jobs.due_pending(session, ctx.now(), limit) if j.id is not None]
    return [await run_job(job_id, ctx) for job_id in ids]
