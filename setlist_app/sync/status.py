"""The sync_status singleton: what the pipeline is doing and how healthy it is.

Every writer updates only its own columns with short statements; the JSON maps of last
success/failure per kind are read-modified-written under a row lock so concurrent workers
cannot drop each other's keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import event, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from setlist_app import clock
from setlist_app.models.sync import ProviderCircuit, SyncStatus, WriteConflict
from setlist_app.observability import metrics
from setlist_app.settings import Settings, get_settings

HealthLevel = Literal["ok", "syncing", "degraded", "down"]
WriteConflictKind = Literal["version", "deadlock", "serialization"]
_STATUS = SyncStatus.__table__
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    level: HealthLevel
    message: str  # a human sentence for the banner; empty when ok


def get_status(session: Session, *, for_update: bool = False) -> SyncStatus:
    """The singleton row (created by the first migration; recreated if someone deleted it)."""
    stmt = select(SyncStatus).where(_STATUS.c.id == 1)
    if for_update:
        # Re-read under the lock: the identity map may hold an older copy of the row.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        row = SyncStatus(id=1)
        session.add(row)
        session.flush()
    return row


def _update(session: Session, **values: Any) -> None:
    if session.execute(update(_STATUS).where(_STATUS.c.id == 1).values(**values)).rowcount == 0:
        get_status(session)  # the row was deleted: recreate it, then apply
        session.execute(update(_STATUS).where(_STATUS.c.id == 1).values(**values))


def record_outcome(session: Session, kind: str, now: datetime, *, error: str | None = None) -> None:
    """Remember the last success (error=None) or failure of a job kind."""
    row = get_status(session, for_update=True)
    if error is None:
        row.last_success = {**row.last_success, kind: now.isoformat()}
    else:
        row.last_failure = {**row.last_failure, kind: {"at": now.isoformat(), "error": error[:300]}}
    row.updated_at = now
    session.add(row)


def count_write_conflict(engine: Engine, n: int = 1, *, kind: WriteConflictKind = "version") -> None:
    """Count write conflicts in their own transaction so a rollback cannot lose them: the running
    total in sync_status and a timed `write_conflicts` row (the per-hour and per-day figures).

    `kind`: "version" (an optimistic artist update lost its race), "deadlock" or "serialization"
    (the database aborted a transaction that was then retried). All count toward the one figure
    the dashboard and the budget show; `/metrics` splits them by kind.
    """
    metrics.WRITE_CONFLICTS.labels(kind).inc(n)
    with engine.begin() as conn:
        conn.execute(
            update(_STATUS).where(_STATUS.c.id == 1).values(write_conflicts=_STATUS.c.write_conflicts + n)
        )
        conn.execute(insert(WriteConflict.__table__).values(at=clock.now(), count=n))


_PENDING_CONFLICTS = "setlist_app.pending_write_conflicts"


def count_write_conflict_after(session: Session) -> None:
    """Count one artist write conflict once the session's transaction ends, committed or not.

    In a transaction of its own, so a rollback cannot lose it, and after the session's: by the time
    a conditional UPDATE finds it lost a race, that UPDATE has begun the session's write, and on
    SQLite (one writer at a time) a second connection writing meanwhile would wait on the session's
    lock until "database is locked". PostgreSQL counts at the same moment: one behaviour on both.
    """
    pending = session.info.get(_PENDING_CONFLICTS)
    if pending is None:
        event.listen(session, "after_transaction_end", _count_pending_conflicts)
    session.info[_PENDING_CONFLICTS] = (pending or 0) + 1


def _count_pending_conflicts(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or not session.info.get(_PENDING_CONFLICTS):
        return  # a savepoint ended (the transaction goes on), or nothing to count
    n, session.info[_PENDING_CONFLICTS] = session.info[_PENDING_CONFLICTS], 0
    try:
        count_write_conflict(session.get_bind().engine, n)
    except SQLAlchemyError:  # the session's own work is done: a lost count must not fail it
        _log.exception("could not count %d artist write conflict(s)", n)


def count_open_circuits(session: Session) -> int:
    table = ProviderCircuit.__table__
    return session.execute(
        select(func.count()).select_from(table).where(table.c.state != "closed")
    ).scalar_one()


def refresh(
    session: Session,
    now: datetime,
    *,
    phase: str,
    queue_depth: int,
    jobs_last_minute: int,
    jobs_today: int,
) -> None:
    """Heartbeat, phase and the current gauges (written by every tick)."""
    _update(
        session,
        phase=phase,
        worker_heartbeat_at=now,
        queue_depth=queue_depth,
        open_circuits=count_open_circuits(session),
        jobs_last_minute=jobs_last_minute,
        jobs_today=jobs_today,
        updated_at=now,
    )


def set_budget_state(session: Session, now: datetime, alert: str | None) -> None:
    """Raise (pausing non-essential planners) or clear the budget/spike alert."""
    row = get_status(session, for_update=True)
    if alert is None:
        if row.alert is not None:
            _log.info("budget alarm cleared: planners resume", extra={"alert": row.alert})
        row.alert, row.planners_paused = None, False
    else:
        if row.alert is None:
            row.alert_raised_at = now
            _log.warning("budget alarm raised: non-essential planners paused: %s", alert)
        row.alert, row.planners_paused = alert[:500], True
    row.updated_at = now
    session.add(row)


def set_kill_switch(session: Session, on: bool, now: datetime) -> None:
    """Admin kill switch: pauses every planner and stops claiming jobs (the health shows it at once)."""
    _update(session, kill_switch=on, updated_at=now)
    _log.warning("kill switch %s", "on: planners and dispatch paused" if on else "off: planners resume")
    store_health(session, now)


def _recent_unresolved_failures(row: SyncStatus, now: datetime, window: timedelta) -> list[str]:
    kinds = []
    for kind, failure in row.last_failure.items():
        failed_at = datetime.fromisoformat(failure["at"])
        succeeded = row.last_success.get(kind)
        if now - failed_at <= window and (succeeded is None or datetime.fromisoformat(succeeded) < failed_at):
            kinds.append(kind)
    return sorted(kinds)


def read_health(session: Session, now: datetime, settings: Settings | None = None) -> Health:
    """The health verdict — the one rule the banner, `/readyz`, the dashboard and `/metrics` use:
    down (no live worker), degraded (paused, alert, open circuits, failures), syncing (progress) or ok."""
    return _verdict(session, get_status(session), now, settings or get_settings())


def store_health(session: Session, now: datetime, settings: Settings | None = None) -> Health:
    """Write the verdict into `sync_status.health` (every tick, and when the kill switch flips), so
    the row holds the health the banner shows. A dead worker cannot write "down": readers that find
    its heartbeat stale report it through `read_health`."""
    verdict = _verdict(session, get_status(session, for_update=True), now, settings or get_settings())
    _update(session, health=verdict.level)
    return verdict


def _verdict(session: Session, row: SyncStatus, now: datetime, settings: Settings) -> Health:
    stale = timedelta(seconds=settings.sync_heartbeat_stale_seconds)
    if row.worker_heartbeat_at is None or now - row.worker_heartbeat_at > stale:
        return Health("down", "Background sync is not running, so new shows and setlists may be missing.")
    if row.kill_switch:
        return Health("degraded", "Background sync is paused by an administrator.")
    problems: list[str] = []
    if row.planners_paused and row.alert:
        problems.append(f"sync is throttled ({row.alert})")
    open_circuits = count_open_circuits(session)
    if open_circuits:
        problems.append(f"{open_circuits} music data provider(s) are unavailable")
    failing = _recent_unresolved_failures(row, now, timedelta(seconds=settings.sync_failure_window_seconds))
    if failing:
        problems.append(f"recent {', '.join(k.replace('_', ' ') for k in failing)} jobs failed")
    if problems:
        return Health("degraded", "Some data may be out of date: " + "; ".join(problems) + ".")
    if row.message:  # first-run progress ("Importing catalogs: 12/22 artists"), shown as information
        return Health("syncing", row.message)
    return Health("ok", "")
