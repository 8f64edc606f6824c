"""DESIGN.md §6: executors never create jobs (nor notifications). Runs EVERY registered executor and
proves it.

Each executor runs through `run_job` with a probing context: every session the executor opens and
every provider call it makes first tries to create a job through the gateway and a notification. All
those attempts must raise `JobCreationInExecutorError`, and no row may appear — whatever the executor
does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import Notification, SyncJob, User
from setlist_app.settings import Settings
from setlist_app.sync import executors, jobs, notifications, registry
from setlist_app.sync.context import SyncContext
from tests.fixtures.clock import NOW, FakeClock
from tests.integration.sync.helpers import add_artists, add_show

probes: list[str] = []


def _probe(where: str) -> None:
    """Try to create a job and a notification from here: both must raise inside an executor."""
    with Session(_probe.engine) as s:  # type: ignore[attr-defined]
        try:
            jobs.request(s, "probe", where, requested_by="planner:probe")
        except jobs.JobCreationInExecutorError:
            probes.append("raised")
        else:
            probes.append(f"created from {where}")
        try:
            notifications.create(s, [_probe.notification])  # type: ignore[attr-defined]
        except jobs.JobCreationInExecutorError:
            probes.append("raised")
        else:
            probes.append(f"notified from {where}")
        s.rollback()


class ProbingContext(SyncContext):
    def session(self) -> Session:
        if jobs.current_executor() is not None:  # run_job's own claim/record sessions are outside
            _probe("session")
        return super().session()


class ProbingProviders:
    """Any provider, any method: probe, then answer with nothing."""

    def __getattr__(self, provider: str) -> Any:
        class Client:
            def __getattr__(self, method: str) -> Any:
                async def call(*args: Any, **kwargs: Any) -> list[Any]:
                    _probe(f"{provider}.{method}")
                    return []

                return call

        return Client()


async def test_every_registered_executor_cannot_create_jobs(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    _probe.engine = engine  # type: ignore[attr-defined]
    [artist_id] = add_artists(session, 1)
    show_id = add_show(session, artist_id, NOW)
    fan = User(email="fan@x.test")
    session.add(fan)
    session.commit()
    _probe.notification = {  # type: ignore[attr-defined]
        "user_id": fan.id,
        "kind": "show_announced",
        "show_id": show_id,
        "artist_id": artist_id,
        "created_at": NOW,
    }
    # The app's executors (test modules may register their own, e.g. the ops tests' probe).
    kinds = {
        k: fn for k, fn in registry.registered_executors().items() if fn.__module__.startswith("setlist_app.")
    }
    assert "catalog_sync" in kinds
    ctx = ProbingContext(settings=settings, engine=engine, providers=ProbingProviders(), clock=clock)
    for kind in kinds:
        probes.clear()
        job_id = jobs.request(
            session, kind, "probe", requested_by="admin:1", artist_id=artist_id, show_id=show_id, now=NOW
        ).job_id
        session.commit()
        outcome = await executors.run_job(job_id, ctx)
        assert outcome.status != "not_claimed", kind
        assert probes and set(probes) == {"raised"}, (kind, probes)
    assert session.execute(select(func.count()).select_from(SyncJob)).scalar_one() == len(kinds)
    assert session.execute(select(func.count()).select_from(Notification)).scalar_one() == 0
