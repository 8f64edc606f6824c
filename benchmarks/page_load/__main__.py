"""Page-load cost: backend CPU per show-page load (Reflex's hydrate + the show's on_load + the join).

    .venv/bin/python -m benchmarks.page_load --loads 400 --runs 3           # README figures
    .venv/bin/python -m benchmarks.page_load --loads 20 --runs 1            # smoke
    .venv/bin/python -m benchmarks.page_load --table benchmarks/results/page_load.json

Fresh tabs (raw engine.io clients, `live_fanout/wsclient.py`) open show pages, `--concurrency` at a
time, and stay. Each goes to its own show in turn (`--shows`), so a load does not also pay for
pushing a changed viewer count to a big room: the live fan-out benchmark measures that. Per case:
the backend's CPU (all its processes) over the loads divided by their number, the time from
opening the socket until the show's data arrives (p50/p95), and the Redis commands the backend sent
per load (from `INFO commandstats`: the state manager's round trips). Anonymous and signed-in
viewers are separate cases. The backend is pinned to `--backend-cpus`, this client to
`--client-cpus`; each case is the median of `--runs`. Results: benchmarks/results/page_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import psutil
import redis

from benchmarks.common import machine, median_of
from benchmarks.live_fanout import serve
from benchmarks.live_fanout.__main__ import (
    REDIS_BASE,
    RESULTS,
    SHOW_STATE,
    _cpu,
    _drop_db,
    _free_port,
    _pct,
    _setup_db,
    _tree,
    backend_bench_args,
    backend_env,
)
from benchmarks.live_fanout.wsclient import ReflexSocket

LOADED = '"loading_rx_state_":false'  # in the show state's delta: the load's reply with the show's data
TABLE = [
    ("code", "code"),
    ("viewer", "viewer"),
    ("workers", "backend workers"),
    ("loads", "page loads"),
    ("cpu_ms_per_load", "backend CPU ms / load"),
    ("load_ms_p50", "load p50 ms"),
    ("load_ms_p95", "load p95 ms"),
    ("redis_cmds_per_load", "Redis commands / load"),
]


def _redis_calls() -> int:
    stats = redis.Redis.from_url(REDIS_BASE).info("commandstats")
    return sum(int(v["calls"]) for v in stats.values())


async def _loads(
    port: int, paths: list[str], cookies: list[str], concurrency: int, procs: list[Any]
) -> dict[str, Any]:
    sem = asyncio.Semaphore(concurrency)
    took: list[float] = []
    socks: list[ReflexSocket] = []

    async def one(i: int) -> None:
        async with sem:
            loaded = asyncio.Event()

            def raw(frame: str, _at: float) -> bool:
                if LOADED in frame and SHOW_STATE in frame:
                    loaded.set()
                return False

            sock = ReflexSocket(port, paths[i], lambda s, d: None, cookie=cookies[i], on_raw=raw)
            socks.append(sock)
            t = time.monotonic()
            await sock.connect()
            await asyncio.wait_for(loaded.wait(), 60)
            took.append((time.monotonic() - t) * 1000)

    n = len(paths)  # one load per path; cookies[i] is the i-th tab's Cookie header
    redis0, cpu0 = _redis_calls(), _cpu(procs)
    await asyncio.gather(*(one(i) for i in range(n)))
    await asyncio.sleep(1.0)  # the joins' last pushes
    cpu_s, redis_n = _cpu(procs) - cpu0, _redis_calls() - redis0
    for sock in socks:
        await sock.close()
    return {
        "cpu_ms_per_load": round(1000 * cpu_s / n, 2),
        "load_ms_p50": round(_pct(took, 0.5), 1),
        "load_ms_p95": round(_pct(took, 0.95), 1),
        "redis_cmds_per_load": round(redis_n / n, 1),
    }


def _one_run(args: argparse.Namespace, signed_in: bool) -> dict[str, Any]:
    bench = _setup_db(args.shows, args.songs, args.loads if signed_in else 1, signed_in)
    port = _free_port()
    env = backend_env(bench.url)
    load_before = os.getloadavg()[0]
    proc = serve.start_backend(
        port, args.workers, env, RESULTS / "page_load_backend.log", cpus=args.backend_cpus or None
    )
    try:
        procs = _tree(psutil.Process(proc.pid))
        paths = [f"/shows/{slug}" for slug, _ in bench.shows]
        # Warm-up: the first loads of a worker import and compile what later loads reuse.
        asyncio.run(_loads(port, paths[:10], [""] * 10, 2, procs))
        cookies = bench.cookies if signed_in else [""] * args.loads
        case = asyncio.run(
            _loads(port, [paths[i % len(paths)] for i in range(args.loads)], cookies, args.concurrency, procs)
        )
        case.update(
            viewer="signed in" if signed_in else "anonymous",
            workers=args.workers,
            loads=args.loads,
            load_1m_before=load_before,
        )
        print(json.dumps(case), flush=True)
        return case
    finally:
        serve.stop(proc)
        _drop_db(bench.db_name)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--loads", type=int, default=400)
    parser.add_argument("--shows", type=int, default=100, help="the loads go round these shows")
    parser.add_argument("--songs", type=int, default=30, help="songs in each show's prediction")
    parser.add_argument("--concurrency", type=int, default=5, help="page loads under way at once")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = backend_bench_args(parser, "page_load", TABLE)
    if args is None:
        return
    results = []
    for signed_in in (False, True):
        runs = [_one_run(args, signed_in) for _ in range(args.runs)]
        results.append({**median_of(runs), **machine()})
        print(json.dumps(results[-1]), flush=True)
    meta = {**machine(), "concurrency": args.concurrency, "shows": args.shows, "songs": args.songs}
    Path(args.out).write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
