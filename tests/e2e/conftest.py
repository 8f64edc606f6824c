"""End-to-end fixtures: the app started the way `make run` starts it, a PostgreSQL variant, Chromium.

The default app (`launcher`) is `python -m setlist_app.launcher` on a SQLite file: it finds this
session's Redis DB, starts the provider simulator and the arq worker as its children, builds and
serves the app on one port, and bootstraps the simulator's demo admin. The demo catalog is loaded
with `seed_demo_catalog` before it starts (instead of the minutes-long first-run fill), with every
cron disabled so the worker only runs what a test asks for.

The `postgres` app is the production shape the SQLite default cannot show: PostgreSQL and two
backend workers sharing the Redis state manager, serving the launcher's build (no second build),
with its own in-process simulator and no arq worker. A module opts into it with
`pytest.mark.parametrize("site", [...], indirect=True, scope="module")` and says why.

While a module runs against an app, this process's settings point at that app's database, so
`setlist_app.db.get_engine()` in a test reads and writes what the app sees. One e2e session at a time
may build `.web` (a file lock serialises concurrent runs on one machine).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Route,
    expect,
    sync_playwright,
)
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from benchmarks.live_fanout import serve
from setlist_app.auth.cookies import SESSION_COOKIE
from setlist_app.auth.sessions import create_session
from setlist_app.db import get_engine, make_engine
from setlist_app.migrations import upgrade_to_head
from setlist_app.models import (
    CronSetting,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    SyncStatus,
    User,
    utcnow,
)
from setlist_app.services.demo_seed import seed_demo_catalog
from setlist_app.settings import PROJECT_ROOT, get_settings
from setlist_app.sync import crons, registry  # noqa: F401  (registry fills the planners)
from simulator.app import create_app
from tests.conftest import reset_tables
from tests.fixtures.simulator import SimulatorServer, start_simulator
from tests.integration.ops.cluster import free_port, service_env

ARTIFACTS = PROJECT_ROOT / "tests" / "e2e" / "artifacts"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
LAUNCHER_LOGS = PROJECT_ROOT / "data" / "logs"  # where the launcher writes its children's logs
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The simulator's demo admin (simulator/oidc.py): the launcher bootstraps it as admin in demo mode.
E2E_ADMIN_EMAIL = "ada@setlist.test"
BUILD_TIMEOUT = 600.0  # the first `.web` build on a cold machine takes minutes


@dataclass
class E2EApp:
    """A running app under test: where to reach it, its database and the simulator it talks to."""

    name: str
    url: str
    database_url: str
    simulator: SimulatorServer
    has_worker: bool  # an arq worker runs jobs and keeps the heartbeat fresh
    serves_other_build: bool = False  # the frontend build was made for another app's port
    env: dict[str, str] = field(default_factory=dict)  # the environment its processes run with

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.database_url)

    def ensure_healthy(self) -> None:
        """A fresh worker heartbeat: wait for the worker's, or write one where no worker runs."""
        if self.has_worker:
            wait_until(
                lambda: _heartbeat_is_fresh(self.engine), 60, f"the worker's heartbeat (see {LAUNCHER_LOGS})"
            )
        else:
            worker_heartbeat(self.engine)

    def activate(self) -> None:
        """Point this process's settings (and so `get_engine()`) at this app's database."""
        os.environ["DATABASE_URL"] = self.database_url
        get_settings.cache_clear()

    def context(self, browser: Browser, **options: Any) -> BrowserContext:
        """A desktop browser context whose frontend talks to this app."""
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        if self.serves_other_build:
            _point_frontend_at(context, self.url)
        return context


def _point_frontend_at(context: BrowserContext, base_url: str) -> None:
    """The single-port build has its app's port baked into `env.json`: aim it at `base_url` instead."""
    port = base_url.rsplit(":", 1)[1]

    def handle(route: Route) -> None:
        response = route.fetch()
        body = re.sub(r"(localhost|127\.0\.0\.1):\d+", rf"\g<1>:{port}", response.text())
        headers = {
            k: v
            for k, v in response.headers.items()
            if k.lower() not in ("content-encoding", "content-length")
        }
        route.fulfill(status=response.status, headers=headers, body=body)

    context.route(re.compile(r".*/assets/reflex-env-[^/]*\.js.*"), handle)


def load_demo(engine: Engine) -> None:
    """Empty the database, load the demo catalog, and register every cron disabled."""
    reset_tables(engine)
    with Session(engine) as session:
        seed_demo_catalog(session)
        crons.ensure_defaults(session, utcnow())
        session.execute(update(CronSetting).values(enabled=False))
        session.commit()


def _heartbeat_is_fresh(engine: Engine) -> bool:
    with Session(engine) as s:
        beat = s.exec(select(SyncStatus.worker_heartbeat_at)).first()
    return beat is not None and (utcnow() - beat.replace(tzinfo=utcnow().tzinfo)).total_seconds() < 10


def upcoming_show_slug() -> str:
    """An upcoming show whose prediction has songs to vote on."""
    with Session(get_engine()) as s:
        slug = s.exec(
            select(Show.slug)
            .join(Prediction, col(Prediction.show_id) == Show.id)
            .join(PredictionSong, col(PredictionSong.prediction_id) == Prediction.id)
            .where(Show.status == ShowStatus.UPCOMING, Show.starts_at > utcnow())
            .order_by(Show.starts_at)
        ).first()
    assert slug is not None, "the demo has an upcoming show with a prediction"
    return slug


def wait_until(condition: Callable[[], bool], timeout: float, what: str, poll: float = 0.2) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(poll)


def worker_heartbeat(engine: Engine | None = None) -> None:
    """Record a fresh worker heartbeat, as a running arq worker would (else the banner says "down")."""
    from setlist_app.sync import status

    with Session(engine or get_engine()) as s:
        status.refresh(s, utcnow(), phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
        s.commit()


def _wait_http(url: str, timeout: float, alive: Callable[[], bool], log: Path) -> None:
    """Wait until `url` answers 200, failing early (pointing at `log`) if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the app exited early; see {log}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(1)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s; see {log}")


def stop_process_group(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM the child's process group, SIGKILL it if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def launcher_app(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EApp]:
    """`python -m setlist_app.launcher` as `make run` starts it, on a SQLite file with the demo loaded.

    The launcher's children log to data/logs/ (app.log, worker.log, simulator.log); its own output
    goes to tests/e2e/artifacts/launcher.log.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root = tmp_path_factory.mktemp("launcher")
    database_url = f"sqlite:///{root / 'setlist.db'}"
    port, simulator_port = free_port(), free_port()
    simulator_url = f"http://127.0.0.1:{simulator_port}"
    app = E2EApp(
        "launcher",
        f"http://127.0.0.1:{port}",
        database_url,
        SimulatorServer(simulator_url, create_app()),
        True,
    )
    upgrade_to_head(database_url)
    load_demo(app.engine)
    env = service_env(
        database_url,
        redis_url,
        lift_limits=False,
        PORT=str(port),
        APP_URL=app.url,
        SIMULATOR_URL=simulator_url,
        GRANIAN_WORKERS="2",  # several backend workers, as in production (bounded for 2-core CI)
        SYNC_TICK_SECONDS="2",  # the worker picks up requested jobs within seconds
        ALERT_CHECK_SECONDS="2",  # and raises/clears alerts within seconds
        PROMETHEUS_MULTIPROC_DIR=str(root / "metrics"),
        # The demo crowd would move the counts other tests assert; tests/e2e/test_demo_crowd.py
        # starts it (as the launcher does) when it wants it.
        DEMO_CROWD_ACTIONS_PER_MINUTE="0",
        # Every browser of the suite comes from 127.0.0.1: the per-address cap on artist requests
        # (tests/integration/sync_domain/test_artist_request_and_probe.py) would otherwise refuse
        # the crawls' requests once earlier tests have made ten.
        ARTIST_REQUESTS_PER_IP_PER_HOUR="1000",
    )
    env.pop("ADMIN_EMAILS", None)  # demo mode: the launcher makes the simulator's admin an admin
    app.env = env
    lock = (PROJECT_ROOT / ".web.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    log = ARTIFACTS / "launcher.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "setlist_app.launcher"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        alive = lambda: proc.poll() is None  # noqa: E731
        _wait_http(f"{app.url}/ping", BUILD_TIMEOUT, alive, LAUNCHER_LOGS / "app.log")
        _wait_http(f"{app.url}/", 60, alive, LAUNCHER_LOGS / "app.log")
        app.ensure_healthy()
        yield app
    finally:
        stop_process_group(proc)  # the launcher stops its children (SIGTERM, then SIGKILL)
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@pytest.fixture(scope="session")
def postgres_app(launcher_app: E2EApp, database_url: str, redis_url: str) -> Iterator[E2EApp]:
    """PostgreSQL with two backend workers on the launcher's build, its own simulator, no arq worker."""
    with start_simulator(create_app()) as simulator:
        port = free_port()
        env = service_env(
            database_url,
            redis_url,
            lift_limits=False,
            SIMULATOR_URL=simulator.url,
            APP_URL=f"http://127.0.0.1:{port}",  # the origin the event websocket accepts
        )
        proc = serve.start_backend(port, 2, env, ARTIFACTS / "app-postgres.log", mount_frontend=True)
        try:
            yield E2EApp(
                "postgres",
                f"http://127.0.0.1:{port}",
                database_url,
                simulator,
                False,
                serves_other_build=True,
            )
        finally:
            serve.stop(proc)


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest) -> Iterator[E2EApp]:
    """The app this module runs against (default: the launcher's); its database is the active one."""
    name = getattr(request, "param", "launcher")
    app: E2EApp = request.getfixturevalue(f"{name}_app")
    previous = os.environ.get("DATABASE_URL", "")
    app.activate()
    yield app
    os.environ["DATABASE_URL"] = previous
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def app_url(site: E2EApp) -> str:
    return site.url


@pytest.fixture(scope="module")
def simulator(site: E2EApp) -> SimulatorServer:
    """The simulator the module's app talks to (overrides the session's in-process one)."""
    return site.simulator


@pytest.fixture(scope="module")
def seeded(site: E2EApp) -> None:
    """A fresh demo catalog in the module's app database (whatever earlier modules changed is gone)."""
    load_demo(site.engine)
    site.ensure_healthy()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser, site: E2EApp) -> Iterator[Page]:
    """A desktop-sized page on the module's app, whose sync looks healthy; uncaught errors fail the test."""
    site.ensure_healthy()
    context = site.context(browser)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


SIMULATOR_ISSUERS = {"Demo sign-in": "/oidc", "Demo ID": "/oidc-b"}  # button label -> issuer mount


def sign_in(
    page: Page, app_url: str, simulator: SimulatorServer, user: str, provider: str = "Demo sign-in"
) -> None:
    """Sign in as one of a simulator issuer's demo users, from the page the browser is on: the
    navigation's button, the provider's button on /sign-in, the user at the issuer's picker."""
    page.locator(".nav-sign-in").first.click()
    page.wait_for_url(f"{app_url}/sign-in**")
    page.locator(".sign-in-provider", has_text=provider).click()
    page.wait_for_url(f"{simulator.url}{SIMULATOR_ISSUERS[provider]}/authorize*")  # the issuer's picker
    page.get_by_role("link", name=user).click()
    page.wait_for_url(f"{app_url}/**")
    expect(page.locator(".account-menu")).to_contain_text(user, timeout=20_000)


def screenshot(page: Page, name: str) -> None:
    """Save a README screenshot: to tests/e2e/artifacts/screenshots/, or over docs/screenshots/ with
    UPDATE_SCREENSHOTS=1 (a test run leaves the tracked images alone unless asked)."""
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


@dataclass
class Watched:
    """A page with every console error and uncaught exception it produced."""

    page: Page
    problems: list[str]


def open_as(site: E2EApp, browser: Browser, role: str) -> Watched:
    """A new desktop page signed in as a fresh user with `role`, recording console errors."""
    with Session(get_engine(), expire_on_commit=False) as s:
        user = User(name=f"E2E {role}", email=f"e2e-{role}-{utcnow().timestamp()}@setlist.test", role=role)
        s.add(user)
        s.commit()
    context = site.context(browser)
    context.add_cookies([{"name": SESSION_COOKIE, "value": create_session(user.id or 0), "url": site.url}])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
    page.on("console", lambda msg: _record_console(msg, problems))
    return Watched(page, problems)


def _record_console(msg: ConsoleMessage, problems: list[str]) -> None:
    if msg.type == "error":
        problems.append(f"console: {msg.text}")


def _signed_in(site: E2EApp, browser: Browser, role: str) -> Iterator[Watched]:
    watched = open_as(site, browser, role)
    yield watched
    watched.page.context.close()
    assert watched.problems == []


@pytest.fixture
def fan(site: E2EApp, browser: Browser, seeded: None) -> Iterator[Watched]:
    """A signed-in fan's desktop page (a fresh user); console errors fail the test."""
    yield from _signed_in(site, browser, "user")


@pytest.fixture
def admin(site: E2EApp, browser: Browser, seeded: None) -> Iterator[Watched]:
    """A signed-in admin's desktop page (a fresh user); console errors fail the test."""
    yield from _signed_in(site, browser, "admin")
