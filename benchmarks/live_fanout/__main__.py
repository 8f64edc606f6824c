"""Live fan-out benchmark: viewers of one show (or spread over several) while votes arrive at R/s.

    .venv/bin/python -m benchmarks.live_fanout --preset issue16            # every case of issue 16
    .venv/bin/python -m benchmarks.live_fanout --viewers 1000 --rates 10 200 --workers 2 --runs 3
    .venv/bin/python -m benchmarks.live_fanout --preset issue16 --seconds 2 --runs 1 --scale 0.01  # smoke
    .venv/bin/python -m benchmarks.live_fanout --table benchmarks/results/live_fanout.json   # README table

Per vote: the time from sending the vote event until EVERY viewer of its show holds a snapshot whose
sequence number includes it (p50/p95/p99/max); wrong final counts; votes/s accepted; backend CPU and
memory; how long the viewers took to join. Viewers and voters speak Reflex's websocket protocol (raw
engine.io frames, `wsclient.py`); the backend is the real app (`serve.py`) on Postgres and Redis.
Voters are signed in and vote at the default limits (`--anonymous`: anonymous voters, limits lifted),
on a prediction of `--songs` songs. For comparable figures the backend's workers and this load
client run on separate cores (`--backend-cpus`, `--client-cpus`, by taskset), the load average is
recorded, and each case is the median of `--runs` runs with the spread. Only 127.0.0.1 is
contacted. Results: benchmarks/results/live_fanout.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import re
import secrets
import socket
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psutil
import psycopg
from sqlalchemy import text
from sqlmodel import Session

from benchmarks.common import add_report_options, machine, median_of, pin_self, printed_table
from benchmarks.live_fanout import serve
from benchmarks.live_fanout.wsclient import ReflexSocket
from setlist_app.auth import sessions
from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, sign
from setlist_app.db import make_engine
from setlist_app.domain.predictions import seed_prediction
from setlist_app.migrations import upgrade_to_head
from setlist_app.models import Artist, ArtistSong, Show, Song, User, Venue, utcnow
from setlist_app.settings import PROJECT_ROOT, get_settings

RESULTS = PROJECT_ROOT / "benchmarks" / "results"
PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE = "redis://127.0.0.1:6379"
REDIS_DB = 3  # outside the 4-15 range the test fixtures pick from; never flushed
SHOW_STATE = "reflex___state____state.setlist_app___state___show____show_state"
LIVE_STATE = "reflex___state____state.setlist_app___state___show____show_live"
VOTER_STATE = "reflex___state____state.setlist_app___state___show____show_voter"
SEQ = re.compile(r'"seq_rx_state_":\s*(\d+)')
NO_EVENTS = re.compile(r'"events":\s*\[\]')
VOTES_KEY = '"votes_rx_state_"'
NOT_CONFIRMED = 2**31 - 1


@dataclass
class Viewer:
    show: int = 0  # index into Bench.shows
    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (time, seq) of live pushes
    last_frame: str = ""  # the last push that carried the vote counts

    def last_votes(self) -> dict[str, int]:
        if not self.last_frame:
            return {}
        _name, data = json.loads(self.last_frame[self.last_frame.index(",") + 1 :])
        return dict(data["delta"][LIVE_STATE]["votes_rx_state_"])


@dataclass
class Voter:
    show: int = 0
    outstanding: list[list[Any]] = field(default_factory=list)  # [send time, song, seen in flight]
    confirmed: list[tuple[float, int, float]] = field(default_factory=list)  # (sent, seq, answered)


@dataclass
class Bench:
    """A private database: `shows` (slug, visible prediction-song ids) and voters' Cookie headers."""

    db_name: str
    url: str
    shows: list[tuple[str, list[int]]]
    cookies: list[str]


def _setup_db(shows: int, songs: int, voters: int, signed_in: bool) -> Bench:
    name = f"setlist_bench_{secrets.token_hex(3)}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG.rsplit('/', 1)[0]}/{name}"
    upgrade_to_head(url)
    engine = make_engine(url)
    made: list[tuple[str, list[int]]] = []
    with Session(engine) as s:
        artist = Artist(slug="bench-artist", name="Bench Artist", normalized_name="bench artist")
        venue = Venue(
            slug="bench-hall", name="Hall", city="Town", country="UK", country_code="GB", timezone="UTC"
        )
        catalog = [Song(title=f"Song {i}", normalized_title=f"song {i}", album="Album") for i in range(songs)]
        s.add_all([artist, venue, *catalog])
        s.flush()
        s.add_all(ArtistSong(artist_id=artist.id, song_id=x.id, position=i) for i, x in enumerate(catalog))  # type: ignore[arg-type]
        for n in range(shows):
            starts = utcnow() + timedelta(days=30 + n)
            show = Show(
                slug=f"bench-show-{n}", artist_id=artist.id, venue_id=venue.id, name="Bench", starts_at=starts,
                local_date=date(starts.year, starts.month, starts.day),
            )  # fmt: skip
            s.add(show)
            s.flush()
            seed_prediction(s, show.id, [x.id for x in catalog])  # type: ignore[arg-type, misc]
            ids = s.execute(
                text(
                    "SELECT ps.id FROM prediction_songs ps JOIN predictions p ON p.id = ps.prediction_id"
                    " WHERE p.show_id = :s ORDER BY ps.position"
                ),
                {"s": show.id},
            )
            made.append((show.slug, [r[0] for r in ids]))
        users = [User(name=f"Voter {i}") for i in range(voters if signed_in else 0)]
        s.add_all(users)
        s.commit()
        user_ids = [u.id for u in users]
    engine.dispose()
    if signed_in:  # real sessions in the backend's Redis DB, as a sign-in makes them
        cookies = [f"{SESSION_COOKIE}={sessions.create_session(uid)}" for uid in user_ids]  # type: ignore[arg-type]
    else:
        cookies = [f"{ANON_COOKIE}={sign(f'bench-voter-{i}', 'anon')}" for i in range(voters)]
    return Bench(name, url, made, cookies)


def backend_env(database_url: str) -> dict[str, str]:
    """The backend's settings: the bench database, and every Redis use in `REDIS_DB`."""
    env = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_BASE, "PYTHONPATH": str(PROJECT_ROOT)}
    return env | {name: str(REDIS_DB) for name in ("REDIS_DB_REFLEX", "REDIS_DB_APP", "REDIS_DB_QUEUE")}


def backend_bench_args(
    parser: argparse.ArgumentParser, results: str, table: list[tuple[str, str]]
) -> argparse.Namespace | None:
    """What every benchmark of a started backend shares: its cores, its results file and
    `--table` (then the table is printed and None returned); pins this load client and points its
    Redis at the backend's DB (signed-in voters' sessions are created by this process)."""
    parser.add_argument("--backend-cpus", default="0", help="taskset cores for the backend ('' = no pinning)")
    parser.add_argument("--out", default=str(RESULTS / f"{results}.json"))
    add_report_options(parser)
    args = parser.parse_args()
    if printed_table(args, table):
        return None
    pin_self(args.client_cpus)
    os.environ.update(REDIS_URL=REDIS_BASE, REDIS_DB_APP=str(REDIS_DB))
    get_settings.cache_clear()
    return args


def _drop_db(name: str) -> None:
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    return [proc, *proc.children(recursive=True)]


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def voters_needed(rate: int, signed_in: bool) -> int:
    """Enough voters for `rate` votes/s with each at most 80% of the default per-voter limit."""
    if not signed_in:
        return max(4, min(40, rate // 5))
    per_voter = 0.8 * get_settings().vote_rate_per_minute / 60
    return max(4, math.ceil(rate / per_voter))


async def _run_case(
    port: int, viewers_n: int, rate: int, seconds: float, bench: Bench, backend: Any, reconnect: int = 0
) -> dict[str, Any]:
    shows = len(bench.shows)
    viewers = [Viewer(show=i % shows) for i in range(viewers_n)]
    n_voters = len(bench.cookies)
    voters = [Voter(show=i % shows) for i in range(n_voters)]

    def on_viewer(i: int):  # type: ignore[no-untyped-def]
        def raw(frame: str, read_at: float) -> bool:
            # Live pushes carry no queued events: take the sequence number without parsing the JSON
            # and keep the frame, parsed once at the end for the final counts.
            if (m := SEQ.search(frame)) is None or not NO_EVENTS.search(frame):
                return False
            viewers[i].arrivals.append((read_at, int(m.group(1))))
            if VOTES_KEY in frame:
                viewers[i].last_frame = frame
            return True

        return raw

    def on_voter(i: int):  # type: ignore[no-untyped-def]
        def handler(sock: ReflexSocket, delta: dict[str, Any]) -> None:
            mine = delta.get(VOTER_STATE) or {}
            if "busy_rx_state_" not in mine:
                return
            busy = set(mine["busy_rx_state_"])
            seqs = mine.get("pending_seq_rx_state_") or {}
            waiting: list[list[Any]] = []
            for entry in voters[i].outstanding:  # [sent, song, seen in flight]
                sent, psid, seen = entry
                if psid in busy or not seen:
                    entry[2] = seen or psid in busy  # the optimistic step; the answer follows
                    waiting.append(entry)
                    continue
                seq = seqs.get(str(psid))
                if seq is not None and seq != NOT_CONFIRMED:
                    voters[i].confirmed.append((sent, int(seq), time.monotonic()))
            voters[i].outstanding = waiting

        return handler

    sockets: list[ReflexSocket] = []
    sem = asyncio.Semaphore(25)

    async def connect(sock: ReflexSocket) -> None:
        async with sem:
            await sock.connect()
            await asyncio.sleep(0.02)

    def path(show: int) -> str:
        return f"/shows/{bench.shows[show][0]}"

    viewer_socks = [
        ReflexSocket(port, path(v.show), _ignore, on_raw=on_viewer(i)) for i, v in enumerate(viewers)
    ]
    voter_socks = [
        ReflexSocket(port, path(v.show), on_voter(i), cookie=bench.cookies[i]) for i, v in enumerate(voters)
    ]
    sockets = viewer_socks + voter_socks
    t0 = time.monotonic()
    await asyncio.gather(*(connect(s) for s in sockets))
    connect_s = time.monotonic() - t0
    await asyncio.sleep(2.0)  # on_load joins settle
    procs = _tree(backend)
    cpu0, wall0, client0 = _cpu(procs), time.monotonic(), _cpu([psutil.Process()])
    rng = random.Random(1)
    total = int(rate * seconds)
    handler = f"{SHOW_STATE}.vote"
    rejoin_s: list[float] = []

    async def rejoin() -> None:
        """`reconnect` viewers drop and come back at once (a Wi-Fi blip at the venue)."""
        t = time.monotonic()
        dropped = range(min(reconnect, viewers_n))
        await asyncio.gather(*(viewer_socks[i].close() for i in dropped))
        fresh = {i: ReflexSocket(port, path(viewers[i].show), _ignore, on_raw=on_viewer(i)) for i in dropped}
        await asyncio.gather(*(s.connect() for s in fresh.values()))
        for i, sock in fresh.items():
            viewer_socks[i] = sock
            sockets.append(sock)
        rejoin_s.append(time.monotonic() - t)

    rejoining: asyncio.Task[None] | None = None
    start = time.monotonic()
    for k in range(total):
        if reconnect and k == total // 2:
            rejoining = asyncio.create_task(rejoin())
        target = start + k / rate
        if (delay := target - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        i = k % n_voters
        in_flight = {entry[1] for entry in voters[i].outstanding}  # a busy button ignores clicks
        ps_ids = bench.shows[voters[i].show][1]
        psid = rng.choice([p for p in ps_ids if p not in in_flight] or ps_ids)
        voters[i].outstanding.append([time.monotonic(), psid, False])
        voter_socks[i].emit(handler, {"prediction_song_id": psid})
    send_s = time.monotonic() - start
    if rejoining is not None:
        await rejoining
    drain_until = time.monotonic() + 15
    while time.monotonic() < drain_until:  # until every answer and every push has arrived
        await asyncio.sleep(0.5)
        top = [
            max((c[1] for v in voters if v.show == n for c in v.confirmed), default=0) for n in range(shows)
        ]
        if not any(v.outstanding for v in voters) and all(
            v.arrivals and max(s for _, s in v.arrivals) >= top[v.show] for v in viewers
        ):
            break
    await asyncio.sleep(0.5)
    cpu_s, wall_s = _cpu(procs) - cpu0, time.monotonic() - wall0
    client_cpu = _cpu([psutil.Process()]) - client0
    rss_mb = sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20

    # Latency: until every viewer of the vote's show holds a snapshot with seq >= the vote's.
    firsts: list[list[tuple[int, float]]] = []
    backwards = sum(1 for v in viewers if any(b[1] < a[1] for a, b in itertools.pairwise(v.arrivals)))
    for v in viewers:
        best: list[tuple[int, float]] = []  # monotone (seq, first time seen)
        for t, seq in v.arrivals:
            if not best or seq > best[-1][0]:
                best.append((seq, t))
        firsts.append(best)
    latencies, from_answer, missing = [], [], 0
    confirmed = [(v.show, *c) for v in voters for c in v.confirmed]
    acks = [(answered - sent) * 1000 for _, sent, _, answered in confirmed]
    for show, sent, seq, answered in confirmed:
        worst = 0.0
        for best in (f for v, f in zip(viewers, firsts, strict=True) if v.show == show):
            hit = next((t for s, t in best if s >= seq), None)
            if hit is None:
                worst = float("inf")
                break
            worst = max(worst, hit - sent)
        if worst == float("inf"):
            missing += 1
        else:
            latencies.append(worst * 1000)
            from_answer.append(max(worst - (answered - sent), 0.0) * 1000)
    for s in sockets:
        await s.close()
    return {
        "viewers": viewers_n,
        "rate": rate,
        "votes_sent": total,
        "votes_confirmed": len(confirmed),
        "votes_per_s_accepted": round(len(confirmed) / max(send_s, 1e-9), 1),
        "p50_ms": round(_pct(latencies, 0.50), 1),
        "p95_ms": round(_pct(latencies, 0.95), 1),
        "p99_ms": round(_pct(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "votes_never_seen_by_all": missing,
        "ack_p50_ms": round(_pct(acks, 0.5), 1),
        "ack_p95_ms": round(_pct(acks, 0.95), 1),
        "after_ack_p95_ms": round(_pct(from_answer, 0.95), 1),
        "backend_cpu_pct": round(100 * cpu_s / wall_s, 1),
        "client_cpu_pct": round(100 * client_cpu / wall_s, 1),
        "backend_rss_mb": round(rss_mb, 1),
        "connect_s": round(connect_s, 1),
        "went_backwards": backwards,
        "reconnected": reconnect,
        "rejoin_s": round(rejoin_s[0], 2)
        if rejoin_s
        else None,  # all `reconnect` viewers back  # viewers that ever received an older snapshot after a newer
        "_viewers_state": viewers,
    }


def _ignore(sock: ReflexSocket, delta: dict[str, Any]) -> None:
    """Viewers need nothing from frames other than live pushes (page data, queued events)."""


def _final_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, vote_count FROM prediction_songs")).all()
    engine.dispose()
    return {str(i): int(c) for i, c in rows}


# Issue 16's cases: (backend workers, viewers, votes/s, shows the viewers are spread over).
PRESETS: dict[str, list[tuple[int, int, int, int]]] = {
    "issue16": [
        *((w, 1000, r, 1) for w in (2, 1) for r in (10, 200)),
        *((2, 2000, r, 1) for r in (10, 200)),
        *((2, 1000, r, 20) for r in (10, 200)),
    ],
}
TABLE = [
    ("workers", "backend workers"),
    ("viewers", "viewers"),
    ("shows", "shows"),
    ("rate", "votes/s"),
    ("p50_ms", "p50 ms"),
    ("p95_ms", "p95 ms"),
    ("p99_ms", "p99 ms"),
    ("wrong_final_counts", "wrong final"),
    ("went_backwards", "counts went back"),
    ("connect_s", "join s"),
    ("rejoin_s", "rejoin s"),
    ("backend_cpu_pct", "backend CPU %"),
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), help="run these cases (overrides the grid)")
    parser.add_argument("--viewers", type=int, nargs="+", default=[1000])
    parser.add_argument("--rates", type=int, nargs="+", default=[10, 200])
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--shows", type=int, nargs="+", default=[1])
    parser.add_argument("--songs", type=int, default=30, help="songs in each show's prediction")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the voting phase")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; the median is reported")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply viewers and rates (smoke runs)")
    parser.add_argument("--anonymous", action="store_true", help="anonymous voters, limits lifted")
    parser.add_argument(
        "--reconnect",
        type=int,
        default=0,
        help="viewers that drop and reconnect at once mid-run (issue: 200)",
    )
    args = backend_bench_args(parser, "live_fanout", TABLE)
    if args is None:
        return
    grid = [(w, v, r, n) for w in args.workers for v in args.viewers for r in args.rates for n in args.shows]
    cases = PRESETS[args.preset] if args.preset else grid
    results: list[dict[str, Any]] = []
    for workers, viewers, rate, shows in cases:
        viewers, rate = max(1, round(viewers * args.scale)), max(1, round(rate * args.scale))
        runs = [_one_run(args, workers, viewers, rate, shows) for _ in range(args.runs)]
        case = {**median_of(runs), **machine()}
        print(json.dumps(case), flush=True)
        results.append(case)
        _write(args, results)  # after every case: a run stopped early keeps its data
    print(f"wrote {args.out}")


def _one_run(args: argparse.Namespace, workers: int, viewers: int, rate: int, shows: int) -> dict[str, Any]:
    signed_in = not args.anonymous
    bench = _setup_db(shows, args.songs, voters_needed(rate, signed_in), signed_in)
    port = _free_port()
    env = backend_env(bench.url)
    if args.anonymous:
        env.update(
            ANON_VOTES_PER_SHOW="1000000", VOTE_RATE_PER_MINUTE="1000000", ANON_IP_RATE_PER_MINUTE="1000000"
        )
    log = RESULTS / f"live_fanout_backend_{workers}w.log"
    RESULTS.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    proc = serve.start_backend(port, workers, env, log, cpus=args.backend_cpus or None)
    try:
        backend = psutil.Process(proc.pid)
        case = asyncio.run(
            asyncio.wait_for(
                _run_case(
                    port, viewers, rate, args.seconds, bench, backend, round(args.reconnect * args.scale)
                ),
                600,
            )
        )
        final = _final_counts(bench.url)
        states = case.pop("_viewers_state")
        case["wrong_final_counts"] = sum(
            1 for v in states if v.last_votes() != {str(p): final[str(p)] for p in bench.shows[v.show][1]}
        )
        case.update(workers=workers, shows=shows, signed_in=signed_in, load_1m_before=load_before)
        print(json.dumps(case), flush=True)
        return case
    finally:
        serve.stop(proc)
        _drop_db(bench.db_name)


def _write(args: argparse.Namespace, results: list[dict[str, Any]]) -> None:
    meta = {
        **machine(),  # the machine is shared: read results with the load average
        "tick_ms": get_settings().live_tick_ms,  # the env of this process reaches the backend too
        "backend_cpus": args.backend_cpus,
        "client_cpus": args.client_cpus,
        "seconds": args.seconds,
        "songs": args.songs,
        "at": utcnow().isoformat(),
    }
    Path(args.out).write_text(json.dumps({"meta": meta, "results": results}, indent=2))


if __name__ == "__main__":
    main()
