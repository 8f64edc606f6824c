"""The admin dashboard in Chromium, as an admin signed in through the simulator's OIDC issuer
(the launcher's demo-mode admin), with the launcher's arq worker running requested jobs against its
simulator: toggle a cron, sync an artist and watch it complete (a second click is deduplicated), see
a simulator fault open a circuit and the health turn degraded, reset it, change a role, review a
flag — and find every one of those actions in the audit log. Screenshots of the main sections.

Every cron starts disabled (tests/e2e/conftest.py), so only what a test asks for happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from setlist_app.auth.viewer import Viewer
from setlist_app.db import get_engine
from setlist_app.models import (
    ArtistSong,
    CronSetting,
    Prediction,
    PredictionSong,
    ProviderCircuit,
    Show,
    ShowStatus,
    Song,
    SyncStatus,
)
from setlist_app.models.base import utcnow
from setlist_app.models.ops import AdminAuditLog, Alert, ErrorLog
from setlist_app.models.users import User
from setlist_app.services import moderation, voting
from setlist_app.settings import get_settings
from setlist_app.sync import status
from tests.e2e.conftest import E2E_ADMIN_EMAIL, screenshot, sign_in, wait_until
from tests.fixtures.simulator import SimulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # the first test also waits for the build
ADMIN = (E2E_ADMIN_EMAIL, "Ada Admin")


def _sql(statement: str, **params: object) -> list:
    with Session(get_engine()) as s:
        result = s.execute(text(statement), params)
        rows = result.fetchall() if result.returns_rows else []
        s.commit()
        return rows


def _status() -> SyncStatus:
    with Session(get_engine()) as s:
        return s.exec(select(SyncStatus)).one()


def _cron(name: str) -> CronSetting:
    with Session(get_engine()) as s:
        cron = s.get(CronSetting, name)
        assert cron is not None
        return cron


@pytest.fixture(scope="module")
def admin(browser: Browser, app_url: str, seeded: None, simulator: SimulatorServer) -> Iterator[Page]:
    """One signed-in admin page for the module (the sign-in round trip is the slow part)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{app_url}/")
    sign_in(page, app_url, simulator, ADMIN[1])
    page.goto(f"{app_url}/admin")
    expect(page.locator(".admin-title")).to_have_text("Overview", timeout=30_000)
    yield page
    context.close()
    simulator.reset()
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
    assert _status().kill_switch is True
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
    assert _cron("trending").enabled is True
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


def test_acknowledge_an_alert_and_open_a_recorded_error(admin: Page, app_url: str) -> None:
    """A circuit opens: the worker raises an alert; Acknowledge marks it (still listed, no reminder
    due); it clears when the circuit closes. A recorded error opens in its detail dialog."""
    page = admin
    now = utcnow()
    with Session(get_engine()) as s:
        s.add(
            ProviderCircuit(
                provider="e2e_probe", state="open", opened_at=now, retry_at=now + timedelta(days=1)
            )
        )
        s.add(
            ErrorLog(
                source="worker",
                message="e2e probe failed for artist 7",
                detail="Traceback (most recent call last):\nRuntimeError: e2e probe",
                count=42,
                context={"job_id": 7, "job_kind": "catalog_sync"},
            )
        )
        s.commit()
    try:
        page.goto(f"{app_url}/admin")
        row = page.locator(".alert-row[data-key='circuit:e2e_probe']").first
        expect(row).to_have_attribute("data-state", "raised", timeout=30_000)  # raised by the worker
        row.locator(".ack-alert").click()
        _toast(page, "Alert acknowledged")
        expect(row).to_have_attribute("data-state", "acknowledged", timeout=10_000)
        expect(row).to_contain_text("by Ada Admin")
        expect(row.locator(".ack-alert")).to_have_count(0)
        with Session(get_engine()) as s:
            alert = s.exec(select(Alert).where(Alert.key == "circuit:e2e_probe")).one()
            assert alert.acknowledged_at is not None and alert.open_key == "circuit:e2e_probe"

        error = page.locator(".error-row", has_text="e2e probe failed for artist 7")
        expect(error).to_contain_text("42 times", timeout=15_000)
        error.locator(".error-open").click()
        dialog = page.locator(".error-detail")
        expect(dialog).to_contain_text("job_id=7 job_kind=catalog_sync")
        expect(dialog).to_contain_text("RuntimeError: e2e probe")
        expect(dialog.get_by_text("42", exact=True)).to_be_visible()
        dialog.get_by_role("button", name="Close").click()
        expect(dialog).to_have_count(0)
    finally:
        _sql("DELETE FROM provider_circuits WHERE provider = 'e2e_probe'")
        _sql("DELETE FROM error_log WHERE message = 'e2e probe failed for artist 7'")
    expect(row).to_have_attribute("data-state", "cleared", timeout=30_000)  # the worker cleared it


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
    already_predicted = (
        select(PredictionSong.id)
        .join(Prediction, col(Prediction.id) == PredictionSong.prediction_id)
        .where(Prediction.show_id == Show.id, PredictionSong.song_id == ArtistSong.song_id)
        .exists()
    )
    with Session(get_engine()) as s:
        pick = s.exec(
            select(Show.id, ArtistSong.song_id, Song.title)
            .join(ArtistSong, col(ArtistSong.artist_id) == Show.artist_id)
            .join(Song, col(Song.id) == ArtistSong.song_id)
            .where(
                Show.status == ShowStatus.UPCOMING,
                Show.starts_at > utcnow() + timedelta(days=1),
                col(Song.is_studio),
                ~already_predicted,
            )
            .order_by(Show.starts_at, ArtistSong.position)
        ).first()
    assert pick is not None
    show_id, song_id, title = pick
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
        "alert.acknowledge",
    } <= actions, actions
    expect(
        page.locator(".audit-row[data-action='user.role']", has_text="refused: This is the last admin")
    ).to_be_visible()
    screenshot(page, "admin-audit")
    since = utcnow() - timedelta(minutes=30)
    with Session(get_engine()) as s:
        recent = s.exec(
            select(func.count()).select_from(AdminAuditLog).where(AdminAuditLog.created_at > since)
        )
        assert recent.one() >= 11


def test_forced_write_conflicts_turn_the_success_metrics_panel_red_and_back(
    admin: Page, app_url: str
) -> None:
    page = admin
    page.goto(f"{app_url}/admin")
    figure = page.locator(".success-figure[data-metric='write_conflicts_per_hour']")
    expect(figure).to_have_attribute("data-state", "green", timeout=20_000)
    expect(page.locator(".success-rate[data-kind='catalog_sync']")).to_be_visible()
    for _ in range(5):  # through the one entry point every conflict is counted by
        status.count_write_conflict(get_engine())
    expect(figure).to_have_attribute("data-state", "red", timeout=60_000)  # re-read live every 20 s
    expect(figure.locator(".success-value")).to_have_text("5")
    expect(figure.locator(".status-chip")).to_have_text("red")
    figure.scroll_into_view_if_needed()
    screenshot(page, "admin-success-metrics")
    _sql("DELETE FROM write_conflicts")  # the hour has passed
    page.reload()  # the page re-reads the figures as it loads (the live re-read was shown above)
    expect(figure).to_have_attribute("data-state", "green", timeout=20_000)


def test_run_now_during_the_budget_alarm_asks_for_confirmation_and_a_reason(
    admin: Page, app_url: str
) -> None:
    page = admin
    settings = get_settings()
    client = redis.Redis.from_url(settings.redis_db_url(settings.redis_db_app))
    budget_key = f"sync:budget:jobs:d:{utcnow():%Y%m%d}"
    client.set(budget_key, settings.sync_jobs_per_day_budget + 1)  # the worker raises the alarm
    try:
        wait_until(lambda: _status().alert is not None, 30, "the budget alarm")
        page.goto(f"{app_url}/admin/crons")
        row = page.locator(".cron-row[data-cron='trending']")
        row.locator(".cron-run-now").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text("bypasses that pause")
        expect(dialog.locator(".confirm-action")).to_be_disabled()  # not without a reason
        dialog.get_by_placeholder("Why must it run now?").fill("fans wait for the trending list")
        dialog.locator(".confirm-action").click()
        _toast(page, "will run on the worker's next tick")
        with Session(get_engine()) as s:
            entry = s.exec(
                select(AdminAuditLog)
                .where(AdminAuditLog.action == "cron.run_now")
                .order_by(col(AdminAuditLog.id).desc())
            ).first()
        assert entry is not None and entry.result == "ok"
        assert entry.arguments["reason"] == "fans wait for the trending list"
        assert entry.arguments["confirmed"] is True and "daily budget" in entry.arguments["budget_alarm"]
    finally:
        client.delete(budget_key)
        client.close()
    wait_until(lambda: _status().alert is None, 30, "the budget alarm to clear")
