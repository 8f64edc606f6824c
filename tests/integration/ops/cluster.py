"""Start real app processes (`reflex run --env prod --backend-only`), arq workers and the simulator as
subprocesses on 127.0.0.1, for the scale-out/fault tests and the benchmarks. Each child runs in its
own process group and is stopped (SIGTERM, then SIGKILL) with everything it spawned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from setlist_app.settings import PROJECT_ROOT

BIN = Path(sys.executable).parent
BUN_BIN = PROJECT_ROOT / ".tools" / "bun" / "node_modules" / ".bin"
LOGS = PROJECT_ROOT / "tests" / "integration" / "ops" / "logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """Environment for app/worker children: one Postgres DB, one Redis DB for everything."""
    base, db = redis_url.rsplit("/", 1)
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=base,
        REDIS_DB_REFLEX=db,
        REDIS_DB_APP=db,
        REDIS_DB_QUEUE=db,
        ENVIRONMENT="test",
        GRANIAN_WORKERS="1",
        PATH=f"{BUN_BIN}:{os.environ.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_CHECK_LATEST_VERSION="0",
        PYTHONPATH=str(PROJECT_ROOT),
        # Load clients vote from one address: lift the per-IP/per-voter abuse limits.
        ANON_VOTES_PER_SHOW="100000",
        ANON_IP_RATE_PER_MINUTE="100000000",
        VOTE_RATE_PER_MINUTE="100000000",
    )
    env.update(extra)
    return env


@dataclass
class Proc:
    """A child process group with a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    url: str = ""
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=Path)

    def start(self) -> Proc:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"{self.name}.log"
        out = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole group (the app's granian workers too)."""
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc is None:
            return
        self.kill(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout)
        self.kill(signal.SIGKILL)  # anything left in the group
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


def app_process(name: str, env: dict[str, str], workers: int = 1) -> Proc:
    port = free_port()
    argv = [
        str(BIN / "reflex"),
        "run",
        "--env",
        "prod",
        "--backend-only",
        "--backend-host",
        "127.0.0.1",
        "--backend-port",
        str(port),
    ]
    return Proc(name, argv, {**env, "GRANIAN_WORKERS": str(workers)}, url=f"http://127.0.0.1:{port}")


def worker_process(name: str, env: dict[str, str], settings: str = "workers.settings.WorkerSettings") -> Proc:
    return Proc(name, [str(BIN / "arq"), settings], env)


def wait_http(url: str, timeout: float = 90.0, procs: list[Proc] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs or []:
            if not p.alive():
                raise RuntimeError(f"{p.name} exited early; see {p.log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s")


def upcoming_songs(database_url: str, limit_shows: int = 100) -> list[tuple[str, int, list[int]]]:
    """(show slug, show id, visible prediction-song ids) of upcoming shows that have a prediction."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT s.slug, s.id, array_agg(ps.id ORDER BY ps.id) FROM shows s"
            " JOIN predictions p ON p.show_id = s.id JOIN prediction_songs ps ON ps.prediction_id = p.id"
            " WHERE s.status = 'upcoming' AND s.starts_at > now() + interval '1 day' AND NOT ps.hidden"
            " GROUP BY s.id ORDER BY s.id LIMIT %s",
            (limit_shows,),
        ).fetchall()
    return [(slug, show_id, list(ids)) for slug, show_id, ids in rows]
