"""Shared setup for the ops benchmarks: a private migrated+seeded Postgres DB and Redis DB, JSON results."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import redis
from sqlmodel import Session

from setlist_app.db import make_engine
from setlist_app.migrations import upgrade_to_head
from setlist_app.services.demo_seed import seed_demo_catalog

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_BASE = "redis://127.0.0.1:6379"
RESULTS = Path(__file__).resolve().parent / "results"


@contextmanager
def private_services(redis_db: int = 14) -> Iterator[tuple[str, str]]:
    """(database_url, redis_url): a fresh seeded database and an emptied Redis DB, dropped afterwards."""
    name = f"setlist_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    redis_url = f"{REDIS_BASE}/{redis_db}"
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    try:
        upgrade_to_head(url)
        engine = make_engine(url)
        with Session(engine) as session:
            seed_demo_catalog(session)
        engine.dispose()
        yield url, redis_url
    finally:
        client.flushdb()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


# -- comparable figures (issue 16): pinned cores, load average, median of N runs -----------------


def taskset(cpus: str | None) -> list[str]:
    """Command prefix pinning a child (and its forks) to `cpus` ("0", "0-1"); [] when not pinning."""
    return ["taskset", "-c", cpus] if cpus else []


def pin_self(cpus: str | None) -> None:
    """Pin this (load client) process to `cpus`, apart from the backend's cores."""
    if cpus:
        os.sched_setaffinity(0, _cpu_list(cpus))


def _cpu_list(cpus: str) -> set[int]:
    out: set[int] = set()
    for part in cpus.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def machine() -> dict[str, Any]:
    """What a reader needs to judge a figure: cores and the load average when it was taken."""
    return {"cpus": os.cpu_count(), "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One case from repeated runs: each number is the median, with `<key>_spread` = [min, max]."""
    out: dict[str, Any] = {"runs": len(runs)}
    for key, first in runs[0].items():
        values = [r[key] for r in runs if isinstance(r.get(key), int | float) and r[key] == r[key]]
        if isinstance(first, bool) or not isinstance(first, int | float) or not values:
            out[key] = first
            continue
        out[key] = round(statistics.median(values), 1)
        if len(values) > 1:
            out[f"{key}_spread"] = [min(values), max(values)]
    return out


def add_report_options(parser: argparse.ArgumentParser, client_cpus: str = "1") -> None:
    """The options every benchmark shares: the load client's cores and `--table` (print a results
    file's README table and exit, see `printed_table`)."""
    parser.add_argument(
        "--client-cpus", default=client_cpus, help="cores for this load client ('' = no pinning)"
    )
    parser.add_argument("--table", metavar="JSON", help="print the README table of a results file and exit")


def printed_table(args: argparse.Namespace, columns: list[tuple[str, str]]) -> bool:
    """If `--table` was given, print that results file's README table; whether it was."""
    if args.table:
        print(markdown_table(json.loads(Path(args.table).read_text())["results"], columns))
    return bool(args.table)


def markdown_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    """A README table: `columns` are (key, header); a spread is shown as "median (min to max)"."""

    def cell(row: dict[str, Any], key: str) -> str:
        value = row.get(key, "")
        spread = row.get(f"{key}_spread")
        return f"{value} ({spread[0]} to {spread[1]})" if spread and spread[0] != spread[1] else str(value)

    lines = ["| " + " | ".join(h for _, h in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r, k) for k, _ in columns) + " |" for r in rows]
    return "\n".join(lines)
