"""Live voting in Chromium: votes reach other browsers without reload (also across two backend
workers), the anonymous allowance ends in a sign-in prompt, closed shows refuse crafted events, and
viewers that leave are not leaked.

Runs on both apps (tests/e2e/conftest.py): the launcher's SQLite default, and PostgreSQL — the
production database, on which the vote path takes its own (pipelined) branch — each with two
backend workers sharing the Redis state manager and the live fan-out.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import redis
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from setlist_app.auth.cookies import ANON_COOKIE, new_anon_id, sign
from setlist_app.db import get_engine
from setlist_app.domain.predictions import seed_prediction
from setlist_app.live import publisher
from setlist_app.models import Prediction, PredictionSong, Show, ShowStatus, utcnow
from setlist_app.settings import get_settings
from setlist_app.state.show import ShowState
from tests.e2e.conftest import E2EApp, screenshot, wait_until

# The first test may wait for another session's `.web` build (tests/e2e/conftest.py lock).
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(900),
    pytest.mark.parametrize("site", ["launcher", "postgres"], indirect=True, scope="module"),
]


@dataclass
class Shows:
    open_slug: str
    open_id: int
    closed_slug: str
    closed_song: int  # a prediction song of the completed show


@pytest.fixture(scope="module")
def shows(seeded: None) -> Shows:
    with Session(get_engine()) as s:
        ranked = (
            select(Show.id, Show.slug)
            .join(Prediction, col(Prediction.show_id) == Show.id)
            .join(PredictionSong, col(PredictionSong.prediction_id) == Prediction.id)
            .where(Show.status == ShowStatus.UPCOMING, Show.starts_at > utcnow())
            .group_by(col(Show.id), col(Show.slug), col(Show.starts_at))
            .having(func.count() >= 5)
            .order_by(Show.starts_at)
        )
        open_id, open_slug = s.exec(ranked).first()
        closed_id, closed_slug, artist_id = s.execute(
            text("SELECT id, slug, artist_id FROM shows WHERE status = 'completed' ORDER BY id LIMIT 1")
        ).one()
        songs = s.execute(
            text("SELECT song_id FROM artist_songs WHERE artist_id = :a ORDER BY position LIMIT 3"),
            {"a": artist_id},
        ).scalars()
        seed_prediction(s, closed_id, list(songs))  # a completed show with a prediction to vote on
        closed_song = s.execute(
            text(
                "SELECT ps.id FROM prediction_songs ps JOIN predictions p ON p.id = ps.prediction_id"
                " WHERE p.show_id = :s ORDER BY ps.position LIMIT 1"
            ),
            {"s": closed_id},
        ).scalar_one()
        s.commit()
    return Shows(open_slug, open_id, closed_slug, closed_song)


def _open(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url)
    expect(page.locator(".prediction-row").first).to_be_visible(timeout=30_000)
    return page


def _count(page: Page, psid: int) -> Any:
    return page.locator(f".vote-button[data-song-id='{psid}'] .vote-count")


def _db_count(psid: int) -> int:
    with Session(get_engine()) as s:
        return int(
            s.execute(text("SELECT vote_count FROM prediction_songs WHERE id = :i"), {"i": psid}).scalar_one()
        )


def _viewer_fields(show_id: int) -> dict[bytes, bytes]:
    """The live viewers hash of a show: backend-worker id -> "<count>:<ms>"."""
    settings = get_settings()
    client = redis.Redis.from_url(settings.redis_db_url(settings.redis_db_app))
    try:
        return client.hgetall(publisher.viewers_key(show_id))
    finally:
        client.close()


def _first_psid(page: Page, nth: int = 0) -> int:
    return int(page.locator(".vote-button").nth(nth).get_attribute("data-song-id") or 0)


def test_vote_appears_live_in_another_browser_and_viewers_are_not_leaked(
    site: E2EApp, shows: Shows, browser: Browser
) -> None:
    """Seam (issue 16): Reflex's frontend applies a delta no event of its own asked for, pushed by
    `live/reflex_wire.Wire.broadcast` to the show's room, to the substate the page reads (B's count
    changes without a reload); the lane's answer to A is applied the same way."""
    url = f"{site.url}/shows/{shows.open_slug}"
    ctx_a, ctx_b = site.context(browser), site.context(browser)
    try:
        a, b = _open(ctx_a, url), _open(ctx_b, url)
        expect(a.locator(".viewer-count")).to_have_text("2")
        psid = _first_psid(a, 2)
        before = _db_count(psid)
        button = a.locator(f".vote-button[data-song-id='{psid}']")
        expect(button).to_have_attribute("aria-pressed", "false")
        button.focus()
        a.keyboard.press("Enter")  # keyboard usable
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(_count(a, psid)).to_have_text(str(before + 1))
        expect(_count(b, psid)).to_have_text(str(before + 1), timeout=3_000)  # no reload
        expect(b.locator(f".vote-button[data-song-id='{psid}']")).to_have_attribute("aria-pressed", "false")
        wait_until(lambda: _db_count(psid) == before + 1, 10, "the vote stored")
        screenshot(a, "show-live-voting")
        # Unvote: the second press removes it, everywhere.
        button.click()
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(_count(a, psid)).to_have_text(str(before))
        expect(_count(b, psid)).to_have_text(str(before), timeout=3_000)
        # B navigates away inside the app, then closes: A sees the viewer count drop each time.
        b.get_by_role("link", name="Home").first.click()
        expect(a.locator(".viewer-count")).to_have_text("1", timeout=5_000)
        ctx_b.close()
        a.goto(site.url + "/")
        wait_until(lambda: _viewer_fields(shows.open_id) == {}, 5, "no viewers left")
    finally:
        ctx_a.close()
        ctx_b.close()


def test_anonymous_visitor_hits_the_limit_and_is_asked_to_sign_in(
    site: E2EApp, shows: Shows, browser: Browser
) -> None:
    ctx = site.context(browser)
    try:
        page = _open(ctx, f"{site.url}/shows/{shows.open_slug}")
        expect(page.locator(".votes-left")).to_have_text("2")
        ids = [_first_psid(page, i) for i in range(3)]
        before = [_db_count(i) for i in ids]
        for psid in ids[:2]:
            page.locator(f".vote-button[data-song-id='{psid}']").click()
            expect(page.locator(f".vote-button[data-song-id='{psid}']")).to_have_attribute(
                "aria-pressed", "true"
            )
        expect(page.locator(".votes-left")).to_have_text("0")
        page.locator(f".vote-button[data-song-id='{ids[2]}']").click()
        prompt = page.locator(".sign-in-prompt")
        expect(prompt).to_be_visible()
        expect(prompt.get_by_role("heading")).to_have_text("Keep voting: sign in")
        expect(prompt.get_by_role("link")).to_have_attribute(
            "href", re.compile(rf"^/auth/login\?next=/shows/{shows.open_slug}/?$")
        )
        screenshot(page, "show-sign-in-prompt")
        expect(page.locator(f".vote-button[data-song-id='{ids[2]}']")).to_have_attribute(
            "aria-pressed", "false"
        )
        wait_until(
            lambda: [_db_count(i) for i in ids] == [before[0] + 1, before[1] + 1, before[2]], 10, "two votes"
        )
        # The prompt's link is loaded from the server (our /auth route), not by the client router's 404.
        with page.expect_navigation():
            prompt.get_by_role("link").click()
        assert re.search(r"/sign-in/?\?next=", page.url)  # a button per sign-in provider
        expect(page.locator(".sign-in-provider")).to_have_count(2)
    finally:
        ctx.close()


async def _until(predicate: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"no {what} within {timeout:.0f} s"
        await asyncio.sleep(0.05)


async def _crafted_vote(app_url: str, slug: str, psid: int) -> list[dict[str, Any]]:
    """Load the page over the websocket like a browser, then send a vote event by hand; returns
    what the server sent after the vote (the page load's messages are not in it)."""
    received: list[dict[str, Any]] = []
    client = socketio.AsyncClient(reconnection=False)
    client.on("event", lambda data: received.append(data), namespace="/_event")
    router = {"pathname": f"/shows/{slug}", "query": {"slug": slug}, "asPath": f"/shows/{slug}"}
    hydrate = {"name": "reflex___state____state.hydrate_and_load", "payload": {}, "router_data": router}
    await client.connect(
        f"{app_url}?token={uuid.uuid4()}",
        socketio_path="_event",
        namespaces=["/_event"],
        transports=["websocket"],
        headers={"Cookie": f"{ANON_COOKIE}={sign(new_anon_id(), 'anon')}"},
        auth={"event": hydrate},
    )
    try:
        # hydrate_and_load runs the page's on_load on the server and ends by marking it hydrated
        hydrated = '"is_hydrated_rx_state_": true'
        await _until(lambda: any(hydrated in json.dumps(d) for d in received), "hydrated page")
        voted = len(received)
        vote = {
            "name": f"{ShowState.get_full_name()}.vote",
            "payload": {"prediction_song_id": psid},
            "router_data": router,
        }
        await client.emit("event", vote, namespace="/_event")
        await _until(lambda: any(d.get("events") for d in received[voted:]), "answer to the vote")
    finally:
        await client.disconnect()
    return received[voted:]


def test_completed_show_has_no_vote_buttons_and_rejects_crafted_votes(
    app_url: str, shows: Shows, page: Page
) -> None:
    page.goto(f"{app_url}/shows/{shows.closed_slug}")
    expect(page.locator(".prediction-row").first).to_be_visible(timeout=30_000)
    expect(page.locator(".voting-closed")).to_contain_text("already happened")
    assert page.locator(".vote-button").count() == 0
    assert page.get_by_role("button", name="Add a song").count() == 0
    with ThreadPoolExecutor(1) as pool:  # Playwright's loop runs in this thread
        received = pool.submit(
            asyncio.run, _crafted_vote(app_url, shows.closed_slug, shows.closed_song)
        ).result()
    answer = json.dumps(received)  # only what came after the vote: the page itself shows the text too
    assert "already happened, so voting is closed" in answer
    assert _db_count(shows.closed_song) == 0
    with Session(get_engine()) as s:
        rows = s.execute(
            text("SELECT count(*) FROM votes WHERE prediction_song_id = :i"), {"i": shows.closed_song}
        )
        assert rows.scalar_one() == 0


def test_vote_reaches_a_viewer_on_the_other_backend_worker(
    site: E2EApp, shows: Shows, browser: Browser
) -> None:
    url = f"{site.url}/shows/{shows.open_slug}"
    ctx_a = site.context(browser)
    contexts = [ctx_a]
    try:
        a = _open(ctx_a, url)
        wait_until(lambda: len(_viewer_fields(shows.open_id)) == 1, 10, "one viewer")
        (worker_a,) = _viewer_fields(shows.open_id)
        b = None
        for _ in range(12):  # the OS spreads connections over workers; retry until B lands elsewhere
            ctx = site.context(browser)
            contexts.append(ctx)
            candidate = _open(ctx, url)
            wait_until(
                lambda: sum(int(v.split(b":")[0]) for v in _viewer_fields(shows.open_id).values()) >= 2,
                10,
                "two viewers",
            )
            fields = _viewer_fields(shows.open_id)
            if len(fields) == 2 and all(int(v.split(b":")[0]) == 1 for v in fields.values()):
                b = candidate
                break
            ctx.close()
            contexts.remove(ctx)
            wait_until(lambda: list(_viewer_fields(shows.open_id)) == [worker_a], 10, "B gone")
        assert b is not None, "both browsers kept landing on the same worker"
        expect(a.locator(".viewer-count")).to_have_text("2")
        expect(b.locator(".viewer-count")).to_have_text("2")
        psid = _first_psid(a, 4)
        before = _db_count(psid)
        a.locator(f".vote-button[data-song-id='{psid}']").click()
        expect(_count(b, psid)).to_have_text(str(before + 1), timeout=3_000)
        other = _first_psid(b, 3)  # and the other way round
        before = _db_count(other)
        b.locator(f".vote-button[data-song-id='{other}']").click()
        expect(_count(a, other)).to_have_text(str(before + 1), timeout=3_000)
    finally:
        for ctx in contexts:
            ctx.close()
