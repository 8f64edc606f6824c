"""Soak: steady voting (toggles through the real websocket path) and syncing (arq worker against the
simulator) for a long time, sampling memory, file descriptors and connections.

    .venv/bin/python -m benchmarks.soak.run --minutes 30 --voters 20 --rate 20

Writes benchmarks/results/soak.json: one sample per interval (RSS and fds of the app and worker
process trees, Postgres backends of the database, Redis clients, votes acknowledged/failed).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

import psutil
import psycopg
import redis

from benchmarks.common import private_services, write_result
from tests.integration.ops.cluster import (
    BIN,
    Proc,
    app_process,
    free_port,
    service_env,
    upcoming_songs,
    wait_http,
    worker_process,
)
from tests.integration.ops.wsclient import ShowClient, VoteFailed


def tree_usage(proc: Proc) -> dict[str, float]:
    try:
        root = psutil.Process(proc.pid)
        procs = [root, *root.children(recursive=True)]
        rss = sum(p.memory_info().rss for p in procs) / 2**20
        fds = sum(p.num_fds() for p in procs)
        return {"rss_mb": round(rss, 1), "fds": fds, "processes": len(procs)}
    except psutil.Error:
        return {"rss_mb": 0.0, "fds": 0, "processes": 0}


async def voter(
    client: ShowClient, songs: list[int], rate: float, stats: dict[str, int], stop: float
) -> None:
    while time.monotonic() < stop:
        try:
            await client.vote(random.choice(songs))  # toggles: the soak runs forever without limits
            stats["acked"] += 1
        except (VoteFailed, TimeoutError):
            stats["failed"] += 1
        await asyncio.sleep(random.expovariate(rate))


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    with private_services() as (db_url, redis_url):
        sim_port = free_port()
        env = service_env(
            db_url, redis_url, SIMULATOR_URL=f"http://127.0.0.1:{sim_port}", SYNC_TICK_SECONDS="5"
        )
        sim = Proc(
            "soak-simulator", [str(BIN / "python"), "-m", "simulator", "--port", str(sim_port)], env
        ).start()
        app = app_process("soak-app", env, workers=args.app_workers).start()
        worker = worker_process("soak-worker", env).start()
        procs = [sim, app, worker]
        try:
            wait_http(f"{app.url}/ping", 120, procs)
            shows = upcoming_songs(db_url, args.voters)
            clients = [ShowClient(app.url, slug) for slug, _, _ in shows[: args.voters]]
            for c in clients:
                await c.connect()
            stats = {"acked": 0, "failed": 0}
            stop = time.monotonic() + args.minutes * 60
            per_client = args.rate / len(clients)
            tasks = [
                asyncio.create_task(voter(c, s[2], per_client, stats, stop))
                for c, s in zip(clients, shows, strict=False)
            ]
            samples = []
            started = time.monotonic()
            rds = redis.Redis.from_url(redis_url)
            while time.monotonic() < stop:
                with psycopg.connect(db_url) as conn:
                    backends = conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    ).fetchone()[0]
                sample = {
                    "t_s": round(time.monotonic() - started),
                    "app": tree_usage(app),
                    "worker": tree_usage(worker),
                    "pg_backends": backends - 1,
                    "redis_clients": rds.info("clients")["connected_clients"],
                    **stats,
                }
                samples.append(sample)
                print(sample, flush=True)
                await asyncio.sleep(args.sample_seconds)
            await asyncio.gather(*tasks)
            for c in clients:
                await c.close()
            with psycopg.connect(db_url) as conn:
                jobs = dict(conn.execute("SELECT status, count(*) FROM sync_jobs GROUP BY status").fetchall())
            first, last = samples[1] if len(samples) > 1 else samples[0], samples[-1]
            return {
                "minutes": args.minutes,
                "voters": len(clients),
                "target_votes_per_s": args.rate,
                "acked": stats["acked"],
                "failed": stats["failed"],
                "sync_jobs": jobs,
                "app_rss_mb": [first["app"]["rss_mb"], last["app"]["rss_mb"]],
                "worker_rss_mb": [first["worker"]["rss_mb"], last["worker"]["rss_mb"]],
                "app_fds": [first["app"]["fds"], last["app"]["fds"]],
                "pg_backends": [first["pg_backends"], last["pg_backends"]],
                "redis_clients": [first["redis_clients"], last["redis_clients"]],
                "samples": samples,
            }
        finally:
            for p in reversed(procs):
                p.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--voters", type=int, default=20)
    parser.add_argument("--rate", type=float, default=20.0, help="votes per second, all voters together")
    parser.add_argument("--app-workers", type=int, default=2)
    parser.add_argument("--sample-seconds", type=float, default=30)
    args = parser.parse_args()
    result = asyncio.run(soak(args))
    print(write_result("soak", {k: v for k, v in result.items()}))


if __name__ == "__main__":
    main()
