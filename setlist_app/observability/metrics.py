"""Prometheus metrics (the official `prometheus_client`), safe for many granian and arq processes.

Two kinds of numbers, two mechanisms:

* **Events counted where they happen** (votes, pushes, jobs, provider calls, latencies) use the
  client's *multiprocess mode*: with `PROMETHEUS_MULTIPROC_DIR` set, every process (each granian
  worker, each arq worker on the host) writes its samples to mmap'd files in that directory and
  `/metrics` merges them. Chosen over a Redis-backed collector because it is the library's own
  mechanism, costs no network round trip per increment (votes are hot), and keeps working while
  Redis is down — exactly when operators need the numbers. The directory must be wiped when the
  host's services start (the launcher does; see README "Production").
* **State read at scrape time** (queue depth, breaker states, budget use) comes from the database
  and Redis — the cluster-wide truth — so it needs no cross-process bookkeeping at all
  (`setlist_app.api.metrics_gauges`).

Without `PROMETHEUS_MULTIPROC_DIR` metrics live in this process's default registry (tests, dev).
This module never imports reflex; domain code calls the small helpers below (one line per hook).
"""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client import multiprocess as mp

from setlist_app.settings import get_settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _enable_multiprocess_from_settings() -> None:
    """Honour PROMETHEUS_MULTIPROC_DIR given via `.env` too (the client only reads os.environ)."""
    directory = get_settings().prometheus_multiproc_dir
    if directory and not os.environ.get(MULTIPROC_ENV):
        os.environ[MULTIPROC_ENV] = directory
    if os.environ.get(MULTIPROC_ENV):
        os.makedirs(os.environ[MULTIPROC_ENV], exist_ok=True)
        values.ValueClass = values.get_value_class()  # metrics below are created after this


_enable_multiprocess_from_settings()

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

VOTES = Counter("setlist_votes", "Vote requests by outcome and reason", ["outcome", "reason"])
LIVE_PUSHES = Counter("setlist_live_pushes", "Snapshots sent to a show's room by a live pusher")
LIVE_FANOUT = Histogram(
    "setlist_live_fanout_seconds",
    "Live pusher round per show: sequence+database read through the room emit",
    buckets=LATENCY_BUCKETS,
)
VOTE_BATCH = Histogram(
    "setlist_vote_batch_size",
    "Votes stored per transaction by a backend's vote lane (its group commit)",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200),
)
VIEWERS = Gauge(
    "setlist_live_viewers", "Show-page viewers connected (sum over live workers)", multiprocess_mode="livesum"
)
JOBS_STARTED = Counter("setlist_jobs_started", "Sync jobs claimed and started, per kind", ["kind"])
JOBS_FINISHED = Counter(
    "setlist_jobs_finished", "Sync jobs finished, per kind and outcome", ["kind", "outcome"]
)
JOB_SECONDS = Histogram(
    "setlist_job_duration_seconds", "Sync job run time per kind", ["kind"], buckets=LATENCY_BUCKETS
)
PROVIDER_CALLS = Counter(
    "setlist_provider_calls",
    "HTTP calls to a provider API by status (429 counted separately too)",
    ["provider", "status"],
)
PROVIDER_429 = Counter("setlist_provider_429", "429 answers from a provider (shared pause set)", ["provider"])
PROVIDER_SECONDS = Histogram(
    "setlist_provider_request_seconds", "Provider HTTP request latency", ["provider"], buckets=LATENCY_BUCKETS
)
WRITE_CONFLICTS = Counter(
    "setlist_write_conflicts",
    "Database write conflicts retried by the sync pipeline (version race, deadlock, serialization)",
    ["kind"],
)
RATE_LIMIT_WAIT = Counter(
    "setlist_rate_limit_wait_seconds", "Seconds spent waiting for a shared rate-limit slot", ["provider"]
)
RATE_LIMIT_REJECTED = Counter(
    "setlist_rate_limit_rejected", "Calls refused because no rate-limit slot freed up in time", ["provider"]
)
HTTP_SECONDS = Histogram(
    "setlist_http_request_seconds",
    "HTTP request latency by route group",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
EVENT_SECONDS = Histogram(
    "setlist_event_handler_seconds",
    "Reflex event handler latency (all of a handler's updates)",
    ["handler"],
    buckets=LATENCY_BUCKETS,
)


# -- one-line hooks -------------------------------------------------------------------------------
def vote_accepted() -> None:
    VOTES.labels("accepted", "").inc()


def vote_rejected(reason: str) -> None:
    """`reason` is a `VoteRejected.code` (bounded) or "error" for a vote that could not be stored."""
    VOTES.labels("rejected", reason).inc()


def live_pushed(started: float) -> None:
    """A pusher emitted one snapshot; `started` is the round's `time.perf_counter()` start."""
    LIVE_PUSHES.inc()
    LIVE_FANOUT.observe(time.perf_counter() - started)


def set_viewers(count: int) -> None:
    VIEWERS.set(count)


def job_started(kind: str) -> float:
    JOBS_STARTED.labels(kind).inc()
    return time.perf_counter()


def job_finished(kind: str, outcome: str, started: float) -> None:
    JOBS_FINISHED.labels(kind, outcome).inc()
    JOB_SECONDS.labels(kind).observe(time.perf_counter() - started)


def provider_call(provider: str, status: int | str, started: float) -> None:
    """One HTTP exchange with a provider (`status` is the code, or "error" for a transport failure)."""
    PROVIDER_CALLS.labels(provider, str(status)).inc()
    PROVIDER_SECONDS.labels(provider).observe(time.perf_counter() - started)


@contextmanager
def timed(histogram: Histogram, **labels: str) -> Iterator[dict[str, str]]:
    """Observe the block's duration; the yielded dict may change labels (e.g. a status) before exit."""
    started = time.perf_counter()
    try:
        yield labels
    finally:
        histogram.labels(**labels).observe(time.perf_counter() - started)


# -- exposition -----------------------------------------------------------------------------------
def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def _sweep_dead_processes(directory: str) -> None:
    """Drop live-gauge files of processes that are gone (a crashed worker's viewers are not live)."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        pid = os.path.basename(path).rsplit("_", 1)[-1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            mp.mark_process_dead(int(pid), directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_registry() -> CollectorRegistry:
    """The registry to expose: merged over all processes in multiprocess mode, else this process's."""
    directory = multiprocess_dir()
    if directory is None:
        return REGISTRY
    _sweep_dead_processes(directory)
    registry = CollectorRegistry()
    mp.MultiProcessCollector(registry, path=directory)
    return registry


def render(*extra: CollectorRegistry) -> tuple[bytes, str]:
    """The Prometheus text exposition of the process metrics plus `extra` registries."""
    body = b"".join(generate_latest(r) for r in (process_registry(), *extra))
    return body, CONTENT_TYPE_LATEST


def reset_directory(directory: str) -> None:
    """Empty a multiprocess directory (call before the host's processes start; never while they run)."""
    os.makedirs(directory, exist_ok=True)
    for path in glob.glob(os.path.join(directory, "*.db")):
        os.remove(path)
