"""arq worker for the scale-out test: the real WorkerSettings plus an `ops_probe` executor that records
each execution (job id, worker pid) in Redis and takes a moment, so a worker can die mid-job."""

from __future__ import annotations

import asyncio
import os

from setlist_app.sync.executors import executor
from workers.settings import WorkerSettings  # noqa: F401  (the real settings, with the probe registered)

PROBE_KEY = "ops:probe:runs"


@executor("ops_probe")
async def ops_probe(ctx, job):  # type: ignore[no-untyped-def]
    await ctx.redis.rpush(PROBE_KEY, f"{job.id}:{os.getpid()}")
    await asyncio.sleep(0.2)
    return {"pid": os.getpid()}
