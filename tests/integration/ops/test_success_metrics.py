"""The audit's success metrics (DESIGN.md §12) from the database: exact windows, skipped runs
counted apart, and the fault drill: forced write conflicts and a job spike turn figures red, and
they turn green again once the window has passed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import CronRun, SyncJob
from setlist_app.services import success_metrics as sm
from setlist_app.sync import kinds, status
from tests.fixtures.clock import FakeClock


def _jobs(
    engine: Engine, kind: str, n: int, at: datetime, *, status: str = "succeeded", result: dict | None = None
) -> None:
    rows = [
        {
            "kind": kind,
            "key": f"{kind}:{at.isoformat()}:{status}:{i}",
            "status": status,
            "requested_by": "planner:test",
            "payload": {},
            "result": result or {},
            "attempts": 1,
            "max_attempts": 3,
            "run_after": at,
            "started_at": at,
            "finished_at": at,
            "created_at": at,
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(insert(SyncJob.__table__), rows)


def _figures(session: Session, now: datetime, calls: list | None = None) -> dict[str, sm.Figure]:
    metrics = sm.compute(session, now, calls or [])
    return {f.target.key: f for f in metrics.figures}


def test_windows_are_exact_and_the_history_has_seven_days(
    session: Session, engine: Engine, clock: FakeClock
) -> None:
    now = clock.t
    _jobs(engine, kinds.CATALOG_SYNC, 3, now - timedelta(minutes=59))
    _jobs(engine, kinds.CATALOG_SYNC, 2, now - timedelta(minutes=61))
    _jobs(engine, kinds.PREDICTION_SEED, 4, now - timedelta(days=3))
    with engine.begin() as conn:
        conn.execute(
            insert(CronRun.__table__),
            [{"name": "catalog_sync", "started_at": now - timedelta(hours=2), "status": "succeeded"}],
        )
    calls = [(now.replace(minute=0, second=0, microsecond=0), {"spotify": 7, "ticketmaster": 3})]
    figures = _figures(session, now, calls)
    assert figures["catalog_syncs_per_hour"].value == 3
    assert figures["jobs_per_hour"].value == 3
    assert figures["calls_per_day"].value == 5 + 1 + 10
    assert figures["prediction_seedings_per_hour"].value == 0
    hourly = figures["jobs_per_hour"].series
    assert len(hourly) == 7 * 24 and sum(n for _, n in hourly) == 9
    daily = figures["calls_per_day"].series
    assert len(daily) == 7 and daily[-1][0].date() == now.date() and sum(n for _, n in daily) == 9 + 1 + 10
    assert all(f.ok for f in figures.values())


def test_success_rate_counts_skipped_runs_apart(session: Session, engine: Engine, clock: FakeClock) -> None:
    now = clock.t
    _jobs(engine, kinds.CATALOG_SYNC, 18, now - timedelta(hours=1))
    _jobs(engine, kinds.CATALOG_SYNC, 30, now - timedelta(hours=1), result={"skipped": "guarded"})
    _jobs(engine, kinds.CATALOG_SYNC, 2, now - timedelta(hours=1), status="failed")
    _jobs(engine, kinds.TM_DISCOVERY, 1, now - timedelta(hours=1), result={"skipped": {"no venue": 3}})
    rates = {r.kind: r for r in sm.compute(session, now, []).rates}
    catalog = rates[kinds.CATALOG_SYNC].last_24h
    assert (catalog.succeeded, catalog.failed, catalog.skipped) == (18, 2, 30)
    assert catalog.rate == 0.9 and not catalog.ok  # skipped runs would have hidden it: 48/50
    assert rates[kinds.TM_DISCOVERY].last_24h.succeeded == 1  # a report of skipped items is a real run
    assert rates[kinds.PREDICTION_SEED].last_24h.rate is None and rates[kinds.PREDICTION_SEED].last_24h.ok
    assert sum(o.failed for _, o in rates[kinds.CATALOG_SYNC].series) == 2


def test_forced_conflicts_and_a_job_spike_turn_the_figures_red_and_back(
    session: Session, engine: Engine, clock: FakeClock
) -> None:
    """The fault drill: conflicts through the one entry point, a burst of catalog syncs."""
    assert sm.compute(session, clock.t, []).ok
    for _ in range(5):
        status.count_write_conflict(engine)
    _jobs(engine, kinds.CATALOG_SYNC, 100, clock.t)
    _jobs(engine, kinds.PREDICTION_SEED, 200, clock.t)
    _jobs(engine, kinds.TM_DISCOVERY, 4700, clock.t)  # 5,000 jobs within the hour in all
    metrics = sm.compute(session, clock.t, [])
    red = {f.target.key for f in metrics.figures if not f.ok}
    assert red == {
        "write_conflicts_per_hour",
        "catalog_syncs_per_hour",
        "prediction_seedings_per_hour",
        "jobs_per_hour",
    }
    assert not metrics.ok

    status.count_write_conflict(engine, 5)  # the daily target: 10
    clock.advance(minutes=61)
    red = {f.target.key for f in sm.compute(session, clock.t, []).figures if not f.ok}
    assert red == {"write_conflicts_per_day"}

    clock.advance(hours=23)
    after = sm.compute(session, clock.t, [])
    assert after.ok
    conflicts = {f.target.key: f for f in after.figures}["write_conflicts_per_day"]
    assert sum(n for _, n in conflicts.series) == 10  # the history keeps them
