"""Vote ingest: acknowledged votes per second through the real websocket path, with zero loss.

    .venv/bin/python -m benchmarks.vote_ingest.run --clients 40 --seconds 20 --app-workers 2 --runs 3
    .venv/bin/python -m benchmarks.vote_ingest.run --mode both --seconds 2 --runs 1 --clients 4  # smoke
    .venv/bin/python -m benchmarks.vote_ingest.run --table benchmarks/results/vote_ingest.json

Each client is one browser tab (python-socketio) voting as fast as acknowledgements come back.
`--mode stay`: voters stay on the page and toggle their votes on its songs (the target case:
every toggle is a write); afterwards each (voter, song) with an odd number of acknowledgements must
be a row and no other. `--mode mixed`: each vote on a distinct (song, voter) pair, and a voter that
has voted for every song of its show loads the page again as a new voter (page loads beside the
votes); rows == acknowledgements. Where time goes: the app's CPU vs the client's. The app's
workers and this client are pinned to separate cores (`--app-cpus`, `--client-cpus`), the load
average is recorded, each case is the median of `--runs`. Writes benchmarks/results/vote_ingest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter

import psutil
import psycopg

from benchmarks.common import (
    add_report_options,
    machine,
    median_of,
    pin_self,
    printed_table,
    private_services,
    taskset,
    write_result,
)
from tests.integration.ops.cluster import app_process, service_env, upcoming_songs, wait_http
from tests.integration.ops.wsclient import ShowClient, VoteFailed

TABLE = [
    ("mode", "mode"),
    ("app_workers", "backend workers"),
    ("clients", "voters"),
    ("votes_per_s", "votes/s acked"),
    ("lost", "lost"),
    ("ack_ms_p50", "ack p50 ms"),
    ("ack_ms_p95", "ack p95 ms"),
    ("app_cpu_s_per_vote_ms", "app CPU ms/vote"),
]


async def run(args: argparse.Namespace, mode: str) -> dict:
    with private_services() as (db_url, redis_url):
        app = app_process("ingest-app", service_env(db_url, redis_url), workers=args.app_workers)
        app.argv = [*taskset(args.app_cpus or None), *app.argv]
        app.start()
        try:
            wait_http(f"{app.url}/ping", 120, [app])
            shows = upcoming_songs(db_url, 200)
            pairs = [(slug, psid) for slug, _, songs in shows for psid in songs]
            clients = [ShowClient(app.url, shows[i % len(shows)][0]) for i in range(args.clients)]
            for c in clients:
                await c.connect()
            latencies: list[float] = []
            acks: Counter[tuple[str, int]] = Counter()  # (voter, song) -> acknowledged toggles
            failed = 0
            stop = time.monotonic() + args.seconds
            tree = [psutil.Process(app.pid), *psutil.Process(app.pid).children(recursive=True)]
            me = psutil.Process()
            cpu0 = sum(p.cpu_times().user + p.cpu_times().system for p in tree)
            me0 = me.cpu_times().user + me.cpu_times().system

            async def drive(client: ShowClient) -> None:
                nonlocal failed
                songs = [p for s, p in pairs if s == client.slug]
                i = 0
                while time.monotonic() < stop and i < len(songs):
                    try:
                        latencies.append(await client.vote(songs[i]))
                        acks[(client.anon_id, songs[i])] += 1
                    except (VoteFailed, TimeoutError):
                        failed += 1
                    i += 1
                    if i == len(songs) and mode == "stay":  # toggle them again, on the same page
                        i = 0
                    elif i == len(songs):  # a fresh voter on the same show: new distinct pairs
                        await client.close()
                        client.anon_id = ShowClient(app.url, client.slug).anon_id
                        client.token = ShowClient(app.url, client.slug).token
                        client.loaded.clear()
                        await client.connect()
                        i = 0

            started = time.monotonic()
            await asyncio.gather(*(drive(c) for c in clients))
            elapsed = time.monotonic() - started
            app_cpu = sum(p.cpu_times().user + p.cpu_times().system for p in tree) - cpu0
            client_cpu = me.cpu_times().user + me.cpu_times().system - me0
            for c in clients:
                await c.close()
            await asyncio.sleep(1)
            with psycopg.connect(db_url) as conn:
                rows = conn.execute("SELECT count(*) FROM votes").fetchone()[0]
            latencies.sort()
            expected = sum(1 for n in acks.values() if n % 2) if mode == "stay" else len(latencies)
            return {
                "mode": mode,
                "clients": args.clients,
                "app_workers": args.app_workers,
                "seconds": round(elapsed, 1),
                "acked": len(latencies),
                "failed": failed,
                "votes_per_s": round(len(latencies) / elapsed, 1),
                "rows_in_db": rows,
                "lost": abs(expected - rows),  # stay: voted pairs; mixed: acknowledgements
                "ack_ms_p50": round(statistics.median(latencies) * 1000, 1),
                "ack_ms_p95": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
                "app_cpu_s_per_vote_ms": round(app_cpu / max(len(latencies), 1) * 1000, 2),
                "client_cpu_s_per_vote_ms": round(client_cpu / max(len(latencies), 1) * 1000, 2),
                "app_cpu_cores": round(app_cpu / elapsed, 2),
                "client_cpu_cores": round(client_cpu / elapsed, 2),
            }
        finally:
            app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--app-workers", type=int, default=2)
    parser.add_argument("--mode", choices=["stay", "mixed", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; the median is reported")
    parser.add_argument("--app-cpus", default="0", help="taskset cores for the app ('' = no pinning)")
    add_report_options(parser)
    args = parser.parse_args()
    if printed_table(args, TABLE):
        return
    pin_self(args.client_cpus)
    modes = ["stay", "mixed"] if args.mode == "both" else [args.mode]
    results = []
    for mode in modes:
        runs = []
        for _ in range(args.runs):
            runs.append(
                asyncio.run(run(args, mode))
                | {"load_1m_after": round(machine()["load_average_1_5_15"][0], 2)}
            )
            print(runs[-1], flush=True)
        results.append(median_of(runs) | machine())
    meta = {**machine(), "app_cpus": args.app_cpus, "client_cpus": args.client_cpus, "seconds": args.seconds}
    print(write_result("vote_ingest", {"meta": meta, "results": results}))


if __name__ == "__main__":
    main()
