"""Notifications in Chromium: a followed artist announces a show, the worker's `notifications` planner
runs, and the bell's unread count arrives live (no reload); opening the bell lists it and marks it
read, and the notification leads to the show.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from setlist_app.db import get_engine
from setlist_app.models import Artist, Follow, Notification, Show, ShowStatus, User, Venue, utcnow
from setlist_app.sync import crons
from tests.e2e.conftest import screenshot, sign_in
from tests.fixtures.simulator import SimulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def _announce_show_of_followed_artist(user_name: str) -> tuple[int, str]:
    """The user follows an artist, who then announces a show; the planner is asked to run now."""
    now = utcnow()
    with Session(get_engine(), expire_on_commit=False) as s:
        user_id = s.exec(select(User.id).where(User.name == user_name)).one()
        artist = s.exec(select(Artist).order_by(col(Artist.id))).first()
        venue = s.exec(select(Venue).order_by(col(Venue.id))).first()
        assert artist is not None and venue is not None
        # Followed after the demo's shows were loaded (those are not news to this fan)...
        s.add(Follow(user_id=user_id, artist_id=artist.id, created_at=now))
        starts = now + timedelta(days=123)
        show = Show(
            slug="e2e-announced-show",
            artist_id=artist.id,
            venue_id=venue.id,
            name=f"{artist.name} live",
            starts_at=starts,
            local_date=starts.date(),
            status=ShowStatus.UPCOMING,
            created_at=now + timedelta(seconds=1),  # ...and then the artist announced this one
        )
        s.add(show)
        crons.request_run_now(s, "notifications", now)
        s.commit()
        return user_id, artist.name


def test_a_notification_arrives_live_in_the_bell(
    app_url: str, seeded: None, page: Page, simulator: SimulatorServer
) -> None:
    page.goto(app_url + "/")
    sign_in(page, app_url, simulator, "Riley Rocker")
    bell = page.locator(".notification-bell")
    expect(bell).to_be_visible()
    expect(page.locator(".bell-count")).to_have_count(0)

    user_id, artist = _announce_show_of_followed_artist("Riley Rocker")

    count = page.locator(".bell-count")  # the worker's planner notifies, the pusher delivers
    expect(count).to_have_text("1", timeout=60_000)
    bell.click()
    row = page.locator(".notification-row").first
    expect(row).to_contain_text(f"{artist} announced a show")
    expect(count).to_have_count(0)
    screenshot(page, "notifications-desktop")
    with Session(get_engine()) as s:
        read = s.exec(select(Notification.read_at).where(Notification.user_id == user_id)).all()
    assert len(read) == 1 and read[0] is not None
    row.click()
    page.wait_for_url(f"{app_url}/shows/e2e-announced-show")
