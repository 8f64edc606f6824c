"""Issue 20 in Chromium: honest predictions, and each defect a new fan or admin met, pressed and checked.

Each test fails on the code before its fix: seeded songs looked like fan picks and a show nobody
voted on read "47 % predicted"; the leaderboard said nobody was scored; the venue was plain text;
"Can't find 'radi'?" sat next to Radiohead; the picker's scrollbar covered its badges; on a phone the
artwork pushed the list down; a vote toggle showed twice in the feed and merged anonymous votes
appeared under the fan's name; Retry was offered on succeeded jobs, keys read `show:1`, cron rows
stacked a badge per run and the two vote counts said nothing about what they count.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func
from sqlmodel import Session, col, select

from setlist_app.db import get_engine
from setlist_app.models import (
    ActualSetlist,
    Artist,
    CronRun,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    Song,
    SyncJob,
    Venue,
    utcnow,
)
from setlist_app.sync import jobs as gateway
from tests.e2e.conftest import ARTIFACTS, E2EApp, Watched, sign_in
from tests.fixtures.simulator import SimulatorServer

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}


def _artifact(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"issue20-{name}.png"))


def _upcoming() -> tuple[Show, str, int]:
    """The soonest upcoming show with a seeded prediction, its first song's title and prediction-song id."""
    with Session(get_engine(), expire_on_commit=False) as s:
        show, title, ps_id = s.exec(
            select(Show, Song.title, PredictionSong.id)
            .join(Prediction, col(Prediction.show_id) == Show.id)
            .join(PredictionSong, col(PredictionSong.prediction_id) == Prediction.id)
            .join(Song, col(Song.id) == PredictionSong.song_id)
            .where(Show.status == ShowStatus.UPCOMING, Show.starts_at > utcnow() + timedelta(days=1))
            .order_by(Show.starts_at, PredictionSong.position)
        ).first()
    return show, title, ps_id or 0


# -- 1. Honest predictions ------------------------------------------------------------------------
def test_seeded_songs_are_marked_and_an_unvoted_show_has_no_fan_score(
    app_url: str, seeded: None, page: Page
) -> None:
    show, _, _ = _upcoming()
    page.goto(f"{app_url}/shows/{show.slug}")
    badge = page.locator(".prediction-row .seeded-badge").first
    expect(badge).to_have_text("from recent setlists", timeout=20_000)

    page.goto(f"{app_url}/")  # the demo's completed shows: setlists in, nobody voted
    card = page.locator(".recent-score").first
    expect(card).to_have_text("No fan predictions for this show", timeout=20_000)
    expect(page.locator(".recent-score", has_text="predicted")).to_have_count(0)
    page.locator(".recent-score").first.locator("xpath=..").locator("a").first.click()
    expect(page.locator(".accuracy")).to_have_text("—", timeout=20_000)
    expect(page.locator(".accuracy-note")).to_contain_text("No fan predictions for this show")
    expect(page.locator(".setlist-song.hit")).to_have_count(0)  # no green marks for what nobody voted
    expect(page.get_by_role("heading", name="Fans voted for, not played")).to_have_count(0)
    _artifact(page, "after-show-no-fans")


# -- 2. Defects -----------------------------------------------------------------------------------
def test_leaderboard_says_shows_are_scored(app_url: str, fan: Watched) -> None:
    with Session(get_engine()) as s:
        scored = s.exec(select(func.count()).select_from(ActualSetlist)).one()
    assert scored > 1
    fan.page.goto(f"{app_url}/profile")
    note = fan.page.locator(".leaders-empty")
    expect(note).to_contain_text(f"{scored} shows have been scored", timeout=20_000)
    expect(fan.page.get_by_text("Nobody has been scored yet")).to_have_count(0)


def test_the_venue_name_on_a_show_page_is_a_link(app_url: str, seeded: None, page: Page) -> None:
    show, _, _ = _upcoming()
    with Session(get_engine()) as s:
        venue = s.get(Venue, show.venue_id)
    assert venue is not None
    page.goto(f"{app_url}/shows/{show.slug}")
    page.locator(".venue-link").click()
    expect(page).to_have_url(re.compile(f"/venues/{venue.slug}$"))
    expect(page.get_by_role("heading", level=1, name=venue.name)).to_be_visible()


def test_no_request_offer_when_an_artist_matched(app_url: str, seeded: None, page: Page) -> None:
    page.goto(f"{app_url}/search?q=radi")
    expect(page.locator("a[href='/artists/radiohead']").first).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Request this artist")).to_have_count(0)
    page.goto(f"{app_url}/search?q=Zzyzx%20Quartet")  # nothing matched: the offer is there
    expect(page.get_by_role("button", name="Request this artist")).to_be_visible(timeout=20_000)


def test_the_pickers_scrollbar_leaves_the_badges_clear(app_url: str, seeded: None, page: Page) -> None:
    show, _, _ = _upcoming()
    page.goto(f"{app_url}/shows/{show.slug}")
    page.get_by_role("button", name="Add a song").click()
    badge = page.locator(".song-picker .picker-row", has_text="In prediction").first.get_by_text(
        "In prediction"
    )
    expect(badge).to_be_visible(timeout=20_000)
    bar = page.locator(".song-picker .rt-ScrollAreaScrollbar[data-orientation='vertical']")
    expect(bar).to_be_visible()
    badge_box, bar_box = badge.bounding_box(), bar.bounding_box()
    assert badge_box is not None and bar_box is not None
    assert badge_box["x"] + badge_box["width"] <= bar_box["x"]  # not underneath the scrollbar
    _artifact(page, "picker")


def test_on_a_phone_the_artwork_leaves_the_list_in_view(
    app_url: str, seeded: None, site: E2EApp, browser: Browser
) -> None:
    show, _, _ = _upcoming()
    context = site.context(browser, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/shows/{show.slug}")
        row = page.locator(".prediction-row").first
        expect(row).to_be_visible(timeout=20_000)
        art, title, header, first = (
            page.locator(".show-header .artwork").bounding_box(),
            page.locator(".show-header h1").bounding_box(),
            page.locator(".show-header").bounding_box(),
            row.bounding_box(),
        )
        assert art is not None and title is not None and header is not None and first is not None
        # Small and beside the text (it was 120 px on a row of its own), so the header stays short
        # and the first song is on the first screen without scrolling.
        assert art["height"] <= 72 and title["x"] > art["x"] + art["width"], (art, title)
        assert header["height"] <= 200, header
        assert first["y"] + first["height"] <= PHONE["height"], first
        # The seeded badge (icon only here) leaves the title its line and the vote button its place.
        badge, button = (
            row.locator(".seeded-badge").bounding_box(),
            row.locator(".vote-button").bounding_box(),
        )
        assert badge is not None and button is not None
        assert badge["x"] + badge["width"] <= button["x"], (badge, button)
        expect(row.locator(".seeded-badge")).to_have_attribute("aria-label", "from recent setlists")
        _artifact(page, "show-phone")
    finally:
        context.close()


def test_a_vote_toggle_is_one_feed_entry_and_stays_anonymous_after_sign_in(
    app_url: str, seeded: None, page: Page, simulator: SimulatorServer
) -> None:
    show, title, ps_id = _upcoming()
    page.goto(f"{app_url}/shows/{show.slug}")
    button = page.locator(f".vote-button[data-song-id='{ps_id}']")
    expect(button).to_have_attribute("aria-pressed", "false", timeout=20_000)
    for pressed in ("true", "false", "true"):  # vote, un-vote, re-vote
        button.click()
        expect(button).to_have_attribute("aria-pressed", pressed)
        expect(button).to_have_attribute("aria-busy", "false")
    sign_in(page, app_url, simulator, "Sam Fan")  # the anonymous vote is merged into Sam's account
    page.goto(f"{app_url}/activity")
    entries = page.locator(".feed-row", has_text=title)
    expect(entries).to_have_count(1, timeout=20_000)
    expect(entries).to_contain_text("A fan")
    expect(entries).not_to_contain_text("Sam Fan")
    _artifact(page, "feed")


# -- admin ------------------------------------------------------------------------------------------
def _finished_jobs() -> tuple[int, int, str]:
    """A succeeded setlist import (about a show) and a failed catalog sync; their ids and the show's name."""
    with Session(get_engine(), expire_on_commit=False) as s:
        show, artist, venue = s.exec(
            select(Show, Artist, Venue)
            .join(Artist, col(Artist.id) == Show.artist_id)
            .join(Venue, col(Venue.id) == Show.venue_id)
            .where(Show.status == ShowStatus.COMPLETED)
        ).first()
        done = gateway.request(
            s, "setlist_import", f"show:{show.id}", requested_by="planner:e2e", show_id=show.id
        )
        failed = gateway.request(
            s, "catalog_sync", f"artist:{artist.id}", requested_by="planner:e2e", artist_id=artist.id
        )
        for job_id, status in ((done.job_id, "succeeded"), (failed.job_id, "failed")):
            job = s.get(SyncJob, job_id)
            assert job is not None
            job.status, job.finished_at = status, utcnow()
            s.add(job)
        s.commit()
        return done.job_id, failed.job_id, f"{artist.name} at {venue.name}"


def test_jobs_retry_only_failed_ones_and_name_what_they_are_about(app_url: str, admin: Watched) -> None:
    done, failed, show_name = _finished_jobs()
    page = admin.page
    page.goto(f"{app_url}/admin/jobs")
    done_row = page.locator(".job-row", has=page.get_by_role("link", name=f"#{done}", exact=True))
    failed_row = page.locator(".job-row", has=page.get_by_role("link", name=f"#{failed}", exact=True))
    expect(done_row.locator(".job-subject")).to_contain_text(show_name, timeout=20_000)
    expect(page.locator(".job-subject", has_text=re.compile(r"^show:\d+$"))).to_have_count(0)
    expect(done_row.locator(".job-retry")).to_have_count(0)
    failed_row.locator(".job-retry").click()
    expect(page.locator("[data-sonner-toast]", has_text="queued")).to_be_visible(timeout=15_000)
    with Session(get_engine()) as s:
        retried = s.exec(select(SyncJob).where(SyncJob.kind == "catalog_sync", SyncJob.id > failed)).all()
    assert [j.requested_by.split(":")[0] for j in retried] == ["admin"]
    _artifact(page, "jobs")


def test_a_cron_row_shows_one_status_and_a_history_line(app_url: str, admin: Watched) -> None:
    with Session(get_engine()) as s:
        now = utcnow()
        s.add_all(
            CronRun(
                name="trending", status="succeeded", started_at=now - timedelta(minutes=m), finished_at=now
            )
            for m in range(1, 6)
        )
        s.commit()
    page = admin.page
    page.goto(f"{app_url}/admin/crons")
    last = page.locator(".cron-row[data-cron='trending'] .cron-last-run")
    expect(last).to_contain_text("5 of the last 5 runs succeeded", timeout=20_000)
    expect(last.locator(".status-chip")).to_have_count(1)
    last.hover()
    expect(page.locator(".cron-history .status-chip")).to_have_count(5)
    _artifact(page, "crons")


def test_the_overview_says_what_each_vote_count_counts(app_url: str, admin: Watched) -> None:
    page = admin.page
    page.goto(f"{app_url}/admin")
    expect(page.locator(".stat-votes-standing")).to_contain_text("un-votes subtracted", timeout=20_000)
    expect(page.locator(".stat-votes-cast-today")).to_contain_text("since 00:00 UTC")
