"""Crons stored in the database, and the single `tick()` that runs whatever is due.

arq has one frequent cron that calls `tick`; intervals, enabled flags, limits and run-now requests
live in `cron_settings` and are read on every tick, so admin changes apply without a restart.
Each due cron is claimed with a compare-and-set UPDATE, so several workers ticking at once run
it once. Every run — including skipped ones — is a `cron_runs` row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy import select, update
from sqlmodel import Session

from setlist_app.db import insert_for
from setlist_app.models.sync import CronRun, CronSetting
from setlist_app.sync import budget, jobs, planners, status, sweeper
from setlist_app.sync.context import SyncContext

_CRONS = CronSetting.__table__


@dataclass
class TickReport:
    ran: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # name -> reason
    failed: dict[str, str] = field(default_factory=dict)  # name -> error
    jobs_created: int = 0
    enqueued: int = 0
    alert: str | None = None


def ensure_defaults(session: Session, now: datetime) -> None:
    """Insert a cron_settings row for every registered planner; existing (admin-edited) rows stay."""
    for spec in planners.registered_planners().values():
        session.execute(
            insert_for(session, _CRONS)
            .values(
                name=spec.name,
                description=spec.description[:300],
                enabled=spec.enabled,
                essential=spec.essential,
                interval_seconds=spec.interval_seconds,
                limit_per_run=spec.limit_per_run,
                next_run_at=None,
                run_now_requested_at=None,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["name"])
        )


def configure(
    session: Session,
    name: str,
    now: datetime,
    *,
    enabled: bool | None = None,
    interval_seconds: int | None = None,
    limit_per_run: int | None = None,
) -> CronSetting:
    """Admin edit. A shorter interval takes effect at once (the next run is pulled in)."""
    cron = session.get(CronSetting, name)
    if cron is None:
        raise LookupError(f"unknown cron {name!r}")
    if interval_seconds is not None:
        if interval_seconds < 1:
            raise ValueError("interval must be at least one second")
        cron.interval_seconds = interval_seconds
        soonest = now + timedelta(seconds=interval_seconds)
        if cron.next_run_at is None or cron.next_run_at > soonest:
            cron.next_run_at = soonest
    if limit_per_run is not None:
        if limit_per_run < 0:
            raise ValueError("limit must not be negative")
        cron.limit_per_run = limit_per_run
    if enabled is not None:
        cron.enabled = enabled
    cron.updated_at = now
    session.add(cron)
    return cron


def request_run_now(session: Session, name: str, now: datetime) -> None:
    """Admin "run now": honoured by the next tick even if the cron is disabled or throttled."""
    result = session.execute(
        update(_CRONS).where(_CRONS.c.name == name).values(run_now_requested_at=now, updated_at=now)
    )
    if result.rowcount != 1:
        raise LookupError(f"unknown cron {name!r}")


def _claim_due(session: Session, name: str, now: datetime) -> tuple[CronSetting, bool] | None:
    """Claim the cron if it is due: (settings as read, was it a run-now). Commits."""
    row = session.execute(select(_CRONS).where(_CRONS.c.name == name)).one_or_none()
    if row is None:
        return None
    cron = CronSetting.model_validate(dict(row._mapping))
    run_now = cron.run_now_requested_at is not None
    scheduled = cron.enabled and (cron.next_run_at is None or cron.next_run_at <= now)
    if not (run_now or scheduled):
        return None
    claimed = session.execute(
        update(_CRONS)
        .where(
            _CRONS.c.name == name,
            _CRONS.c.next_run_at.is_not_distinct_from(cron.next_run_at),
            _CRONS.c.run_now_requested_at.is_not_distinct_from(cron.run_now_requested_at),
        )
        .values(next_run_at=now + timedelta(seconds=cron.interval_seconds), run_now_requested_at=None)
    ).rowcount
    session.commit()
    return (cron, run_now) if claimed == 1 else None


def _record_run(session: Session, name: str, started: datetime, **values: Any) -> None:
    session.add(CronRun(name=name, started_at=started, **values))
    session.commit()


async def _run_planner(
    ctx: SyncContext, spec: planners.PlannerSpec, cron: CronSetting, now: datetime, report: TickReport
) -> None:
    with ctx.session() as session:
        plan = planners.PlanContext(spec.name, session, now, cron.limit_per_run, ctx)
        try:
            items = await spec.fn(plan)
            session.commit()
        except Exception as exc:
            session.rollback()
            error = f"{type(exc).__name__}: {exc}"
            report.failed[spec.name] = error
            _record_run(session, spec.name, now, finished_at=ctx.now(), status="failed", error=error[:2000])
            return
        report.ran.append(spec.name)
        report.jobs_created += plan.jobs_created
        _record_run(
            session,
            spec.name,
            now,
            finished_at=ctx.now(),
            status="succeeded",
            jobs_created=plan.jobs_created,
            items=items or 0,
        )


async def tick(ctx: SyncContext, now: datetime | None = None, *, queue: ArqRedis | None = None) -> TickReport:
    """Budget check, due planners, due jobs handed to arq (when a queue is given), heartbeat, health."""
    now = now or ctx.now()
    report = TickReport()
    with ctx.session() as session:
        if ctx.redis is not None:
            used = await budget.usage(ctx.redis, now)
            report.alert = budget.evaluate(used, ctx.settings)
            status.set_budget_state(session, now, report.alert)
        else:
            used = budget.BudgetUsage(0, 0)
        state = status.get_status(session)
        kill, paused = state.kill_switch, state.planners_paused
        session.commit()

        for name, spec in planners.registered_planners().items():
            claimed = _claim_due(session, name, now)
            if claimed is None:
                continue
            cron, run_now = claimed
            reason = None
            if kill:
                reason = "kill switch is on"
            elif paused and not cron.essential and not run_now:
                reason = f"paused by the budget alarm: {state.alert}"
            if reason:
                report.skipped[name] = reason
                _record_run(session, name, now, finished_at=now, status="skipped", error=reason)
                continue
            await _run_planner(ctx, spec, cron, now, report)

        if queue is not None and not kill:
            report.enqueued = await sweeper.reenqueue_pending(
                session, queue, now, limit=ctx.settings.sync_dispatch_batch
            )
        depth = jobs.queue_depth(session)
        status.refresh(
            session,
            now,
            phase="paused" if kill else "throttled" if paused else "syncing" if depth else "idle",
            queue_depth=depth,
            jobs_last_minute=used.jobs_last_minute,
            jobs_today=used.jobs_today,
        )
        status.store_health(session, now, ctx.settings)
        session.commit()
    return report
