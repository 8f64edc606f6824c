"""Sign-in in Chromium through the simulator's OIDC issuer: vote as the user, sign out; connect
Spotify and see the imported artists; /admin refuses a non-admin (also a crafted websocket event);
no CSP violations in the console.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import socketio
from playwright.sync_api import Browser, Page, expect

from setlist_app.auth.cookies import SESSION_COOKIE
from setlist_app.state.admin.users import AdminUsersState
from tests.e2e.conftest import screenshot, sign_in, upcoming_show_slug
from tests.fixtures.simulator import SimulatorServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def chromium(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page plus the console messages that mention the content security policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    csp: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, csp
    context.close()
    assert errors == [], errors


def test_sign_in_vote_and_sign_out(
    app_url: str, seeded: None, simulator: SimulatorServer, chromium: tuple[Page, list[str]]
) -> None:
    page, csp = chromium
    slug = upcoming_show_slug()
    page.goto(f"{app_url}/shows/{slug}")
    expect(page.locator(".nav-sign-in").first).to_be_visible(timeout=30_000)
    location = page.context.request.get(f"{app_url}/auth/login?provider=demo", max_redirects=0).headers.get(
        "location"
    )
    assert (location or "").startswith(simulator.url)  # the app signs in through this session's issuer
    sign_in(page, app_url, simulator, "Sam Fan")
    assert page.url.startswith(f"{app_url}/shows/{slug}")  # back where the visitor started
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find(SESSION_COOKIE) == -1  # invisible to scripts

    button = page.locator(".vote-button").first
    expect(button).to_be_visible(timeout=20_000)
    pressed = button.get_attribute("aria-pressed")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false" if pressed == "true" else "true")
    expect(page.locator(".votes-left")).to_have_count(0)  # a signed-in fan has no anonymous allowance
    screenshot(page, "show-signed-in")

    page.locator(".account-menu").click()
    page.locator(".sign-out").click()
    page.wait_for_url(f"{app_url}/")
    expect(page.locator(".nav-sign-in").first).to_be_visible(timeout=20_000)
    assert not [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE and c["value"]]
    assert csp == [], csp


def test_connect_spotify_and_see_imported_artists(
    app_url: str, seeded: None, simulator: SimulatorServer, chromium: tuple[Page, list[str]]
) -> None:
    page, csp = chromium
    page.goto(f"{app_url}/account")
    expect(page.get_by_text("Sign in to see your account")).to_be_visible(timeout=30_000)
    page.goto(f"{app_url}/")
    expect(page.locator(".nav-sign-in").first).to_be_visible(timeout=30_000)
    sign_in(page, app_url, simulator, "Riley Rocker")
    page.goto(f"{app_url}/account")
    expect(page.locator(".account-name")).to_have_text("Riley Rocker", timeout=20_000)
    page.get_by_role("button", name="Connect Spotify").click()
    page.wait_for_url(f"{simulator.url}/spotify-accounts/authorize*")
    page.get_by_role("link", name="Sam on Spotify").click()
    page.wait_for_url(f"{app_url}/account**spotify=connected")  # static hosting may add a slash
    expect(page.locator(".account-flash")).to_contain_text("Spotify connected", timeout=20_000)
    expect(page.locator(".imported-artist").first).to_be_visible()
    expect(page.locator(".imported-artist", has_text="Simulated Newcomer 1")).to_be_visible()
    screenshot(page, "account-spotify")
    page.get_by_role("button", name="Disconnect").click()
    page.wait_for_url(f"{app_url}/account**spotify=disconnected")
    expect(page.get_by_role("button", name="Connect Spotify")).to_be_visible(timeout=20_000)
    assert csp == [], csp


async def _crafted_admin_event(app_url: str, cookie: str) -> list[dict[str, Any]]:
    """Open the event websocket with a non-admin's session and call the admin handler by name."""
    received: list[dict[str, Any]] = []
    client = socketio.AsyncClient(reconnection=False)
    client.on("event", lambda data: received.append(data), namespace="/_event")
    router = {"pathname": "/admin", "query": {}, "asPath": "/admin"}
    hydrate = {"name": "reflex___state____state.hydrate", "payload": {}, "router_data": router}
    await client.connect(
        f"{app_url}?token={uuid.uuid4()}",
        socketio_path="_event",
        namespaces=["/_event"],
        transports=["websocket"],
        headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
        auth={"event": hydrate},
    )
    try:
        await asyncio.sleep(1.0)
        crafted = {"name": f"{AdminUsersState.get_full_name()}.load", "payload": {}, "router_data": router}
        await client.emit("event", crafted, namespace="/_event")
        await asyncio.sleep(1.5)
    finally:
        await client.disconnect()
    return received


def test_non_admin_is_refused_on_admin_page_and_by_crafted_event(
    app_url: str, seeded: None, simulator: SimulatorServer, chromium: tuple[Page, list[str]]
) -> None:
    page, csp = chromium
    page.goto(f"{app_url}/admin")
    expect(page.locator(".admins-only")).to_have_text("Admins only", timeout=30_000)  # anonymous
    page.goto(f"{app_url}/")
    sign_in(page, app_url, simulator, "Sam Fan")
    page.goto(f"{app_url}/admin")
    expect(page.locator(".admins-only")).to_have_text("Admins only", timeout=20_000)
    screenshot(page, "admin-refused")
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        received = pool.submit(asyncio.run, _crafted_admin_event(app_url, cookie)).result()
    text_received = str(received)
    assert "Admins only" in text_received, text_received[:2000]
    assert "'users'" not in text_received and '"users"' not in text_received  # no admin data delivered
    assert csp == [], csp
