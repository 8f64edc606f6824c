"""The admin dashboard in Chromium, as an admin signed in through the simulator's OIDC issuer
(ADMIN_EMAILS bootstrap), with a real arq worker on the test database, Redis and simulator:
toggle a cron, sync an artist and watch it complete (a second click is deduplicated), see a
simulator fault open a circuit and the health turn degraded, reset it, change a role, review a
flag — and find every one of those actions in the audit log. Screenshots of the main sections.

The app fixture (tests/e2e/conftest.py) bootstraps the simulator's demo admin via ADMIN_EMAILS.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.db import get_engine
from setlist_app.models.base import utcnow
from setlist_app.models.users import User
from setlist_app.services import moderation, voting
from setlist_app.settings import PROJECT_ROOT
from setlist_app.sync import crons, registry  # noqa: F401  (registers the planners)
from tests.e2e.conftest import ARTIFACTS, E2E_ADMIN_EMAIL, screenshot, stop_process_group
from tests.fixtures.simulator import SimulatorServer
from tests.integration.ops.cluster import service_env

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # the first test also waits for the build
ADMIN = (E2E_ADMIN_EMAIL, "Ada Admin")


def _sql(statement: str, **params: object) -> list:
    with Session(get_engine()) as s:
        result = s.execute(text(statement), params)
        rows = result.fetchall() if result.returns_rows else []
        s.commit()
        return rows


@pytest.fixture(scope="module")
def worker(seeded: None, database_url: str, redis_url: str, simulator: SimulatorServer) -> Iterator[None]:
    """`arq workers.settings.WorkerSettings` against the test services; every cron starts disabled so
    only what the test asks for happens."""
    with Session(get_engine()) as s:
        crons.ensure_defaults(s, utcnow())
        s.commit()
    _sql("UPDATE cron_settings SET enabled = false")
    env = service_env(
        database_url, redis_url, lift_limits=False, SIMULATOR_URL=simulator.url, SYNC_TICK_SECONDS="2"
    )
    log = (ARTIFACTS / "worker.log").open("wb")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "arq"), "workers.settings.WorkerSettings"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not _sql("SELECT 1 FROM sync_status WHERE worker_heartbeat_at > now() - interval '10 seconds'"):
            assert proc.poll() is None and time.monotonic() < deadline, (
                f"worker did not start; see {log.name}"
            )
            time.sleep(0.5)
        yield
    finally:
        stop_process_group(proc)
        simulator.reset()


@pytest.fixture(scope="module")
def admin(browser: Browser, app_url: str, worker: None, simulator: SimulatorServer) -> Iterator[Page]:
    """One signed-in admin page for the module (the sign-in round trip is the slow part)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/")
    page.locator(".nav-sign-in").first.click()
    page.wait_for_url(f"{simulator.url}/oidc/authorize*")
    page.get_by_role("link", name=ADMIN[1]).click()
    page.wait_for_url(f"{app_url}/**")
    expect(page.locator(".account-menu")).to_contain_text(ADMIN[1], timeout=20_000)
    page.goto(f"{app_url}/admin")
    expect(page.locator(".admin-title")).to_have_text("Overview", timeout=30_000)
    yield page
    context.close()
    assert errors == [], errors


def _confirm(page: Page) -> None:
    dialog = page.get_by_role("alertdialog")
    dialog.locator(".confirm-action").click()
    expect(dialog).to_have_count(0)


def _toast(page: Page, text_: str) -> None:
    expect(page.locator("[data-sonner-toast]", has_text=text_).first).to_be_visible(timeout=15_000)


def test_overview_is_live_and_the_kill_switch_pauses_planners(admin: Page, app_url: str) -> None:
    page = admin
    health = page.locator(".admin-health")
    expect(health).to_have_attribute("data-level", "ok", timeout=20_000)  # a live worker heartbeat
    expect(page.locator(".stat-users .stat-value")).not_to_have_text("", timeout=10_000)
    expect(page.locator(".jobs-chart")).to_be_visible()
    page.locator(".kill-on").click()
    _confirm(page)
    _toast(page, "All planners paused")
    expect(health).to_contain_text("paused by an administrator", timeout=10_000)
    assert _sql("SELECT kill_switch FROM sync_status")[0][0] is True
    page.locator(".kill-off").click()
    _toast(page, "Planners resumed")
    expect(health).to_have_attribute("data-level", "ok", timeout=10_000)
    screenshot(page, "admin-overview")


def test_toggle_a_cron(admin: Page, app_url: str) -> None:
    page = admin
    page.goto(f"{app_url}/admin/crons")
    switch = page.locator(".cron-row[data-cron='trending'] .cron-enabled")
    expect(switch).to_have_attribute("aria-checked", "false", timeout=20_000)
    switch.click()
    _toast(page, "trending enabled")
    expect(switch).to_have_attribute("aria-checked", "true")
    assert _sql("SELECT enabled FROM cron_settings WHERE name = 'trending'")[0][0] is True
    page.locator(".cron-row[data-cron='trending'] .cron-run-now").click()
    _toast(page, "will run on the worker's next tick")
    # The worker picks it up on its next tick: a run appears in the row (live, no reload).
    expect(page.locator(".cron-row[data-cron='trending']")).to_contain_text("ago", timeout=20_000)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "admin-crons")
    switch.click()
    _toast(page, "trending disabled")
    expect(switch).to_have_attribute("aria-checked", "false")


def _artists_with_spotify(n: int) -> list[tuple[int, str, str]]:
    return [
        tuple(r)
        for r in _sql(
            "SELECT id, name, slug FROM artists WHERE spotify_id IS NOT NULL ORDER BY name LIMIT :n", n=n
        )
    ]


def test_sync_an_artist_and_watch_it_complete(admin: Page, app_url: str, simulator: SimulatorServer) -> None:
    page = admin
    _, name, slug = _artists_with_spotify(1)[0]
    simulator.fault("/spotify/v1/artists/*", "slow", delay=3, count=1)  # keeps the job running a moment
    page.goto(f"{app_url}/admin/artists")
    page.locator(".artist-search input").fill(name)
    page.locator(".artist-search input").press("Enter")
    row = page.locator(f".artist-row[data-artist='{slug}']")
    expect(row).to_be_visible(timeout=20_000)
    row.locator(".sync-now").click()
    _toast(page, "Catalog sync queued")
    row.locator(".sync-now").click()
    _toast(page, "A sync is already queued for this artist")
    expect(row.locator(".artist-job")).to_have_attribute("data-status", "succeeded", timeout=45_000)
    expect(row).to_contain_text("ok")
    assert _sql("SELECT count(*) FROM sync_jobs WHERE kind = 'catalog_sync'")[0][0] == 1
    page.goto(f"{app_url}/admin/jobs")
    expect(page.locator(".job-row[data-status='succeeded']").first).to_be_visible(timeout=20_000)
    page.locator(".job-row").first.get_by_role("button", name="Details").click()
    expect(page.get_by_role("dialog")).to_contain_text("catalog_sync")
    page.keyboard.press("Escape")
    screenshot(page, "admin-jobs")


def test_a_simulator_fault_opens_the_circuit(admin: Page, app_url: str, simulator: SimulatorServer) -> None:
    page = admin
    _, name, slug = _artists_with_spotify(2)[1]
    simulator.fault("/spotify/v1/artists/*", "quota", count=5)
    page.goto(f"{app_url}/admin/artists")
    page.locator(".artist-search input").fill(name)
    page.locator(".artist-search input").press("Enter")
    row = page.locator(f".artist-row[data-artist='{slug}']")
    row.locator(".sync-now").click()
    _toast(page, "Catalog sync queued")
    expect(row.locator(".artist-job")).to_have_attribute("data-status", "failed", timeout=45_000)
    page.goto(f"{app_url}/admin/providers")
    spotify = page.locator(".circuit-row[data-provider='spotify']")
    expect(spotify).to_have_attribute("data-state", "open", timeout=20_000)
    screenshot(page, "admin-providers")
    page.goto(f"{app_url}/admin")
    expect(page.locator(".admin-health")).to_have_attribute("data-level", "degraded", timeout=20_000)
    expect(page.locator(".admin-health")).to_contain_text("provider(s) are unavailable")
    page.goto(f"{app_url}/admin/providers")
    spotify.locator(".reset-provider").click()
    _confirm(page)
    _toast(page, "spotify circuit closed")
    expect(spotify).to_have_attribute("data-state", "closed", timeout=10_000)


def test_change_a_role(admin: Page, app_url: str) -> None:
    page = admin
    with Session(get_engine()) as s:
        s.add(User(email="sam@setlist.test", name="Sam Fan"))
        s.commit()
    page.goto(f"{app_url}/admin/users")
    page.locator(".user-search input").fill("Sam")
    page.locator(".user-search input").press("Enter")
    row = page.locator(".user-row", has_text="Sam Fan")
    expect(row).to_have_attribute("data-role", "user", timeout=20_000)
    expect(row).to_contain_text("s***@setlist.test")
    row.locator(".make-admin").click()
    _confirm(page)
    _toast(page, "User is now an admin")
    expect(row).to_have_attribute("data-role", "admin")
    row.locator(".remove-admin").click()
    _confirm(page)
    expect(row).to_have_attribute("data-role", "user", timeout=10_000)
    me = page.locator(".user-row", has_text=ADMIN[1])
    page.locator(".user-search input").fill("")
    page.locator(".user-search input").press("Enter")
    me.locator(".remove-admin").click()  # the only admin: refused, and the refusal is audited
    _confirm(page)
    _toast(page, "last admin")
    with Session(get_engine()) as s:  # someone signs up meanwhile: the list is live (polled)
        s.add(User(email="newcomer@setlist.test", name="Newcomer Fan"))
        s.commit()
    expect(page.locator(".user-row", has_text="Newcomer Fan")).to_be_visible(timeout=10_000)


def _fan_pick() -> tuple[int, str]:
    """A fan-added song on an upcoming show, reported by another fan; returns (flag id, song title)."""
    show_id, song_id, title = _sql(
        "SELECT s.id, a.song_id, so.title FROM shows s JOIN artist_songs a ON a.artist_id = s.artist_id"
        " JOIN songs so ON so.id = a.song_id WHERE s.status = 'upcoming' AND s.starts_at > now() + interval '1 day'"
        " AND so.is_studio AND NOT EXISTS (SELECT 1 FROM predictions p JOIN prediction_songs ps"
        " ON ps.prediction_id = p.id WHERE p.show_id = s.id AND ps.song_id = a.song_id)"
        " ORDER BY s.starts_at, a.position LIMIT 1"
    )[0]
    with Session(get_engine()) as s:
        fan = User(email="flagger@setlist.test", name="Flag Fan")
        s.add(fan)
        s.flush()
        added = voting.add_song(s, Viewer(anon_id="e2e-adder"), show_id, song_id)
        flag = moderation.report_song(
            s, Viewer(user_id=fan.id, role="user"), added.prediction_song_id, "not a song"
        )
        s.commit()
    return flag.flag_id, title


def test_review_a_flag_and_find_every_action_in_the_audit_log(admin: Page, app_url: str) -> None:
    page = admin
    flag_id, title = _fan_pick()
    page.goto(f"{app_url}/admin/moderation")
    row = page.locator(f".flag-row[data-flag='{flag_id}']")
    expect(row).to_contain_text(title, timeout=20_000)
    expect(row).to_contain_text("not a song")
    row.locator(".flag-remove").click()
    _confirm(page)
    _toast(page, "Song removed from the prediction")
    expect(row).to_have_count(0, timeout=10_000)
    hidden, votes = _sql(
        "SELECT ps.hidden, ps.vote_count FROM content_flags f JOIN prediction_songs ps"
        " ON ps.id = f.prediction_song_id WHERE f.id = :f",
        f=flag_id,
    )[0]
    assert hidden and votes == 0

    page.goto(f"{app_url}/admin/audit")
    expect(page.locator(".audit-row").first).to_be_visible(timeout=20_000)
    actions = set(page.locator(".audit-row").evaluate_all("rows => rows.map(r => r.dataset.action)"))
    assert {
        "kill_switch.on",
        "kill_switch.off",
        "cron.enable",
        "cron.run_now",
        "cron.disable",
        "artist.sync_now",
        "provider.reset",
        "user.role",
        "flag.remove",
    } <= actions, actions
    expect(
        page.locator(".audit-row[data-action='user.role']", has_text="refused: This is the last admin")
    ).to_be_visible()
    screenshot(page, "admin-audit")
    since = utcnow() - timedelta(minutes=30)
    assert _sql("SELECT count(*) FROM admin_audit_log WHERE created_at > :t", t=since)[0][0] >= 11
