"""Scale-out proof: 2 app processes and 2 arq workers against one Postgres and one Redis.

Votes sent through either app reach viewers on both; jobs are never run twice (a job whose first
run died with a killed worker may run again, and only then); killing one app process or one worker
loses nothing: every acknowledged vote is in the database and every job finishes.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.services.demo_seed import seed_demo_catalog
from setlist_app.sync import jobs
from tests.integration.ops.cluster import app_process, service_env, upcoming_songs, wait_http, worker_process
from tests.integration.ops.ops_worker import PROBE_KEY
from tests.integration.ops.wsclient import ShowClient

pytestmark = [
    pytest.mark.slow,  # two apps and two workers as processes
    pytest.mark.timeout(240),
    pytest.mark.postgres_only("several app and worker processes on one database: the production topology"),
]


@pytest.fixture
def cluster(engine: Engine, database_url: str, redis_url: str) -> Iterator[dict]:
    with Session(engine) as session:
        seed_demo_catalog(session)
    redis.Redis.from_url(redis_url).flushdb()
    env = service_env(
        database_url, redis_url, SYNC_TICK_SECONDS="1", SYNC_LEASE_SECONDS="6", SYNC_JOB_TIMEOUT_SECONDS="5"
    )
    apps = [app_process(f"scale-app{i}", env).start() for i in (1, 2)]
    workers = [
        worker_process(f"scale-worker{i}", env, "tests.integration.ops.ops_worker.WorkerSettings").start()
        for i in (1, 2)
    ]
    try:
        for app in apps:
            wait_http(f"{app.url}/ping", 120, apps)
        yield {"apps": apps, "workers": workers, "env": env}
    finally:
        for p in [*apps, *workers]:
            p.stop()


async def _votes(client: ShowClient, songs: list[int]) -> list[int]:
    acked = []
    for psid in songs:
        await client.vote(psid)
        acked.append(psid)
    return acked


async def test_two_apps_two_workers(cluster: dict, engine: Engine, database_url: str, redis_url: str) -> None:
    app1, app2 = cluster["apps"]
    slug, show_id, songs = upcoming_songs(database_url, 1)[0]
    viewers = [ShowClient(app1.url, slug), ShowClient(app2.url, slug)]
    voters = [ShowClient(app1.url, slug), ShowClient(app2.url, slug)]
    for c in [*viewers, *voters]:
        await c.connect()
    with engine.connect() as conn:
        before = conn.execute(text("SELECT vote_count FROM shows WHERE id = :s"), {"s": show_id}).scalar_one()

    # Jobs for both workers while votes flow.
    with Session(engine) as session:
        ids = [
            jobs.request(session, "ops_probe", f"k{i}", requested_by="admin:test").job_id for i in range(30)
        ]
        session.commit()
    acked = await asyncio.gather(_votes(voters[0], songs[:5]), _votes(voters[1], songs[5:10]))
    expected = before + sum(len(a) for a in acked)
    for viewer in viewers:  # each app's pusher delivers the other app's votes too
        assert await viewer.wait_for(lambda c: c.live_total == expected, 10), (
            viewer.base_url,
            viewer.live_total,
        )

    # Kill one app process (its viewer's socket dies) and one worker mid-queue.
    app1.kill(signal.SIGKILL)
    cluster["workers"][0].kill(signal.SIGKILL)
    late = ShowClient(app2.url, slug)
    await late.connect()
    await _votes(late, songs[:3])
    assert await viewers[1].wait_for(lambda c: c.live_total == expected + 3, 10)

    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM votes WHERE show_id = :s"), {"s": show_id}
        ).scalar_one()
        total = conn.execute(text("SELECT vote_count FROM shows WHERE id = :s"), {"s": show_id}).scalar_one()
    assert total == expected + 3 and stored >= 13

    # Every job finishes (the dead worker's leased jobs are recovered); none ran twice except after a kill.
    async def all_done() -> bool:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM sync_jobs WHERE kind = 'ops_probe' AND status = 'succeeded'")
            ).scalar_one() == len(ids)

    for _ in range(90):
        if await all_done():
            break
        await asyncio.sleep(1)
    assert await all_done()
    runs = [r.decode().split(":") for r in redis.Redis.from_url(redis_url).lrange(PROBE_KEY, 0, -1)]
    killed_pid = str(cluster["workers"][0].pid)
    by_job: dict[str, list[str]] = {}
    for job_id, pid in runs:
        by_job.setdefault(job_id, []).append(pid)
    assert set(by_job) == {str(i) for i in ids}
    for job_id, pids in by_job.items():
        assert len(pids) == 1 or (len(pids) == 2 and pids[0] == killed_pid), (job_id, pids)
    for c in [viewers[1], voters[1], late]:
        await c.close()
