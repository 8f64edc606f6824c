"""The sync pipeline's log lines (issue 18 item 2): job start, finish, retry and failure; circuit
open, half-open and close; budget alarm raise and clear; kill switch. Structured: the ids ride as
fields (`extra`), which the JSON formatter writes out. (Write conflicts and the artist breaker:
test_catalog.py.)"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import SyncJob
from setlist_app.providers import breaker
from setlist_app.settings import Settings
from setlist_app.sync import executors, jobs, status
from setlist_app.sync.context import SyncContext
from tests.fixtures.clock import FakeClock
from tests.integration.sync.helpers import make_ctx


async def ok(ctx: SyncContext, job: SyncJob) -> None:
    return None


async def expected_failure(ctx: SyncContext, job: SyncJob) -> None:
    raise jobs.JobFailed("artist not found", retry=False)


async def crash(ctx: SyncContext, job: SyncJob) -> None:
    raise RuntimeError("bug")


REGISTRY = {"ok": ok, "expected": expected_failure, "crash": crash}


def _job(session: Session, kind: str, key: str) -> int:
    job_id = jobs.request(session, kind, key, requested_by="planner:test").job_id
    session.commit()
    return job_id


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == logger]


async def test_job_lines(
    engine: Engine, session: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "setlist_app.sync.executors")
    ctx = make_ctx(engine, settings)
    ok, expected, crashing = (
        _job(session, "ok", "a"),
        _job(session, "expected", "b"),
        _job(session, "crash", "c"),
    )
    for job_id in (ok, expected, crashing):
        await executors.run_job(job_id, ctx, registry=REGISTRY)
    assert _lines(caplog, "setlist_app.sync.executors") == [
        ("INFO", "sync job started"),
        ("INFO", "sync job finished"),
        ("INFO", "sync job started"),
        ("ERROR", "sync job expected failed: artist not found"),
        ("INFO", "sync job started"),
        ("WARNING", "sync job crash will retry: RuntimeError: bug"),
    ]
    first = next(r for r in caplog.records if r.getMessage() == "sync job started")
    assert (first.key, first.attempt) == ("a", 1)  # type: ignore[attr-defined]


def test_circuit_lines(session: Session, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "setlist_app.providers.breaker")
    policy = breaker.CircuitPolicy(failure_threshold=2)
    for _ in range(3):  # the second opens it; the third finds it open (no second line)
        breaker.record_failure(session, "setlistfm", clock.t, "HTTP 503", policy=policy)
        clock.advance(seconds=1)
    clock.advance(seconds=policy.cooldown.total_seconds() + 1)
    assert breaker.allow_request(session, "setlistfm", clock.t, policy)
    breaker.record_success(session, "setlistfm", clock.t)
    breaker.record_success(session, "setlistfm", clock.t)  # already closed: no line
    assert _lines(caplog, "setlist_app.providers.breaker") == [
        ("WARNING", "circuit opened: setlistfm calls suspended: HTTP 503"),
        ("INFO", "circuit half-open: probing setlistfm"),
        ("INFO", "circuit closed: setlistfm is answering again"),
    ]
    assert all(r.provider == "setlistfm" for r in caplog.records if r.name.endswith("breaker"))  # type: ignore[attr-defined]


def test_alarm_and_kill_switch_lines(
    session: Session, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "setlist_app.sync.status")
    status.set_budget_state(session, clock.t, "1500 jobs/min exceeds the spike threshold of 1000")
    status.set_budget_state(
        session, clock.t, "1600 jobs/min exceeds the spike threshold of 1000"
    )  # still raised
    status.set_budget_state(session, clock.t, None)
    status.set_kill_switch(session, True, clock.t)
    status.set_kill_switch(session, False, clock.t)
    assert _lines(caplog, "setlist_app.sync.status") == [
        (
            "WARNING",
            "budget alarm raised: non-essential planners paused: 1500 jobs/min exceeds the spike threshold of 1000",
        ),
        ("INFO", "budget alarm cleared: planners resume"),
        ("WARNING", "kill switch on: planners and dispatch paused"),
        ("WARNING", "kill switch off: planners resume"),
    ]
