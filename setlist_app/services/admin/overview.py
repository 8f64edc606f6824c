"""Overview: counts, sync health, kill switch, the alert history (acknowledge) and recent errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist, Show, ShowStatus, Song
from setlist_app.models.ops import Alert, ErrorLog
from setlist_app.models.sync import CronRun, JobStatus, SyncJob
from setlist_app.models.users import User
from setlist_app.models.voting import Activity
from setlist_app.services.admin.audit import perform
from setlist_app.settings import get_settings
from setlist_app.sync import alerts, status
from setlist_app.sync import jobs as gateway

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
    write_conflicts: int


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


def acknowledge_alert(session: Session, actor: Viewer, alert_id: int) -> str:
    """An admin has seen a raised alert: it stays listed, marked, and sends no reminder until it
    clears (a new occurrence is a new alert and notifies again)."""

    def run() -> str:
        return alerts.acknowledge(session, alert_id, actor.user_id, utcnow()).key

    return perform(session, actor, ACK_ACTION, run, target=f"alert {alert_id}")


@dataclass(frozen=True)
class AlertRow:
    id: int
    key: str
    message: str
    raised_at: datetime
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    webhook: str  # what happened to its messages: sent | pending | failing | given up | off


def _webhook_state(row: Alert, url_set: bool) -> str:
    if row.send_abandoned:
        return "given up"
    pending = row.raise_sent_at is None or (row.cleared_at is not None and row.clear_sent_at is None)
    if not pending:
        return "sent"
    if not url_set:
        return "off"
    return "failing" if row.send_attempts else "pending"


def alert_history(session: Session, limit: int = 20) -> list[AlertRow]:
    """Raised alerts first, then the most recent cleared ones, with who acknowledged them."""
    rows = alerts.history(session, limit)
    ids = {r.acknowledged_by_user_id for r in rows if r.acknowledged_by_user_id is not None}
    users = User.__table__
    names = dict(session.execute(select(users.c.id, users.c.name).where(users.c.id.in_(ids))).tuples().all())
    url_set = bool(get_settings().alert_webhook_url)
    return [
        AlertRow(
            id=r.id or 0,
            key=r.key,
            message=r.message,
            raised_at=r.raised_at,
            cleared_at=r.cleared_at,
            acknowledged_at=r.acknowledged_at,
            acknowledged_by=(names.get(r.acknowledged_by_user_id) or f"user {r.acknowledged_by_user_id}")
            if r.acknowledged_by_user_id is not None
            else ("someone" if r.acknowledged_at else ""),
            webhook=_webhook_state(r, url_set),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ErrorRow:
    at: datetime
    source: str  # error_log source, "job:<kind>" or "cron:<name>"
    message: str
    ref: str  # job id / cron run id / error id
    count: int = 1  # occurrences folded into a recorded error


@dataclass(frozen=True)
class ErrorDetail:
    ref: str
    source: str
    message: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    context: str  # "job_id=12 job_kind=catalog_sync" or the job/cron run it came from
    detail: str  # traceback or error text


def error_detail(session: Session, ref: str) -> ErrorDetail:
    """The full record behind a "Recent errors" row (`ref` as listed: "error 3", "job 7", "run 2")."""
    kind, _, raw = ref.partition(" ")
    if not raw.isdigit() or kind not in ("error", "job", "run"):
        raise LookupError(f"unknown error reference {ref!r}")
    if kind == "error":
        e = session.get(ErrorLog, int(raw))
        if e is None:
            raise LookupError(f"no {ref}")
        ids = " ".join(f"{k}={v}" for k, v in sorted(e.context.items()))
        return ErrorDetail(
            ref,
            e.source,
            e.message,
            e.count,
            e.created_at,
            e.last_seen_at or e.created_at,
            ids,
            e.detail or "",
        )
    if kind == "job":
        j = session.get(SyncJob, int(raw))
        if j is None:
            raise LookupError(f"no {ref}")
        context = f"kind={j.kind} key={j.key} attempts={j.attempts}/{j.max_attempts}"
        return ErrorDetail(
            ref,
            f"job:{j.kind}",
            (j.error or "failed")[:1000],
            1,
            j.finished_at,
            j.finished_at,
            context,
            j.error or "",
        )
    r = session.get(CronRun, int(raw))
    if r is None:
        raise LookupError(f"no {ref}")
    return ErrorDetail(
        ref,
        f"cron:{r.name}",
        (r.error or "failed")[:1000],
        1,
        r.started_at,
        r.finished_at,
        f"cron={r.name}",
        r.error or "",
    )


def recent_errors(
    session: Session, *, hours: int = 24, limit: int = 20, now: datetime | None = None
) -> list[ErrorRow]:
    """Newest errors of the last `hours`: recorded errors, failed sync jobs and failed cron runs."""
    since = (now or utcnow()) - timedelta(hours=hours)
    errors, jobs, runs = ErrorLog.__table__, SyncJob.__table__, CronRun.__table__
    rows = [
        ErrorRow(r.last_seen_at or r.created_at, r.source, r.message, f"error {r.id}", r.count)
        for r in session.execute(
            select(errors)
            .where(func.coalesce(errors.c.last_seen_at, errors.c.created_at) >= since)
            .order_by(func.coalesce(errors.c.last_seen_at, errors.c.created_at).desc())
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
