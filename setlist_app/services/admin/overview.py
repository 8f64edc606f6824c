"""Overview: counts, sync health, kill switch, alert acknowledgement and recent errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist, Show, ShowStatus, Song
from setlist_app.models.ops import AdminAuditLog, ErrorLog
from setlist_app.models.sync import CronRun, JobStatus, SyncJob
from setlist_app.models.users import User
from setlist_app.models.voting import Activity
from setlist_app.services.admin.audit import AdminError, perform
from setlist_app.settings import get_settings
from setlist_app.sync import jobs as gateway
from setlist_app.sync import status

VOTE_KINDS = ("vote", "add_song")  # activity kinds that cast a vote (an add carries the adder's vote)
ACK_ACTION = "alert.acknowledge"


def _count(session: Session, table: object, *where: object) -> int:
    return int(session.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def counts(session: Session, now: datetime | None = None) -> dict[str, int]:
    """The headline numbers. Votes come from counters and the indexed activity feed, not a scan."""
    now = now or utcnow()
    shows = Show.__table__
    midnight = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    activity = Activity.__table__
    return {
        "users": _count(session, User.__table__),
        "artists": _count(session, Artist.__table__),
        "shows_upcoming": _count(session, shows, shows.c.status == ShowStatus.UPCOMING.value),
        "shows_completed": _count(session, shows, shows.c.status == ShowStatus.COMPLETED.value),
        "songs": _count(session, Song.__table__),
        "votes": int(session.execute(select(func.coalesce(func.sum(shows.c.vote_count), 0))).scalar_one()),
        "votes_today": _count(
            session, activity, activity.c.created_at >= midnight, activity.c.kind.in_(VOTE_KINDS)
        ),
    }


@dataclass(frozen=True)
class HealthView:
    level: str  # ok | degraded | down (the banner's levels)
    message: str
    phase: str
    queue_depth: int
    open_circuits: int
    jobs_last_minute: int
    jobs_today: int
    heartbeat_at: datetime | None
    heartbeat_age_seconds: float | None
    kill_switch: bool
    planners_paused: bool
    alert: str
    alert_raised_at: datetime | None
    alert_acknowledged_by: str  # empty when the current alert is not acknowledged
    write_conflicts: int


def _acknowledged_by(session: Session, raised_at: datetime | None) -> str:
    if raised_at is None:
        return ""
    log, users = AdminAuditLog.__table__, User.__table__
    row = session.execute(
        select(users.c.name, log.c.admin_user_id)
        .select_from(log.outerjoin(users, users.c.id == log.c.admin_user_id))
        .where(
            log.c.action == ACK_ACTION, log.c.target == raised_at.isoformat(), log.c.result.startswith("ok")
        )
        .order_by(log.c.created_at.desc())
        .limit(1)
    ).one_or_none()
    return "" if row is None else (row.name or f"user {row.admin_user_id}")


def health(session: Session, now: datetime | None = None) -> HealthView:
    """sync_status plus the banner's verdict (`status.read_health`) and live gauges."""
    now = now or utcnow()
    verdict = status.read_health(session, now, get_settings())
    row = status.get_status(session)
    beat = row.worker_heartbeat_at
    return HealthView(
        level=verdict.level,
        message=verdict.message,
        phase=row.phase,
        queue_depth=gateway.queue_depth(session),
        open_circuits=status.count_open_circuits(session),
        jobs_last_minute=row.jobs_last_minute,
        jobs_today=row.jobs_today,
        heartbeat_at=beat,
        heartbeat_age_seconds=None if beat is None else max(0.0, (now - beat).total_seconds()),
        kill_switch=row.kill_switch,
        planners_paused=row.planners_paused,
        alert=row.alert or "",
        alert_raised_at=row.alert_raised_at,
        alert_acknowledged_by=_acknowledged_by(session, row.alert_raised_at) if row.alert else "",
        write_conflicts=row.write_conflicts,
    )


def set_kill_switch(session: Session, actor: Viewer, on: bool) -> bool:
    """Pause (on) or resume (off) every planner and job dispatch."""

    def run() -> bool:
        status.set_kill_switch(session, bool(on), utcnow())
        return bool(on)

    return perform(
        session,
        actor,
        "kill_switch.on" if on else "kill_switch.off",
        run,
        target="sync",
        arguments={"on": bool(on)},
    )


def acknowledge_alert(session: Session, actor: Viewer) -> str:
    """Record that an admin has seen the current budget/spike alert (it stays until it clears)."""
    row = status.get_status(session)
    raised = row.alert_raised_at

    def run() -> str:
        if not row.alert or raised is None:
            raise AdminError("There is no alert to acknowledge")
        return row.alert

    return perform(
        session,
        actor,
        ACK_ACTION,
        run,
        target=raised.isoformat() if raised else None,
        arguments={"alert": row.alert or ""},
    )


@dataclass(frozen=True)
class ErrorRow:
    at: datetime
    source: str  # error_log source, "job:<kind>" or "cron:<name>"
    message: str
    ref: str  # job id / cron run id / error id


def recent_errors(
    session: Session, *, hours: int = 24, limit: int = 20, now: datetime | None = None
) -> list[ErrorRow]:
    """Newest errors of the last `hours`: recorded errors, failed sync jobs and failed cron runs."""
    since = (now or utcnow()) - timedelta(hours=hours)
    errors, jobs, runs = ErrorLog.__table__, SyncJob.__table__, CronRun.__table__
    rows = [
        ErrorRow(r.created_at, r.source, r.message, f"error {r.id}")
        for r in session.execute(
            select(errors)
            .where(errors.c.created_at >= since)
            .order_by(errors.c.created_at.desc())
            .limit(limit)
        )
    ]
    rows += [
        ErrorRow(r.finished_at, f"job:{r.kind}", r.error or "failed", f"job {r.id}")
        for r in session.execute(
            select(jobs.c.id, jobs.c.kind, jobs.c.error, jobs.c.finished_at)
            .where(jobs.c.status == JobStatus.FAILED.value, jobs.c.finished_at >= since)
            .order_by(jobs.c.finished_at.desc())
            .limit(limit)
        )
    ]
    rows += [
        ErrorRow(r.started_at, f"cron:{r.name}", r.error or "failed", f"run {r.id}")
        for r in session.execute(
            select(runs.c.id, runs.c.name, runs.c.error, runs.c.started_at)
            .where(runs.c.status == "failed", runs.c.started_at >= since)
            .order_by(runs.c.started_at.desc())
            .limit(limit)
        )
    ]
    return sorted(rows, key=lambda e: e.at, reverse=True)[:limit]
