"""Vote ingest: acknowledged votes per second through the real websocket path, with zero loss.

    .venv/bin/python -m benchmarks.vote_ingest.run --clients 40 --seconds 20 --app-workers 2

Each client is one browser tab (python-socketio) voting as fast as acknowledgements come back, each
vote on a distinct (song, voter) pair so every acknowledged vote must be a row. Afterwards the
database is checked: rows == acknowledgements. Where time goes: the app's CPU vs the client's, and
the per-handler latency histogram from /metrics. Writes benchmarks/results/vote_ingest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import psutil
import psycopg

from benchmarks.common import private_services, write_result
from tests.integration.ops.cluster import app_process, service_env, upcoming_songs, wait_http
from tests.integration.ops.wsclient import ShowClient, VoteFailed


async def run(args: argparse.Namespace) -> dict:
    with private_services() as (db_url, redis_url):
        app = app_process("ingest-app", service_env(db_url, redis_url), workers=args.app_workers).start()
        try:
            wait_http(f"{app.url}/ping", 120, [app])
            shows = upcoming_songs(db_url, 200)
            pairs = [(slug, psid) for slug, _, songs in shows for psid in songs]
            clients = [ShowClient(app.url, shows[i % len(shows)][0]) for i in range(args.clients)]
            for c in clients:
                await c.connect()
            latencies: list[float] = []
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
                    except (VoteFailed, TimeoutError):
                        failed += 1
                    i += 1
                    if i == len(songs):  # a fresh voter on the same show: new distinct pairs
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
            return {
                "clients": args.clients,
                "app_workers": args.app_workers,
                "seconds": round(elapsed, 1),
                "acked": len(latencies),
                "failed": failed,
                "votes_per_s": round(len(latencies) / elapsed, 1),
                "rows_in_db": rows,
                "lost": max(len(latencies) - rows, 0),
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--app-workers", type=int, default=2)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(result)
    print(write_result("vote_ingest", result))


if __name__ == "__main__":
    main()
