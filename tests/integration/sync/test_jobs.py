"""The job gateway and lifecycle on SQLite and Postgres: single-flight, atomic claim, fencing, leases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import Session

from setlist_app.models import SyncJob
from setlist_app.sync import jobs
from tests.fixtures.clock import NOW
from tests.integration.sync.helpers import job_count


def test_request_is_single_flight_and_reopens_after_finish(session: Session) -> None:
    first = jobs.request(session, "catalog_sync", "artist:1", requested_by="user:1", now=NOW)
    again = jobs.request(session, "catalog_sync", "artist:1", requested_by="admin:2")
    other = jobs.request(session, "catalog_sync", "artist:2", requested_by="user:1")
    session.commit()
    assert first.created and not again.created and again.job_id == first.job_id
    assert other.created and other.job_id != first.job_id

    job = jobs.claim(session, first.job_id, NOW + timedelta(days=1), lease_seconds=60)
    assert job is not None and job.status == "running" and job.attempts == 1
    assert not jobs.request(session, "catalog_sync", "artist:1", requested_by="user:1").created
    assert jobs.finish(session, job, NOW, {"songs": 3})
    session.commit()
    # A finished job frees the slot: the next request creates a new row.
    assert jobs.request(session, "catalog_sync", "artist:1", requested_by="user:1").created
    session.commit()
    assert job_count(session, kind="catalog_sync") == 3


@pytest.mark.parametrize("requested_by", ["", "cron", "executor:catalog_sync", "planners:x"])
def test_request_rejects_unknown_requesters(session: Session, requested_by: str) -> None:
    with pytest.raises(ValueError):
        jobs.request(session, "k", "key", requested_by=requested_by)


def test_request_inside_executor_scope_raises_even_in_spawned_tasks(session: Session) -> None:
    async def spawned() -> None:
        jobs.request(session, "k", "from-task", requested_by="planner:x")

    async def body() -> None:
        with jobs.executor_scope("catalog_sync"):
            assert jobs.current_executor() == "catalog_sync"
            with pytest.raises(jobs.JobCreationInExecutorError):
                jobs.request(session, "k", "direct", requested_by="planner:x")
            with pytest.raises(jobs.JobCreationInExecutorError):
                await asyncio.create_task(spawned())
            with pytest.raises(jobs.JobCreationInExecutorError):
                await asyncio.to_thread(jobs.request, session, "k", "thread", requested_by="planner:x")
        assert jobs.current_executor() is None

    asyncio.run(body())
    assert job_count(session) == 0


def test_claim_is_atomic_and_respects_run_after(session: Session) -> None:
    job_id = jobs.request(
        session, "k", "1", requested_by="planner:x", run_after=NOW + timedelta(minutes=5)
    ).job_id
    session.commit()
    assert jobs.claim(session, job_id, NOW, 60) is None  # not due yet
    claimed = jobs.claim(session, job_id, NOW + timedelta(minutes=5), 60)
    assert claimed is not None and claimed.lease_until == NOW + timedelta(minutes=6)
    assert jobs.claim(session, job_id, NOW + timedelta(minutes=5), 60) is None  # already running


def test_fail_retries_with_backoff_then_fails(session: Session) -> None:
    job_id = jobs.request(session, "k", "1", requested_by="planner:x", max_attempts=2, run_after=NOW).job_id
    session.commit()
    job = jobs.claim(session, job_id, NOW, 60)
    assert jobs.fail(session, job, NOW, "boom", retry=True, retry_base_seconds=10) == "pending"
    session.commit()
    row = session.get(SyncJob, job_id)
    session.refresh(row)
    assert row.run_after == NOW + timedelta(seconds=10) and row.error == "boom"
    job = jobs.claim(session, job_id, NOW + timedelta(seconds=10), 60)
    assert job.attempts == 2
    assert jobs.fail(session, job, NOW, "boom again", retry=True, retry_base_seconds=10) == "failed"
    session.commit()


def test_outcome_is_fenced_by_attempt(session: Session) -> None:
    """A worker whose lease expired cannot overwrite the run that replaced it."""
    job_id = jobs.request(session, "k", "1", requested_by="planner:x", run_after=NOW).job_id
    session.commit()
    stale = jobs.claim(session, job_id, NOW, 60)
    assert jobs.release_expired_leases(session, NOW + timedelta(seconds=61)) == 1
    session.commit()
    fresh = jobs.claim(session, job_id, NOW + timedelta(seconds=61), 60)
    assert fresh.attempts == 2
    assert not jobs.finish(session, stale, NOW, {"by": "stale"})
    assert jobs.finish(session, fresh, NOW, {"by": "fresh"})
    session.commit()
    row = session.get(SyncJob, job_id)
    session.refresh(row)
    assert row.status == "succeeded" and row.result == {"by": "fresh"}


def test_expired_lease_of_spent_job_fails_and_cancel_only_pending(session: Session) -> None:
    spent = jobs.request(
        session, "k", "spent", requested_by="planner:x", max_attempts=1, run_after=NOW
    ).job_id
    waiting = jobs.request(session, "k", "waiting", requested_by="admin:1", run_after=NOW).job_id
    session.commit()
    jobs.claim(session, spent, NOW, 60)
    assert jobs.release_expired_leases(session, NOW + timedelta(minutes=2)) == 1
    assert jobs.cancel(session, waiting, NOW, "admin said so")
    assert not jobs.cancel(session, spent, NOW)
    session.commit()
    assert [session.get(SyncJob, i).status for i in (spent, waiting)] == ["failed", "cancelled"]
    retried = jobs.retry_now(session, spent, requested_by="admin:1")
    assert retried.created and retried.job_id != spent
