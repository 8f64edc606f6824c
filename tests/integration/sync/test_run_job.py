"""run_job: claim, run inside the executor scope, record the outcome on the row and in sync_status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import SyncJob
from setlist_app.settings import Settings
from setlist_app.sync import budget, executors, jobs, status
from setlist_app.sync.context import SyncContext
from tests.fixtures.clock import NOW, FakeClock
from tests.integration.sync.helpers import job_count, make_ctx

calls: list[str] = []


async def ok(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    calls.append(job.key)
    return {"done": job.key}


async def expected_failure(ctx: SyncContext, job: SyncJob) -> None:
    raise jobs.JobFailed("artist not found", retry=False)


async def crash(ctx: SyncContext, job: SyncJob) -> None:
    raise RuntimeError("bug")


async def cascade(ctx: SyncContext, job: SyncJob) -> None:
    """What the predecessor did: a finished sync scheduling more work."""
    with ctx.session() as s:
        jobs.request(s, "predictions", f"artist:{job.key}", requested_by="planner:catalog")
        s.commit()


REGISTRY = {"ok": ok, "expected": expected_failure, "crash": crash, "cascade": cascade}


def _job(session: Session, kind: str, key: str = "1", **kw: Any) -> int:
    job_id = jobs.request(session, kind, key, requested_by="planner:test", now=NOW, **kw).job_id
    session.commit()
    return job_id


async def test_success_updates_row_status_and_budget(
    engine: Engine, session: Session, settings: Settings, aredis: Redis
) -> None:
    ctx = make_ctx(engine, settings, redis=aredis)
    job_id = _job(session, "ok", "x")
    outcome = await executors.run_job(job_id, ctx, registry=REGISTRY)
    assert outcome.status == "succeeded" and outcome.result == {"done": "x"}
    assert (await executors.run_job(job_id, ctx, registry=REGISTRY)).status == "not_claimed"
    row = session.get(SyncJob, job_id)
    assert row.status == "succeeded" and row.attempts == 1 and row.finished_at == NOW
    assert status.get_status(session).last_success == {"ok": NOW.isoformat()}
    assert (await budget.usage(aredis, NOW)).jobs_today == 1


async def test_failures_are_recorded_and_retried_only_when_retryable(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    ctx = make_ctx(engine, settings, clock=clock)
    expected = _job(session, "expected")
    crashing = _job(session, "crash")
    unknown = _job(session, "nobody-runs-this")
    assert (await executors.run_job(expected, ctx, registry=REGISTRY)).status == "failed"
    assert (await executors.run_job(crashing, ctx, registry=REGISTRY)).status == "pending"
    assert (await executors.run_job(unknown, ctx, registry=REGISTRY)).status == "failed"
    # The crash is retried after its backoff; a third crash is final.
    for attempt in (2, 3):
        assert (await executors.run_job(crashing, ctx, registry=REGISTRY)).status == "not_claimed"
        clock.advance(seconds=settings.sync_retry_base_seconds * 2 ** (attempt - 2))
        outcome = await executors.run_job(crashing, ctx, registry=REGISTRY)
        assert outcome.status == ("pending" if attempt < 3 else "failed")
    session.expire_all()
    assert session.get(SyncJob, crashing).attempts == 3
    failures = status.get_status(session).last_failure
    assert set(failures) == {"expected", "crash", "nobody-runs-this"}
    assert "RuntimeError: bug" in failures["crash"]["error"]


async def test_an_executor_that_requests_a_job_fails_and_creates_nothing(
    engine: Engine, session: Session, settings: Settings
) -> None:
    ctx = make_ctx(engine, settings)
    job_id = _job(session, "cascade")
    outcome = await executors.run_job(job_id, ctx, registry=REGISTRY)
    assert outcome.status == "pending" and "JobCreationInExecutorError" in outcome.error
    assert job_count(session) == 1


async def test_kill_switch_stops_claims(engine: Engine, session: Session, settings: Settings) -> None:
    ctx = make_ctx(engine, settings)
    job_id = _job(session, "ok", "k")
    status.set_kill_switch(session, True, NOW)
    session.commit()
    assert (await executors.run_job(job_id, ctx, registry=REGISTRY)).status == "paused"
    status.set_kill_switch(session, False, NOW)
    session.commit()
    assert (await executors.run_job(job_id, ctx, registry=REGISTRY)).status == "succeeded"


async def test_run_due_runs_only_due_jobs(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    ctx = make_ctx(engine, settings, clock=clock)
    calls.clear()
    _job(session, "ok", "now")
    _job(session, "ok", "later", run_after=NOW + timedelta(hours=1))
    # run_due uses the global registry; register the test executor for its duration.
    executors.executor("ok")(ok)
    try:
        assert [o.status for o in await executors.run_due(ctx)] == ["succeeded"]
        clock.advance(hours=1)
        assert [o.status for o in await executors.run_due(ctx)] == ["succeeded"]
    finally:
        executors._EXECUTORS.pop("ok")
    assert calls == ["now", "later"]
