"""A visitor browses home → artist → show in Chromium, and unknown slugs get a proper not-found page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from setlist_app.db import get_engine
from setlist_app.models import Artist, ArtistSong, Prediction, PredictionSong, Show, ShowStatus, Song, Venue
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def _artist_with_upcoming_show() -> tuple[Artist, Show, Venue]:
    with Session(get_engine()) as s:
        artist, show, venue = s.exec(
            select(Artist, Show, Venue)
            .join(Show, Show.artist_id == Artist.id)
            .join(Venue, Venue.id == Show.venue_id)
            .where(Show.status == ShowStatus.UPCOMING)
            .order_by(col(Artist.popularity).desc(), Show.starts_at)
        ).first()
        return artist, show, venue


def test_home_lists_upcoming_shows_and_artists(app_url: str, seeded: None, page: Page) -> None:
    page.goto(app_url + "/")
    expect(page.get_by_role("heading", name="Upcoming shows")).to_be_visible()
    expect(page.get_by_role("heading", name="Trending artists")).to_be_visible()
    show_links = page.locator("a[href^='/shows/']")
    expect(show_links.first).to_be_visible()
    assert show_links.count() >= 6
    assert page.locator("a[href^='/artists/']").count() >= 6
    screenshot(page, "home-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    expect(page.get_by_role("heading", name="Upcoming shows")).to_be_visible()
    screenshot(page, "home-phone")


def test_artist_page_shows_shows_and_songs(app_url: str, seeded: None, page: Page) -> None:
    artist, show, venue = _artist_with_upcoming_show()
    page.goto(app_url + "/")
    page.locator(f"a[href='/artists/{artist.slug}']").first.click()
    expect(page).to_have_url(re.compile(f"/artists/{artist.slug}$"))
    expect(page.get_by_role("heading", level=1, name=artist.name)).to_be_visible()
    expect(page.get_by_role("heading", name="Upcoming shows")).to_be_visible()
    expect(page.locator(f"a[href='/shows/{show.slug}']")).to_contain_text(venue.name)
    with Session(get_engine()) as s:
        songs = s.exec(
            select(Song.title)
            .join(ArtistSong, ArtistSong.song_id == Song.id)
            .where(ArtistSong.artist_id == artist.id)
            .order_by(ArtistSong.position)
        ).all()
    assert len(songs) >= 15
    expect(page.get_by_role("cell", name=songs[0], exact=True).first).to_be_visible()
    assert page.get_by_role("row").count() == len(songs) + 1  # header row + one per song
    screenshot(page, "artist-desktop")


def test_show_page_lists_the_prediction_by_votes(app_url: str, seeded: None, page: Page) -> None:
    _, show, venue = _artist_with_upcoming_show()
    with Session(get_engine()) as s:
        titles = s.exec(
            select(Song.title)
            .join(PredictionSong, PredictionSong.song_id == Song.id)
            .join(Prediction, Prediction.id == PredictionSong.prediction_id)
            .where(Prediction.show_id == show.id)
            .order_by(col(PredictionSong.vote_count).desc(), PredictionSong.position)
        ).all()
    assert len(titles) >= 5
    page.goto(f"{app_url}/shows/{show.slug}")
    expect(page.get_by_role("heading", level=1, name=venue.name)).to_be_visible()
    expect(page.get_by_text(venue.city, exact=False).first).to_be_visible()
    expect(page.get_by_text("Upcoming", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Fan prediction")).to_be_visible()
    for title in titles[:3]:
        expect(page.get_by_text(title, exact=True).first).to_be_visible()
    screenshot(page, "show-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    screenshot(page, "show-phone")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/artists/no-such-artist", "We couldn't find that artist"),
        ("/shows/no-such-show", "We couldn't find that show"),
        ("/no/such/page", "We couldn't find that page"),
    ],
)
def test_unknown_slugs_show_not_found(
    app_url: str, seeded: None, page: Page, path: str, message: str
) -> None:
    page.goto(app_url + path)
    expect(page.get_by_text(message)).to_be_visible()
    expect(page.get_by_role("link", name="Back to home")).to_be_visible()
