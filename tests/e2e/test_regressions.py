"""Regressions of issue 14, caught where people meet them: in the browser and in the app's log.

Each test fails on the code before its fix: the Report button threw in the browser and stored nothing,
the provider quota bars ignored their value, unknown slugs answered 200, a long search ran out of its
card, and app.log started with lines that meant nothing to the person running the app.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from setlist_app.auth.viewer import Viewer
from setlist_app.db import get_engine
from setlist_app.models import (
    Artist,
    ArtistSong,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    User,
    Venue,
    utcnow,
)
from setlist_app.models.ops import ContentFlag
from setlist_app.providers.factory import RATE_LIMIT_PREFIX, app_redis, rate_policies
from setlist_app.providers.ratelimit import RateLimiter
from setlist_app.services import voting
from setlist_app.services.search import MAX_QUERY
from setlist_app.settings import get_settings
from tests.e2e.conftest import ARTIFACTS, LAUNCHER_LOGS, E2EApp, Watched

pytestmark = pytest.mark.e2e


def _artifact(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"regression-{name}.png"))


# -- a. Report on a fan-added song --------------------------------------------------------------------
def _fan_added_song() -> tuple[str, int]:
    """Another fan adds a catalog song to an upcoming show; returns (show slug, prediction song id)."""
    with Session(get_engine(), expire_on_commit=False) as s:
        show = s.exec(
            select(Show)
            .where(Show.status == ShowStatus.UPCOMING, Show.starts_at > utcnow() + timedelta(days=1))
            .order_by(Show.starts_at)
        ).first()
        assert show is not None and show.id is not None
        present = (
            select(PredictionSong.song_id)
            .join(Prediction, col(Prediction.id) == PredictionSong.prediction_id)
            .where(Prediction.show_id == show.id)
        )
        song_id = s.exec(
            select(ArtistSong.song_id)
            .where(ArtistSong.artist_id == show.artist_id, col(ArtistSong.song_id).not_in(present))
            .order_by(ArtistSong.position)
        ).first()
        assert song_id is not None
        added = voting.add_song(s, Viewer(anon_id="e2e-adder"), show.id, song_id)
        s.commit()
        return show.slug, added.prediction_song_id


def test_report_a_fan_added_song_stores_a_flag(app_url: str, fan: Watched) -> None:
    slug, ps_id = _fan_added_song()
    page = fan.page
    page.goto(f"{app_url}/shows/{slug}")
    row = page.locator(f".prediction-row[data-song-id='{ps_id}']")
    flag = row.locator(".report-song")
    expect(flag).to_be_visible(timeout=20_000)
    flag.click()
    page.get_by_placeholder("What's wrong? (optional)").fill("not a real song")
    page.locator(".report-submit").click()
    expect(page.locator("[data-sonner-toast]", has_text="A moderator will review this song")).to_be_visible(
        timeout=15_000
    )
    expect(flag).to_have_attribute("data-accent-color", "amber")  # the fan sees it is reported
    _artifact(page, "report-done")
    with Session(get_engine()) as s:
        flags = s.exec(select(ContentFlag).where(ContentFlag.prediction_song_id == ps_id)).all()
    assert [(f.reason, f.status) for f in flags] == [("not a real song", "open")]


# -- b. Provider quota bars ---------------------------------------------------------------------------
def _use_ticketmaster_quota(calls: int) -> int:
    """Spend `calls` of Ticketmaster's daily quota in the shared limiter; returns the quota."""
    policy = rate_policies(get_settings())["ticketmaster"]
    assert policy.per_day is not None
    # The same daily window as the app's limiter; a per-second limit high enough not to wait.
    fast = {"ticketmaster": dataclasses.replace(policy, per_second=calls + 1)}

    async def spend() -> None:
        redis = app_redis(get_settings())
        try:
            limiter = RateLimiter(redis, fast, prefix=RATE_LIMIT_PREFIX)
            for _ in range(calls):
                await limiter.acquire("ticketmaster")
        finally:
            await redis.aclose()

    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, spend()).result()
    return policy.per_day


def test_provider_quota_bar_shows_the_share_used_today(app_url: str, admin: Watched) -> None:
    quota = _use_ticketmaster_quota(150)
    page = admin.page
    page.goto(f"{app_url}/admin/providers")
    row = page.locator(".rate-row[data-provider='ticketmaster']")
    expect(row).to_contain_text(f" / {quota:,}", timeout=20_000)
    # The app's worker may have called Ticketmaster too (earlier tests request artists): the bar
    # must show the share of what the row says was used, which is at least what we spent.
    used = int(re.search(rf"([\d,]+) / {quota:,}", row.inner_text()).group(1).replace(",", ""))  # type: ignore[union-attr]
    expected = round(100 * used / quota)
    assert used >= 150 and 0 < expected < 90  # distinguishable from the ~90 % the bug showed
    bar = row.locator("[role='progressbar']")
    expect(bar).to_have_attribute("aria-valuenow", str(expected))
    expect(bar).to_have_attribute("data-state", "loading")  # determinate, not "indeterminate"
    _artifact(page, "provider-quota")


# -- c. Unknown slugs answer 404 ----------------------------------------------------------------------
def _known_paths() -> dict[str, str]:
    with Session(get_engine()) as s:
        artist = s.exec(select(Artist.slug)).first()
        show = s.exec(select(Show.slug)).first()
        venue = s.exec(select(Venue.slug)).first()
        user = User(name="Known Fan", email=f"known-{utcnow().timestamp()}@setlist.test")
        s.add(user)
        s.commit()
        return {
            "artist": f"/artists/{artist}",
            "show": f"/shows/{show}",
            "venue": f"/venues/{venue}",
            "fan": f"/users/{user.id}",
        }


UNKNOWN = {
    "artist": "/artists/no-such-artist",
    "show": "/shows/no-such-show",
    "venue": "/venues/no-such-venue",
    "fan": "/users/987654321",
}


@pytest.mark.parametrize("what", sorted(UNKNOWN))
def test_unknown_slug_answers_404_with_the_friendly_page(
    app_url: str, seeded: None, page: Page, what: str
) -> None:
    known = page.goto(app_url + _known_paths()[what])
    assert known is not None and known.status == 200
    missing = page.goto(app_url + UNKNOWN[what])
    assert missing is not None and missing.status == 404
    expect(page.get_by_text(f"We couldn't find that {what}")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("link", name="Back to home")).to_be_visible()
    _artifact(page, f"not-found-{what}")


# -- d. A very long search query ----------------------------------------------------------------------
LONG_QUERY = "Supercalifragilistic" * 250  # 5,000 characters, no space to wrap at

# Every element inside `root` must end inside root's box (1 px tolerance for rounding).
_OVERFLOW_JS = """root => {
  const box = root.getBoundingClientRect();
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) out.push(el.outerHTML.slice(0, 80));
  }
  if (root.scrollWidth > root.clientWidth + 1) out.push('scrollWidth ' + root.scrollWidth);
  return out;
}"""


def _overflowing(page: Page, selector: str) -> list[str]:
    return page.locator(selector).evaluate(_OVERFLOW_JS)


def test_a_5000_character_search_stays_inside_its_card(app_url: str, seeded: None, page: Page) -> None:
    page.goto(app_url + "/")
    box = page.get_by_role("textbox", name="Search artists, cities, venues or songs")
    expect(box).to_be_visible(timeout=30_000)
    box.fill(LONG_QUERY)
    card = page.locator(".typeahead")
    expect(card.locator(".query-cut")).to_contain_text(f"first {MAX_QUERY} characters", timeout=15_000)
    assert _overflowing(page, ".typeahead") == []
    _artifact(page, "long-search-typeahead")
    box.press("Enter")  # the full search page (no typeahead there)
    expect(page).to_have_url(re.compile(r"/search\?q=Supercalifragilistic"))
    expect(page.locator(".typeahead")).to_have_count(0)
    request = page.locator(".request-card")
    expect(request).to_be_visible(timeout=15_000)
    expect(page.locator(".query-cut")).to_be_visible()
    assert _overflowing(page, ".request-card") == []
    _artifact(page, "long-search-page")
    page.set_viewport_size({"width": 375, "height": 812})
    assert _overflowing(page, ".request-card") == []
    _artifact(page, "long-search-phone")


# -- f. app.log as `make run` writes it ---------------------------------------------------------------
NOISE = ("makemigrations", "Failed to connect", "DeprecationWarning", "alembic")


def test_app_log_says_nothing_meaningless_at_start(site: E2EApp) -> None:
    assert site.name == "launcher"  # the module runs on the app `make run` starts
    log = (LAUNCHER_LOGS / "app.log").read_text(errors="replace")
    last_start = log.rsplit("Starting Reflex App", 1)[-1]
    assert "App running at" in last_start
    assert [line for line in last_start.splitlines() if any(word in line for word in NOISE)] == []
