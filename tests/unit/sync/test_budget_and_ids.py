"""Pure parts of the pipeline: budget verdicts, arq ids, registries."""

from __future__ import annotations

import pytest

from setlist_app.models import SyncJob
from setlist_app.settings import Settings
from setlist_app.sync import registry
from setlist_app.sync.budget import BudgetUsage, evaluate
from setlist_app.sync.sweeper import RUN_JOB_FUNCTION, arq_job_id
from workers.settings import WorkerSettings, _every


def test_budget_verdicts() -> None:
    s = Settings(
        sync_jobs_per_minute_alert=1000,
        sync_jobs_per_day_budget=10,
        sync_provider_calls_per_day_budget=5,
        sync_calls_per_day_budget=20,
    )
    assert evaluate(BudgetUsage(1000, 10, {"spotify": 5, "ticketmaster": 5}), s) is None
    assert "spike threshold of 1000" in evaluate(BudgetUsage(1001, 0), s)
    assert "daily budget of 10" in evaluate(BudgetUsage(0, 11), s)
    assert "6 ticketmaster calls" in evaluate(BudgetUsage(0, 0, {"ticketmaster": 6}), s)
    together = evaluate(BudgetUsage(0, 10, {"spotify": 5, "ticketmaster": 5, "setlistfm": 1}), s)
    assert together == "21 jobs and provider calls today exceed the daily budget of 20"


def test_default_budgets_keep_the_audits_daily_target() -> None:
    """DESIGN.md §12: all calls < 100,000 per day; the default alarm trips before that."""
    assert Settings().sync_calls_per_day_budget < 100_000


def test_arq_ids_change_per_attempt() -> None:
    job = SyncJob(id=7, kind="k", key="x", requested_by="user:1", attempts=0)
    assert arq_job_id(job) == "sync:7:0"
    job.attempts = 1
    assert arq_job_id(job) == "sync:7:1"


def test_worker_wiring() -> None:
    assert [f.name for f in WorkerSettings.functions] == [RUN_JOB_FUNCTION]
    assert [c.name for c in WorkerSettings.cron_jobs] == ["sync_tick", "alert_check"]
    assert WorkerSettings.job_timeout < Settings().sync_lease_seconds
    assert WorkerSettings.max_tries == 1  # the database, not arq, decides retries
    assert _every(15, "SYNC_TICK_SECONDS") == {0, 15, 30, 45}
    with pytest.raises(ValueError, match="ALERT_CHECK_SECONDS must divide 60"):
        _every(7, "ALERT_CHECK_SECONDS")
    assert set(registry.registered_planners()) >= {"catalog_sync", "stale_job_sweeper"}
    assert set(registry.registered_executors()) >= {"catalog_sync"}
