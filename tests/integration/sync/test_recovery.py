"""Crash recovery and concurrency: a killed worker, and planners racing "sync now" spam."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app import clock as app_clock
from setlist_app.models import Artist, ArtistSong, CronRun, Song, SyncJob
from setlist_app.settings import PROJECT_ROOT, Settings
from setlist_app.sync import catalog, crons, executors, registry
from tests.fixtures.clock import FakeClock
from tests.integration.sync.helpers import FakeProviders, FakeSpotify, add_artists, make_ctx


def _wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.05)


async def test_worker_killed_mid_job_reruns_after_lease_and_applies_once(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings, aredis: Redis
) -> None:
    # The crashing worker is another process on the wall clock: the fake follows it there.
    clock.t = app_clock.wall()
    [artist_id] = add_artists(session, 1)
    job_id = catalog.request_catalog_sync(session, artist_id, requested_by="admin:1").job_id
    session.commit()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.sync.crash_worker", str(job_id)],
        cwd=PROJECT_ROOT,
        env=os.environ,
    )
    try:

        def hanging() -> bool:
            assert proc.poll() is None, f"the crash worker exited early ({proc.returncode})"
            with Session(engine) as s:
                job, artist = s.get(SyncJob, job_id), s.get(Artist, artist_id)
                return job.status == "running" and artist.catalog_status == "syncing"

        _wait_for(hanging, timeout=60)  # a fresh interpreter importing the app: slow on a busy box
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    clock.t = app_clock.wall()  # after the dead worker's claim and lease
    spotify = FakeSpotify()
    spotify.give("sp0", ("Album", ["One", "Two", "Two (Live)"]))
    ctx = make_ctx(engine, settings, redis=aredis, providers=FakeProviders(spotify), clock=clock)
    # While the lease holds, nobody else may run it (arq redelivery finds it claimed).
    assert (await executors.run_job(job_id, ctx)).status == "not_claimed"
    clock.advance(seconds=settings.sync_lease_seconds + 1)
    crons.ensure_defaults(session, clock())
    session.commit()
    report = await crons.tick(ctx)  # the sweeper returns the row to pending
    assert "stale_job_sweeper" in report.ran
    outcome = await executors.run_job(job_id, ctx)
    assert outcome.status == "succeeded" and outcome.result["songs"] == 2
    session.expire_all()
    job = session.get(SyncJob, job_id)
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert session.execute(select(func.count()).select_from(Song)).scalar_one() == 2
    assert session.execute(select(func.count()).select_from(ArtistSong)).scalar_one() == 2
    assert session.get(Artist, artist_id).catalog_status == "ok"
    assert spotify.calls == 2


async def test_concurrent_planners_and_sync_now_spam_create_no_duplicates(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    ids = add_artists(session, 30)
    ctx = make_ctx(engine, settings, providers=FakeProviders(), clock=clock)
    crons.ensure_defaults(session, clock())
    session.commit()

    def spam(worker: int) -> list[bool]:
        created = []
        for n in range(30):
            with Session(engine) as s:
                artist_id = ids[(worker * 7 + n) % len(ids)]
                created.append(
                    catalog.request_catalog_sync(
                        s, artist_id, requested_by=f"user:{worker}", now=clock()
                    ).created
                )
                s.commit()
        return created

    def tick() -> crons.TickReport:
        return asyncio.run(crons.tick(ctx))

    results = await asyncio.gather(
        *(asyncio.to_thread(spam, w) for w in range(20)), *(asyncio.to_thread(tick) for _ in range(4))
    )
    created = sum(sum(r) for r in results[:20]) + sum(r.jobs_created for r in results[20:])
    rows = session.scalars(select(SyncJob)).all()
    assert len(rows) == created == len(ids)  # one job per artist, whoever asked first
    assert Counter((r.kind, r.key) for r in rows).most_common(1)[0][1] == 1
    runs = Counter(r.name for r in session.scalars(select(CronRun)))
    enabled = [name for name, spec in registry.registered_planners().items() if spec.enabled]
    assert runs == dict.fromkeys(enabled, 1)  # four racing ticks, one run of each enabled cron

    # And the jobs run once each even when two runners race for every row.
    outcomes = await asyncio.gather(
        *(asyncio.to_thread(asyncio.run, executors.run_due(ctx)) for _ in range(2))
    )
    statuses = Counter(o.status for batch in outcomes for o in batch)
    assert statuses["succeeded"] == len(ids) and set(statuses) <= {"succeeded", "not_claimed"}
    assert session.execute(select(func.count()).select_from(SyncJob)).scalar_one() == len(ids)
