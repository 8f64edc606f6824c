"""Several sign-in providers and account control in Chromium: sign in with both simulator issuers
(one account through the verified email, a separate one through an unverified email); delete an
account with the show's counts unchanged; sign out of all sessions signs out a second browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from setlist_app.db import get_engine
from setlist_app.models import AdminAuditLog, User
from setlist_app.models.users import Identity
from tests.e2e.conftest import E2EApp, screenshot, sign_in, upcoming_show_slug, wait_until
from tests.fixtures.simulator import SimulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # the first test also waits for the build


def _sign_out(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/account")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.locator(".nav-sign-in").first).to_be_visible(timeout=20_000)


def _methods(page: Page, app_url: str, name: str) -> list[str]:
    """The sign-in methods the account page lists, once it shows `name`'s account."""
    page.goto(f"{app_url}/account")
    expect(page.locator(".account-name")).to_have_text(name, timeout=20_000)
    return page.locator(".sign-in-method").all_inner_texts()


def test_sign_in_with_both_issuers(
    app_url: str, seeded: None, simulator: SimulatorServer, page: Page
) -> None:
    page.goto(f"{app_url}/")
    sign_in(page, app_url, simulator, "Sam Fan", provider="Demo sign-in")
    assert [m.split("\n")[0] for m in _methods(page, app_url, "Sam Fan")] == ["Demo sign-in"]
    _sign_out(page, app_url)

    page.goto(f"{app_url}/")
    page.locator(".nav-sign-in").first.click()
    page.wait_for_url(f"{app_url}/sign-in**")
    expect(page.locator(".sign-in-provider")).to_have_count(2)
    screenshot(page, "sign-in-providers")
    page.goto(f"{app_url}/")
    sign_in(page, app_url, simulator, "Sam Fan", provider="Demo ID")
    methods = _methods(page, app_url, "Sam Fan")  # the same verified email: the same account, two methods
    assert [m.split("\n")[0] for m in methods] == ["Demo sign-in", "Demo ID"], methods
    screenshot(page, "account-control")
    _sign_out(page, app_url)

    page.goto(f"{app_url}/")
    sign_in(page, app_url, simulator, "Mallory Unverified", provider="Demo ID")
    # A separate account; the tab showed Sam's methods until Mallory's page had loaded (fixed)
    assert [m.split("\n")[0] for m in _methods(page, app_url, "Mallory Unverified")] == ["Demo ID"]
    with Session(get_engine()) as s:
        users = {u.name: u.email for u in s.exec(select(User)).all()}
    assert users["Sam Fan"] == "sam@setlist.test" and users["Mallory Unverified"] is None


def test_delete_my_account_keeps_the_counts(
    app_url: str, seeded: None, simulator: SimulatorServer, page: Page
) -> None:
    slug = upcoming_show_slug()
    page.goto(f"{app_url}/shows/{slug}")
    sign_in(page, app_url, simulator, "Riley Rocker")
    button = page.locator(".vote-button").first
    expect(button).to_have_attribute("aria-pressed", "false", timeout=20_000)
    psid = button.get_attribute("data-song-id")
    count = page.locator(f".vote-button[data-song-id='{psid}'] .vote-count")
    before = int(count.inner_text())
    button.click()
    expect(count).to_have_text(str(before + 1))

    page.goto(f"{app_url}/account")
    page.locator(".delete-account").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Your votes stay in the counts")
    screenshot(page, "account-delete-confirm")
    page.locator(".confirm-delete").click()
    page.wait_for_url(re.compile(r"/account/?\?account=deleted$"))
    expect(page.locator(".account-flash")).to_contain_text("Your account was deleted")
    expect(page.locator(".nav-sign-in").first).to_be_visible()

    page.goto(f"{app_url}/shows/{slug}")
    expect(count).to_have_text(str(before + 1), timeout=20_000)  # the vote still counts
    expect(page.locator(f".vote-button[data-song-id='{psid}']")).to_have_attribute("aria-pressed", "false")
    with Session(get_engine()) as s:
        assert s.exec(select(User).where(User.name == "Riley Rocker")).first() is None
        assert s.exec(select(Identity).where(Identity.subject == "demo-riley")).first() is None
        assert s.exec(select(AdminAuditLog).where(AdminAuditLog.action == "account.delete")).first()


def test_sign_out_of_all_sessions_signs_out_the_other_browser(
    app_url: str, seeded: None, simulator: SimulatorServer, site: E2EApp, browser: Browser, page: Page
) -> None:
    page.goto(f"{app_url}/")
    sign_in(page, app_url, simulator, "Sam Fan")
    other_context = site.context(browser)
    other = other_context.new_page()
    try:
        other.goto(f"{app_url}/")
        sign_in(other, app_url, simulator, "Sam Fan")
        other.goto(f"{app_url}/account")
        expect(other.locator(".account-name")).to_have_text("Sam Fan", timeout=20_000)

        page.goto(f"{app_url}/account")
        page.locator(".sign-out-everywhere").click()
        expect(page.locator(".nav-sign-in").first).to_be_visible(timeout=20_000)

        def other_signed_out() -> bool:
            # Each backend worker caches a resolved session for SESSION_CACHE_SECONDS until the
            # cross-worker revocation lands (auth/sessions.destroy_user_sessions is its hook).
            other.reload()
            other.locator(".nav-sign-in, .account-menu").first.wait_for()
            return other.locator(".nav-sign-in").count() > 0

        wait_until(other_signed_out, 30, "the other browser to be signed out", poll=1)
        expect(other.get_by_role("heading", name="Sign in to see your account")).to_be_visible()
    finally:
        other_context.close()
