"""End-to-end fixtures: the real app (`reflex run --env prod`) on a free port, and headless Chromium.

The app process uses the session's test database and Redis DB. One e2e session at a time may build
`.web` (a file lock serialises concurrent runs on one machine).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.services.demo_seed import seed_demo_catalog
from setlist_app.settings import PROJECT_ROOT
from tests.conftest import reset_tables
from tests.fixtures.simulator import SimulatorServer
from tests.integration.ops.cluster import service_env

ARTIFACTS = PROJECT_ROOT / "tests" / "e2e" / "artifacts"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# The simulator's demo admin (simulator/oidc.py); the app runs with ADMIN_EMAILS set to it.
E2E_ADMIN_EMAIL = "ada@setlist.test"


@pytest.fixture(scope="session")
def app_url(database_url: str, redis_url: str, simulator: SimulatorServer) -> Iterator[str]:
    """Base URL of the running app, talking to this session's simulator (providers and OIDC).

    Its output goes to tests/e2e/artifacts/app.log.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lock = (PROJECT_ROOT / ".web.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    port = _free_port()
    env = service_env(
        database_url, redis_url, lift_limits=False, SIMULATOR_URL=simulator.url, ADMIN_EMAILS=E2E_ADMIN_EMAIL
    )
    log = (ARTIFACTS / "app.log").open("wb")
    argv = [
        str(Path(os.sys.executable).parent / "reflex"),
        "run",
        "--env",
        "prod",
        "--single-port",
        "--frontend-port",
        str(port),
        "--backend-port",
        str(port),
    ]
    proc = subprocess.Popen(
        argv, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        yield url
    finally:
        stop_process_group(proc)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group, SIGKILL it if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 420
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited early; see {ARTIFACTS / 'app.log'}")
        try:
            with (
                urllib.request.urlopen(url + "/", timeout=2) as r1,
                urllib.request.urlopen(url + "/ping", timeout=2) as r2,
            ):
                if r1.status == 200 and r2.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not become ready; see {ARTIFACTS / 'app.log'}")


@pytest.fixture(scope="module")
def seeded(database_url: str) -> Iterator[None]:
    """The demo catalog loaded for a module of e2e tests, removed afterwards."""
    from setlist_app.db import get_engine

    engine: Engine = get_engine()
    with Session(engine) as session:
        seed_demo_catalog(session)
    worker_heartbeat()
    yield
    reset_tables(engine)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def worker_heartbeat() -> None:
    """Record a fresh worker heartbeat, as a running arq worker would (else the banner says "down")."""
    from setlist_app.db import get_engine
    from setlist_app.models import utcnow
    from setlist_app.sync import status

    with Session(get_engine()) as s:
        status.refresh(s, utcnow(), phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
        s.commit()


@pytest.fixture
def page(browser: Browser, database_url: str) -> Iterator[Page]:
    """A desktop-sized page on an app whose sync looks healthy (fresh worker heartbeat)."""
    worker_heartbeat()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def screenshot(page: Page, name: str) -> None:
    """Save a README screenshot (docs/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
