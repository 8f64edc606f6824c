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


def service_env(
    database_url: str, redis_url: str, *, lift_limits: bool = True, **extra: str
) -> dict[str, str]:
    """Environment for app/worker children: one Postgres DB, one Redis DB for everything.

    `lift_limits`: load clients vote from one address, so the per-IP/per-voter abuse limits are
    lifted; tests of those limits (the browser suite) keep them.
    """
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
    )
    if lift_limits:
        env.update(
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


# -- throwaway services for the fault tests (never the shared system Postgres/Redis) -------------

PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql/bin"))


def wait_port(port: int, timeout: float = 20.0) -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


@dataclass
class OwnRedis:
    """A private redis-server without persistence: a restart loses every key, like a crashed Redis."""

    name: str
    port: int = field(default_factory=free_port)
    proc: Proc | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> OwnRedis:
        argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.proc = Proc(self.name, argv, dict(os.environ)).start()
        wait_port(self.port)
        return self

    def kill(self) -> None:
        """SIGKILL: the process and all its data are gone."""
        if self.proc is not None:
            self.proc.kill(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.proc.wait(timeout=5)  # type: ignore[union-attr]

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(5)


@dataclass
class OwnPostgres:
    """A throwaway PostgreSQL cluster (initdb in a temp dir, run as the postgres user) on a free port."""

    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def _run(self, tool: str, *args: str, timeout: float = 60.0) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args],
            check=True,
            timeout=timeout,
            capture_output=True,
        )

    def init(self) -> OwnPostgres:
        self.root.mkdir(parents=True, exist_ok=True)
        subprocess.run(["chown", "-R", "postgres:postgres", str(self.root)], check=True)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", opts, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash (no shutdown checkpoint; recovery replays the WAL on start)."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
