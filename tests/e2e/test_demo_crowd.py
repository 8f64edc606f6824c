"""The living demo in Chromium: the demo crowd moves counts and fills the activity feed in the app
`make run` starts.

The shared launcher app runs with the crowd off (its counts are other tests' fixtures); this module
starts the crowd child exactly as the launcher builds it (`launcher.crowd_child`) against that app,
with only its rate raised so the test does not wait minutes.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlmodel import Session

from setlist_app.db import get_engine
from setlist_app.launcher import crowd_child, stop_all
from setlist_app.services.demo_crowd import DEMO_SUFFIX, crowd_shows
from tests.e2e.conftest import ARTIFACTS, E2EApp, screenshot, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_the_crowd_moves_counts_and_fills_the_feed(
    app_url: str, seeded: None, page: Page, site: E2EApp
) -> None:
    with Session(get_engine()) as s:
        [show_id] = crowd_shows(s, 1)
        slug = s.execute(text("SELECT slug FROM shows WHERE id = :s"), {"s": show_id}).scalar_one()
    page.goto(f"{app_url}/shows/{slug}")
    counts = page.locator(".vote-count")
    expect(counts.first).to_be_visible(timeout=20_000)
    before = counts.all_inner_texts()

    child = crowd_child({**site.env, "DEMO_CROWD_ACTIONS_PER_MINUTE": "240"}, ARTIFACTS)
    child.start()
    try:
        wait_until(lambda: counts.all_inner_texts() != before, 60, "the crowd's votes on the open show page")
        screenshot(page, "show-crowd-desktop")
        page.goto(app_url + "/activity")
        expect(page.locator(".feed-row").filter(has_text=DEMO_SUFFIX.strip(" ()")).first).to_be_visible(
            timeout=30_000
        )
        screenshot(page, "activity-crowd-desktop")
    finally:
        stop_all([child], 5)
