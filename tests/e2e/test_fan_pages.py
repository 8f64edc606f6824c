"""Fan pages in Chromium: search → artist → show → vote, after-show results, follow, live activity."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import text
from sqlmodel import Session, col, select

from setlist_app.auth.cookies import SESSION_COOKIE
from setlist_app.auth.sessions import create_session
from setlist_app.auth.viewer import Viewer
from setlist_app.db import get_engine
from setlist_app.domain.predictions import ensure_prediction
from setlist_app.domain.setlists import PlayedSong, store_actual_setlist
from setlist_app.models import (
    ActualSetlist,
    ActualSetlistSong,
    Artist,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    Song,
    User,
    Venue,
    utcnow,
)
from setlist_app.services import voting
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _user(name: str, **stats: int) -> int:
    with Session(get_engine(), expire_on_commit=False) as s:
        user = User(name=name, email=f"{name.lower().replace(' ', '.')}@example.com", **stats)
        s.add(user)
        s.commit()
        return user.id or 0


def _signed_in_page(browser: Browser, app_url: str, user_id: int) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": SESSION_COOKIE, "value": create_session(user_id), "url": app_url}])
    return context.new_page()


def test_search_artist_show_vote(app_url: str, seeded: None, page: Page) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        artist = s.exec(select(Artist).where(Artist.slug == "radiohead")).one()
    page.goto(app_url + "/")
    # Hydrated and loaded (the first page of a cold app on a busy machine may take a while).
    expect(page.get_by_role("heading", name="Trending shows")).to_be_visible(timeout=30_000)
    box = page.get_by_role("textbox", name="Search artists, cities, venues or songs")
    box.press_sequentially("radioh", delay=30)
    hit = page.locator(".typeahead a[href='/artists/radiohead']")
    expect(hit).to_be_visible(timeout=10_000)
    screenshot(page, "search-typeahead-desktop")
    hit.click()
    expect(page).to_have_url(re.compile("/artists/radiohead$"))
    expect(page.get_by_role("heading", level=1, name=artist.name)).to_be_visible()
    expect(page.get_by_role("heading", name="Songs they play most")).to_be_visible()
    expect(page.locator(".play-count").first).to_be_visible()
    page.locator("a[href^='/shows/']").first.click()
    expect(page.get_by_role("heading", name="Fan prediction")).to_be_visible()
    button = page.locator(".vote-button").first
    expect(button).to_have_attribute("aria-pressed", "false", timeout=15_000)  # live snapshot
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")


def test_request_unknown_artist_creates_one_job(
    app_url: str, seeded: None, page: Page, browser: Browser
) -> None:
    page.goto(app_url + "/search?q=Zzyzx%20Quartet")
    expect(page.get_by_text("Nothing matches that yet.")).to_be_visible()
    page.get_by_role("button", name="Request this artist").click()
    expect(page.locator(".request-progress")).to_contain_text("Zzyzx Quartet")
    screenshot(page, "search-request-desktop")
    page.reload()  # the request's progress survives a reload
    expect(page.locator(".request-progress")).to_contain_text("Zzyzx Quartet")
    other = browser.new_page()  # another fan asks for the same artist
    other.goto(app_url + "/search?q=zzyzx%20quartet")
    other.get_by_role("button", name="Request this artist").click()
    expect(other.locator(".request-progress")).to_contain_text("Zzyzx Quartet")
    other.context.close()
    with Session(get_engine(), expire_on_commit=False) as s:
        keys = s.execute(text("SELECT key, payload FROM sync_jobs WHERE kind = 'discover_artist'")).all()
    assert [k for k, _ in keys] == ["name:zzyzx quartet"]  # deduplicated


def _score_a_past_show() -> Show:
    """A completed show with a fan prediction: two songs that were played, one that was not."""
    with Session(get_engine(), expire_on_commit=False) as s:
        show, setlist = s.exec(
            select(Show, ActualSetlist)
            .join(ActualSetlist, col(ActualSetlist.show_id) == Show.id)
            .where(Show.status == ShowStatus.COMPLETED, ActualSetlist.matched_count >= 3)
            .order_by(col(Show.starts_at).desc())
        ).first()
        played = s.exec(
            select(ActualSetlistSong)
            .where(ActualSetlistSong.setlist_id == setlist.id, col(ActualSetlistSong.song_id).is_not(None))
            .order_by(ActualSetlistSong.position)
        ).all()
        all_rows = s.exec(
            select(ActualSetlistSong)
            .where(ActualSetlistSong.setlist_id == setlist.id)
            .order_by(ActualSetlistSong.position)
        ).all()
        from setlist_app.models import ArtistSong

        played_ids = {r.song_id for r in played}
        missed = s.exec(
            select(ArtistSong.song_id).where(
                ArtistSong.artist_id == show.artist_id, col(ArtistSong.song_id).not_in(played_ids)
            )
        ).first()
        prediction = ensure_prediction(s, show.id or 0)
        for pos, (song_id, votes) in enumerate(
            [(played[0].song_id, 12), (played[1].song_id, 7), (missed, 5)]
        ):
            s.add(
                PredictionSong(prediction_id=prediction.id, song_id=song_id, vote_count=votes, position=pos)
            )
        s.flush()
        songs = [
            PlayedSong(r.title, r.set_index, r.set_name, r.encore, r.is_tape, r.cover_artist, r.info)
            for r in all_rows
        ]
        store_actual_setlist(s, show, songs, setlistfm_id=setlist.setlistfm_id, tour_name=setlist.tour_name)
        s.commit()
        return show


def test_after_show_page_of_a_past_show(app_url: str, seeded: None, page: Page) -> None:
    show = _score_a_past_show()
    page.goto(f"{app_url}/shows/{show.slug}")
    expect(page.get_by_role("heading", name="What they played")).to_be_visible()
    expect(page.locator(".accuracy")).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    expect(page.locator(".accuracy-note")).to_contain_text("Fans called 2 of the")
    expect(page.locator(".baseline")).to_have_text(re.compile(r"^\d+(\.\d)?%$"))  # the seeded baseline, apart
    expect(page.locator(".setlist-song.hit")).to_have_count(2)
    expect(page.get_by_role("heading", name="Fans voted for, not played")).to_be_visible()
    expect(page.locator(".missed-song")).to_have_count(1)
    expect(page.get_by_role("heading", name="Encore").first).to_be_visible()
    screenshot(page, "after-show-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    expect(page.locator(".accuracy")).to_be_visible()
    screenshot(page, "after-show-phone")


def test_after_show_not_found_offers_a_retry(app_url: str, seeded: None, page: Page) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        show = s.exec(
            select(Show).where(Show.status == ShowStatus.COMPLETED).order_by(Show.starts_at)
        ).first()
        assert show is not None
        s.execute(text("DELETE FROM actual_setlists WHERE show_id = :s"), {"s": show.id})
        show.import_status = "not_found"
        s.add(show)
        s.commit()
    page.goto(f"{app_url}/shows/{show.slug}")
    expect(page.locator(".import-status")).to_contain_text("setlist.fm doesn't have this setlist yet")
    page.get_by_role("button", name="Look again").click()
    expect(page.locator(".import-status")).to_contain_text("within a day")
    with Session(get_engine(), expire_on_commit=False) as s:
        jobs = s.execute(text("SELECT kind, key FROM sync_jobs WHERE show_id = :s"), {"s": show.id}).all()
    assert jobs == [("setlist_import", f"show:{show.id}")]


def test_follow_and_unfollow(app_url: str, seeded: None, browser: Browser) -> None:
    user_id = _user("Follow Fan")
    page = _signed_in_page(browser, app_url, user_id)
    page.goto(app_url + "/artists/radiohead")
    button = page.locator(".follow-button")
    expect(button).to_have_text("Follow")
    button.click()
    expect(button).to_have_text("Following")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(page.locator(".follow-button")).to_have_text("Following")
    page.goto(app_url + "/")
    expect(page.get_by_role("heading", name="Your artists on tour")).to_be_visible()
    expect(page.locator("a[href^='/shows/']").filter(has_text="Radiohead").first).to_be_visible()
    screenshot(page, "home-signed-in-desktop")
    page.goto(app_url + "/artists/radiohead")
    page.locator(".follow-button").click()
    expect(page.locator(".follow-button")).to_have_text("Follow")
    with Session(get_engine(), expire_on_commit=False) as s:
        kinds = (
            s.execute(text("SELECT kind FROM activity WHERE user_id = :u ORDER BY id"), {"u": user_id})
            .scalars()
            .all()
        )
        follows = s.execute(text("SELECT count(*) FROM follows WHERE user_id = :u"), {"u": user_id}).scalar()
    assert kinds == ["follow", "unfollow"] and follows == 0
    page.context.close()


def test_activity_feed_updates_live(app_url: str, seeded: None, page: Page) -> None:
    user_id = _user("Live Voter")
    page.goto(app_url + "/activity")
    expect(page.get_by_role("heading", name="Activity")).to_be_visible()
    with Session(get_engine(), expire_on_commit=False) as s:
        ps_id, title = s.exec(
            select(PredictionSong.id, Song.title)
            .join(Prediction, col(Prediction.id) == PredictionSong.prediction_id)
            .join(Show, col(Show.id) == Prediction.show_id)
            .join(Song, col(Song.id) == PredictionSong.song_id)
            .where(Show.status == ShowStatus.UPCOMING, Show.starts_at > utcnow())
            .order_by(Show.starts_at)
        ).first()
        voting.set_vote(s, Viewer(user_id=user_id, role="user", name="Live Voter"), ps_id, True)
        s.commit()
    row = page.locator(".feed-row").filter(has_text="Live Voter").first
    expect(row).to_contain_text(title, timeout=10_000)
    expect(row).to_contain_text("voted for")
    screenshot(page, "activity-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "activity-phone")


def test_profile_venue_and_city_filter(app_url: str, seeded: None, browser: Browser) -> None:
    me = _user("Stat Fan", scored_votes=20, correct_votes=13, current_streak=3, best_streak=5)
    _user("Top Fan", scored_votes=30, correct_votes=25, current_streak=1, best_streak=4)
    page = _signed_in_page(browser, app_url, me)
    page.goto(app_url + "/profile")
    expect(page.get_by_role("heading", level=1, name="Stat Fan")).to_be_visible()
    expect(page.locator(".stat-value").first).to_have_text("65%")
    expect(page.get_by_text("#2", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Leaderboard")).to_be_visible()
    screenshot(page, "profile-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "profile-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    with Session(get_engine(), expire_on_commit=False) as s:
        venue = s.exec(
            select(Venue).join(Show, col(Show.venue_id) == Venue.id).where(Show.status == ShowStatus.UPCOMING)
        ).first()
    page.goto(f"{app_url}/venues/{venue.slug}")
    expect(page.get_by_role("heading", level=1, name=venue.name)).to_be_visible()
    expect(page.locator("a[href^='/shows/']").first).to_be_visible()
    screenshot(page, "venue-desktop")
    page.goto(f"{app_url}/shows?city={venue.city}")
    rows = page.locator("a[href^='/shows/']")
    expect(rows.first).to_be_visible()
    for text_ in rows.all_inner_texts():
        assert venue.city in text_
    page.context.close()
