"""Crons: list with their last runs, enable/disable, interval, run now (via `sync.crons`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.sync import CronRun, CronSetting
from setlist_app.services.admin.audit import AdminError, perform
from setlist_app.sync import crons as sync_crons
from setlist_app.sync import status

_RUNS = CronRun.__table__
MIN_INTERVAL_SECONDS = 10
MAX_INTERVAL_SECONDS = 7 * 86400


@dataclass(frozen=True)
class RunRow:
    id: int
    name: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    jobs_created: int
    items: int
    error: str


@dataclass(frozen=True)
class CronRow:
    name: str
    description: str
    enabled: bool
    essential: bool
    interval_seconds: int
    limit_per_run: int
    next_run_at: datetime | None
    run_now_requested: bool
    last_runs: list[RunRow] = field(default_factory=list)


def _run_row(r: CronRun) -> RunRow:
    return RunRow(
        id=r.id or 0,
        name=r.name,
        started_at=r.started_at,
        finished_at=r.finished_at,
        status=r.status,
        jobs_created=r.jobs_created,
        items=r.items,
        error=r.error or "",
    )


def list_crons(session: Session, *, runs_per_cron: int = 5) -> list[CronRow]:
    """Every cron with its last few runs (one windowed query, not one per cron)."""
    ranked = select(
        _RUNS,
        func.row_number().over(partition_by=_RUNS.c.name, order_by=_RUNS.c.started_at.desc()).label("rn"),
    ).subquery()
    recent = session.execute(
        select(ranked).where(ranked.c.rn <= runs_per_cron).order_by(ranked.c.name, ranked.c.started_at.desc())
    ).all()
    by_name: dict[str, list[RunRow]] = {}
    for r in recent:
        by_name.setdefault(r.name, []).append(
            RunRow(
                r.id, r.name, r.started_at, r.finished_at, r.status, r.jobs_created, r.items, r.error or ""
            )
        )
    return [
        CronRow(
            name=c.name,
            description=c.description,
            enabled=c.enabled,
            essential=c.essential,
            interval_seconds=c.interval_seconds,
            limit_per_run=c.limit_per_run,
            next_run_at=c.next_run_at,
            run_now_requested=c.run_now_requested_at is not None,
            last_runs=by_name.get(c.name, []),
        )
        for c in session.execute(select(CronSetting).order_by(CronSetting.name)).scalars()
    ]


def runs(session: Session, name: str, limit: int = 20) -> list[RunRow]:
    rows = session.execute(
        select(CronRun).where(CronRun.name == name).order_by(_RUNS.c.started_at.desc()).limit(limit)
    ).scalars()
    return [_run_row(r) for r in rows]


def set_enabled(session: Session, actor: Viewer, name: str, enabled: bool) -> bool:
    def run() -> bool:
        sync_crons.configure(session, name, utcnow(), enabled=bool(enabled))
        return bool(enabled)

    return perform(
        session,
        actor,
        "cron.enable" if enabled else "cron.disable",
        run,
        target=f"cron:{name}",
        arguments={"name": name, "enabled": bool(enabled)},
    )


def set_interval(session: Session, actor: Viewer, name: str, interval_seconds: int) -> int:
    def run() -> int:
        try:
            seconds = int(interval_seconds)
        except (TypeError, ValueError):
            raise AdminError("The interval must be a whole number of seconds") from None
        if not MIN_INTERVAL_SECONDS <= seconds <= MAX_INTERVAL_SECONDS:
            raise AdminError(f"The interval must be between {MIN_INTERVAL_SECONDS} s and 7 days")
        sync_crons.configure(session, name, utcnow(), interval_seconds=seconds)
        return seconds

    return perform(
        session,
        actor,
        "cron.interval",
        run,
        target=f"cron:{name}",
        arguments={"name": name, "interval_seconds": interval_seconds},
    )


def budget_alarm(session: Session) -> str:
    """The raised budget/spike alarm ("" when none): "Run now" then needs a confirmed reason."""
    return status.get_status(session).alert or ""


def run_now(session: Session, actor: Viewer, name: str, *, reason: str = "", confirmed: bool = False) -> None:
    """Honoured by the worker's next tick, even for a disabled cron and past the budget pause. While
    the budget alarm is raised that bypass is deliberate: it needs the admin's confirmation and a
    reason, and the audit log keeps both with the alarm."""
    alarm = budget_alarm(session)
    reason = (reason or "").strip()[:300]
    arguments: dict[str, object] = {"name": name}
    if alarm:
        arguments |= {"budget_alarm": alarm, "confirmed": bool(confirmed), "reason": reason}

    def run() -> None:
        if alarm and not (confirmed and reason):
            raise AdminError("The budget alarm is raised: confirm and give a reason to run it now anyway")
        sync_crons.request_run_now(session, name, utcnow())

    perform(session, actor, "cron.run_now", run, target=f"cron:{name}", arguments=arguments)
