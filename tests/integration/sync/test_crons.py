"""crons.tick on a fake clock: DB schedules, run-now, cron_runs, budget alarm, kill switch, health."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import CronRun, CronSetting
from setlist_app.providers import request_counter
from setlist_app.settings import Settings
from setlist_app.sync import budget, crons, planners, status
from tests.fixtures.clock import NOW, FakeClock
from tests.integration.sync.helpers import job_count, make_ctx

runs: list[str] = []


async def fill(p: planners.PlanContext) -> int:
    """Requests one job per key 0..99 — more than any limit, to prove the cap."""
    runs.append(p.name)
    for i in range(100):
        if p.remaining == 0:
            break
        p.request("fill", str(i))
    return 100


async def broken(p: planners.PlanContext) -> int:
    p.request("broken", "1")
    raise RuntimeError("planner bug")


@pytest.fixture
def test_planners(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    runs.clear()
    registry = {
        "filler": planners.PlannerSpec("filler", fill, 600, 5, False, "test"),
        "essential": planners.PlannerSpec("essential", fill, 60, 2, True, "test"),
        "broken": planners.PlannerSpec("broken", broken, 600, 5, False, "test"),
    }
    monkeypatch.setattr(planners, "_PLANNERS", registry)
    yield


def _runs(session: Session) -> list[tuple[str, str, int]]:
    rows = session.scalars(select(CronRun).order_by(CronRun.id)).all()
    return [(r.name, r.status, r.jobs_created) for r in rows]


@pytest.mark.usefixtures("test_planners")
async def test_schedule_limits_run_now_and_live_config(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    ctx = make_ctx(engine, settings, clock=clock)
    crons.ensure_defaults(session, NOW)
    session.commit()
    report = await crons.tick(ctx)
    assert sorted(report.ran) == ["essential", "filler"] and "broken" in report.failed
    # limit_per_run caps each run; active duplicates do not count against it.
    assert job_count(session, kind="fill") == 7
    assert job_count(session, kind="broken") == 0  # the failed planner's transaction was rolled back
    assert sorted(_runs(session)) == [
        ("broken", "failed", 0),
        ("essential", "succeeded", 2),
        ("filler", "succeeded", 5),
    ]

    clock.advance(seconds=30)
    assert (await crons.tick(ctx)).ran == []  # nothing due
    clock.advance(seconds=30)
    assert (await crons.tick(ctx)).ran == ["essential"]

    # Admin edits are read at run time: a disabled cron stops, run-now still runs it once,
    # and a shorter interval pulls the next run in.
    crons.configure(session, "filler", clock(), enabled=False)
    crons.configure(session, "essential", clock(), interval_seconds=3600, limit_per_run=50)
    session.commit()
    clock.advance(seconds=600)
    assert sorted((await crons.tick(ctx)).ran) == ["essential"]
    assert job_count(session, kind="fill") == 9 + 50
    crons.request_run_now(session, "filler", clock())
    session.commit()
    assert (await crons.tick(ctx)).ran == ["filler"]
    assert (await crons.tick(ctx)).ran == []
    crons.configure(session, "essential", clock(), interval_seconds=60)
    session.commit()
    clock.advance(seconds=60)
    assert (await crons.tick(ctx)).ran == ["essential"]
    with pytest.raises(LookupError):
        crons.request_run_now(session, "nope", clock())


@pytest.mark.usefixtures("test_planners")
async def test_defaults_do_not_overwrite_admin_edits(engine: Engine, session: Session) -> None:
    crons.ensure_defaults(session, NOW)
    crons.configure(session, "filler", NOW, interval_seconds=42)
    session.commit()
    crons.ensure_defaults(session, NOW)
    session.commit()
    session.expire_all()
    assert session.get(CronSetting, "filler").interval_seconds == 42


@pytest.mark.usefixtures("test_planners")
async def test_spike_alarm_pauses_non_essential_planners(
    engine: Engine, session: Session, settings: Settings, aredis: Redis
) -> None:
    settings.sync_jobs_per_minute_alert = 10
    ctx = make_ctx(engine, settings, redis=aredis)
    crons.ensure_defaults(session, NOW)
    crons.configure(session, "broken", NOW, enabled=False)
    session.commit()
    for _ in range(11):
        await budget.count_job(aredis, NOW)
    report = await crons.tick(ctx, NOW)
    assert report.alert and "11 jobs/min" in report.alert
    assert report.ran == ["essential"] and "filler" in report.skipped
    row = status.get_status(session)
    assert row.planners_paused and row.alert_raised_at == NOW and row.jobs_last_minute == 11
    assert read_level(session, NOW) == ("degraded", "throttled")
    assert ("filler", "skipped", 0) in _runs(session)

    # Two minutes later the spike has passed: planners resume, the alert clears.
    report = await crons.tick(ctx, NOW + timedelta(minutes=12))
    assert report.alert is None and sorted(report.ran) == ["essential", "filler"]
    session.expire_all()
    assert not status.get_status(session).planners_paused


@pytest.mark.usefixtures("test_planners")
async def test_daily_and_provider_budgets(settings: Settings, aredis: Redis) -> None:
    settings.sync_jobs_per_day_budget = 3
    settings.sync_provider_calls_per_day_budget = 5
    for _ in range(3):
        await budget.count_job(aredis, NOW)
    await request_counter.count_provider_call(aredis, "spotify", NOW, 5)
    used = await budget.usage(aredis, NOW)
    assert used.calls_today == {"spotify": 5} and budget.evaluate(used, settings) is None
    await request_counter.count_provider_call(aredis, "spotify", NOW)
    assert "spotify calls" in budget.evaluate(await budget.usage(aredis, NOW), settings)
    await budget.count_job(aredis, NOW + timedelta(minutes=5))
    assert "daily budget" in budget.evaluate(await budget.usage(aredis, NOW), settings)
    assert (await budget.usage(aredis, NOW + timedelta(days=1))).jobs_today == 0


@pytest.mark.usefixtures("test_planners")
async def test_kill_switch_pauses_every_planner(engine: Engine, session: Session, settings: Settings) -> None:
    ctx = make_ctx(engine, settings)
    crons.ensure_defaults(session, NOW)
    status.set_kill_switch(session, True, NOW)
    crons.request_run_now(session, "filler", NOW)
    session.commit()
    report = await crons.tick(ctx, NOW)
    assert report.ran == [] and set(report.skipped) == {"filler", "essential", "broken"}
    assert job_count(session) == 0
    assert read_level(session, NOW) == ("degraded", "paused by an administrator")
    assert status.get_status(session).phase == "paused"


def read_level(session: Session, now) -> tuple[str, str]:
    session.expire_all()
    health = status.read_health(session, now)
    return health.level, next(
        w for w in ("throttled", "paused by an administrator", "") if w in health.message
    )


async def test_health_levels(engine: Engine, session: Session, settings: Settings) -> None:
    assert status.read_health(session, NOW).level == "down"  # no heartbeat yet
    ctx = make_ctx(engine, settings)
    await crons.tick(ctx, NOW)
    assert status.read_health(session, NOW) == status.Health("ok", "")
    stale = NOW + timedelta(seconds=settings.sync_heartbeat_stale_seconds + 1)
    down = status.read_health(session, stale)
    assert down.level == "down" and "not running" in down.message

    status.record_outcome(session, "catalog_sync", NOW, error="spotify: HTTP 503")
    session.commit()
    degraded = status.read_health(session, NOW)
    assert degraded.level == "degraded" and "catalog sync" in degraded.message
    status.record_outcome(session, "catalog_sync", NOW + timedelta(seconds=1))
    session.commit()
    assert status.read_health(session, NOW + timedelta(seconds=1)).level == "ok"

    status.count_write_conflict(engine, 2)
    session.expire_all()
    assert status.get_status(session).write_conflicts == 2
