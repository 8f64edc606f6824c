"""Every route, every control, three roles: the browser crawler (tests/e2e/crawler.py) over the app.

As an anonymous visitor, a fan and an admin (both signed in through the simulator's OIDC issuer),
the crawl opens every page the app registers — dynamic segments filled with real slugs, in the page
states that reveal conditional controls — and operates every control on it. `CONTROLS` declares what
each kind of control must do (and the database change it must make, where it stores something);
a control missing from it fails the crawl until its effect is declared, and so does a declared
control the crawl never got to operate. A new page is crawled without editing this file: its route
comes from the app, and only a dynamic segment needs a way to find a real value (`VALUES`).

Screenshots of every page state: tests/e2e/artifacts/crawl/<role>/.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta

import pytest
import redis
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import delete
from sqlmodel import Session, col, select

from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, new_anon_id, sign
from setlist_app.auth.viewer import Viewer
from setlist_app.db import get_engine
from setlist_app.models import (
    ActualSetlist,
    Artist,
    ArtistSong,
    ImportStatus,
    Prediction,
    PredictionSong,
    ProviderCircuit,
    Show,
    ShowStatus,
    SyncJob,
    User,
    Venue,
    utcnow,
)
from setlist_app.models.ops import AdminAuditLog
from setlist_app.services import moderation, voting
from setlist_app.settings import get_settings
from tests.e2e.conftest import ARTIFACTS, E2EApp, sign_in
from tests.e2e.crawler import (
    ROLES,
    Changes,
    Choose,
    Closes,
    Control,
    Crawl,
    Fill,
    Gone,
    Holds,
    Navigates,
    Opens,
    ServerRoute,
    Shows,
    Stores,
    Toast,
    Toggles,
    Value,
    Visit,
)
from tests.fixtures.simulator import SimulatorServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

SHOTS = ARTIFACTS / "crawl"
USERS = {"fan": "Sam Fan", "admin": "Ada Admin"}  # the simulator issuer's demo users
ADMIN = frozenset({"admin"})
ANONYMOUS = frozenset({"anonymous"})
SIGNED_IN = frozenset({"fan", "admin"})
SHOW = r"/shows/\[slug\]"
AUDITED = Stores("SELECT count(*) FROM admin_audit_log")  # every admin action writes one row

# What each kind of control must do, in the order the crawl operates them on a page (fill a form
# before submitting it). Keys: `<role>.<our class name>` or `<role> "<accessible name>"` (regexes).
CONTROLS: list[Control] = [
    # -- shared shell ------------------------------------------------------------------------------
    Control(r'button "Toggle light and dark theme"', (Toggles("class", "html"),), shell=True),
    Control(r"button\.account-menu", (Opens("menu"),), roles=SIGNED_IN, shell=True),
    # the notification bell's list is a popover (Radix gives it the dialog role)
    Control(r"button\.notification-bell", (Opens("dialog"),), roles=SIGNED_IN, shell=True),
    Control(r"button\.sign-out", (Shows(".nav-sign-in"),), roles=SIGNED_IN, ends_session=True),
    # -- search ------------------------------------------------------------------------------------
    Control(
        r'textbox "Search artists, cities, venues or songs"',
        (Holds(), Shows(".request-card", "Zzyzx Quartet")),
        Fill("Zzyzx Quartet {n}"),  # no such artist: a new one to request each time
    ),
    Control(
        r"button\.request-artist",
        (Stores("SELECT kind, key FROM sync_jobs"), Shows(".request-progress")),
    ),
    Control(r'button "Clear search"', (Gone(".request-artist"), Value('[name="q"]', ""))),
    # -- artist ------------------------------------------------------------------------------------
    Control(r'combobox "Show to add songs to"', (Holds(), Shows(".add-from-artist")), Choose()),
    Control(r"button\.add-from-artist", (Stores("SELECT count(*) FROM votes"),)),  # a new song or a vote
    Control(r"button\.follow-button", (Opens("dialog"),), roles=ANONYMOUS),
    Control(
        r"button\.follow-button",
        (Toggles("aria-pressed"), Stores("SELECT count(*) FROM follows")),
        roles=SIGNED_IN,
    ),
    # -- shows -------------------------------------------------------------------------------------
    Control(r'combobox "Filter by city"', (Holds(),), Choose()),
    Control(
        r"button\.vote-button", (Opens("dialog"),), roles=ANONYMOUS, routes=SHOW, state="free votes used"
    ),
    Control(r"button\.vote-button", (Toggles("aria-pressed"), Stores("SELECT count(*) FROM votes"))),
    Control(r'button "Add a song"', (Opens("dialog"),)),
    Control(r'textbox "Search songs"', (Holds(),), Fill("e")),
    Control(r'button "Add .+"', (Stores("SELECT count(*) FROM prediction_songs"),)),
    Control(r"button\.report-song", (Opens("dialog"),)),
    Control(r'textbox "What\'s wrong\? \(optional\)"', (Holds(),), Fill("Not a song they ever recorded")),
    Control(r"button\.report-submit", (Stores("SELECT count(*) FROM content_flags"), Toast("success"))),
    Control(r"button\.retry-import", (Stores("SELECT kind, key FROM sync_jobs"), Changes(".import-status"))),
    Control(r'button "(Done|Not now|Cancel|Close)"', (Closes(),)),
    # -- account -----------------------------------------------------------------------------------
    Control(r'button "Import again"', (Navigates(r"/account.*spotify="),), roles=SIGNED_IN),
    Control(
        r'button "Disconnect"',
        (Navigates(r"spotify=disconnected"), Stores("SELECT count(*) FROM oauth_tokens")),
        roles=SIGNED_IN,
    ),
    Control(r'button "Sign out"', (Shows(".nav-sign-in"),), roles=SIGNED_IN, ends_session=True),
    Control(r"button\.sign-out-everywhere", (Shows(".nav-sign-in"),), roles=SIGNED_IN, ends_session=True),
    Control(r"button\.delete-account", (Opens("alertdialog"),), roles=SIGNED_IN),
    Control(
        r"switch\.digest-switch",
        (Toggles("aria-checked"), Stores("SELECT id, email_digest FROM users")),
        roles=SIGNED_IN,
    ),
    Control(  # refused while the admin is the only one (the crawl's admin may have made another)
        r"button\.confirm-delete",
        (Navigates(r"/account/?\?account=(deleted|refused)"),),
        roles=SIGNED_IN,
        ends_session=True,
    ),
    # -- admin: overview ---------------------------------------------------------------------------
    Control(r"button\.kill-on", (Opens("alertdialog"),), roles=ADMIN),
    Control(r"button\.confirm-action", (Closes(), AUDITED), roles=ADMIN),
    Control(
        r"button\.kill-off", (Stores("SELECT kill_switch FROM sync_status"), Toast("success")), roles=ADMIN
    ),
    Control(r"button\.ack-alert", (AUDITED,), roles=ADMIN),
    Control(r"button\.error-open", (Opens("dialog"),), roles=ADMIN),
    # -- admin: rows (jobs, crons, providers, artists, users, moderation) --------------------------
    Control(r'link "#\d+"|button "Details"', (Opens("dialog"),), roles=ADMIN),
    Control(r"button\.job-retry", (Stores("SELECT count(*) FROM sync_jobs"), AUDITED), roles=ADMIN),
    # Only the job planted to run in a week: a job the crawl's Retry queued starts within seconds, and
    # its Cancel (with the dialog it opened) goes as its row turns "running".
    Control(r"button\.job-cancel", (Opens("alertdialog"),), roles=ADMIN, avoid=r"^(?![\s\S]*show crawl)"),
    *[
        Control(rf"button\.{name}", (Opens("alertdialog"),), roles=ADMIN, avoid="Ada Admin")
        for name in (
            "reset-provider",
            "reset-artist",
            "make-admin",
            "remove-admin",
            "ban-user",
            "flag-remove",
        )
    ],
    Control(r'button "(Next|Previous)"', (Changes("table"),), roles=ADMIN),
    Control(
        r"switch\.cron-enabled",
        (Toggles("aria-checked"), Stores("SELECT name, enabled FROM cron_settings")),
        roles=ADMIN,
    ),
    # A value no cron has yet (catalog_sync runs every 900 s: saving 900 over it changes nothing).
    Control(r'spinbutton "Interval in seconds"', (Holds(),), Fill("9{n}1"), roles=ADMIN),
    Control(r'button "Save"', (Stores("SELECT name, interval_seconds FROM cron_settings"),), roles=ADMIN),
    # The crawl's world has the budget alarm raised: "Run now" asks for confirmation and a reason.
    Control(r"button\.cron-run-now", (Opens("alertdialog"),), roles=ADMIN),
    Control(r'textbox "Why must it run now\?"', (Holds(),), Fill("the crawl checks it"), roles=ADMIN),
    Control(r"button\.sync-now", (Stores("SELECT count(*) FROM sync_jobs"), AUDITED), roles=ADMIN),
    Control(r"button\.unban-user", (Stores("SELECT id, role FROM users"), AUDITED), roles=ADMIN),
    Control(r"button\.flag-dismiss", (Stores("SELECT id, status FROM content_flags"), AUDITED), roles=ADMIN),
    # -- admin: filters, last (they hide rows whose actions are still to be operated) --------------
    Control(r'combobox "(Kind|Status|Since|Role|Action)"', (Holds(),), Choose(), roles=ADMIN),
    Control(r'textbox "Artist name or id"', (Holds(),), Fill("radiohead", submit=True), roles=ADMIN),
    Control(r'button "Clear"', (Changes("[role=combobox]"),), roles=ADMIN),
    Control(
        r'textbox "(Search artists|Name, email or #id)"', (Holds(),), Fill("an", submit=True), roles=ADMIN
    ),
    Control(r'radio "(Open|Dismissed|Removed)"', (Toggles("aria-checked"), Changes("table")), roles=ADMIN),
]


def _consent_to_spotify(page: Page) -> None:
    """At the simulated Spotify consent page: connect the demo listener's account."""
    page.get_by_role("link", name="Sam on Spotify").click()
    page.wait_for_url("**/account**")


# Links may lead to these server routes (not pages): where the browser lands, what to do there.
SERVER_ROUTES = [
    # Several providers: the chooser, a provider's issuer, or (signed in already) back to `next`.
    ServerRoute(r"/auth/login", r"/(sign-in|oidc(-b)?/authorize)|:\d+/$"),
    ServerRoute(r"/auth/spotify/connect", r"/spotify-accounts/authorize", _consent_to_spotify),
]


@dataclass(frozen=True)
class World:
    """The demo catalog arranged so that every conditional control shows up somewhere."""

    anon_id: str  # the anonymous visitor's id (its signed cookie is preset in the browser)
    artist: str
    venue: str
    fan: int  # a fan with votes, for /users/[id]
    show_open: str  # upcoming, with fan picks to report
    show_played: str  # completed, with its setlist
    show_missing: dict[str, str]  # per role: completed, setlist.fm had nothing yet
    show_spent: str  # upcoming; the anonymous visitor used its free votes there


# How to find real values for the dynamic segments of each route, per role: (path, state label).
VALUES: dict[str, Callable[[World, str], list[tuple[str, str]]]] = {
    "/artists/[slug]": lambda w, role: [(f"/artists/{w.artist}", "")],
    "/venues/[slug]": lambda w, role: [(f"/venues/{w.venue}", "")],
    "/users/[id]": lambda w, role: [(f"/users/{w.fan}", "")],
    "/shows/[slug]": lambda w, role: [
        (f"/shows/{w.show_open}", "upcoming"),
        (f"/shows/{w.show_played}", "played"),
        (f"/shows/{w.show_missing[role]}", "setlist missing"),
        *([(f"/shows/{w.show_spent}", "free votes used")] if role == "anonymous" else []),
    ],
}


def page_routes() -> list[str]:
    """Every page the app registers ("/", "/artists/[slug]", ...), from the app module itself."""
    from setlist_app.setlist_app import PAGES

    return [route for route, *_ in PAGES]


def visits(world: World, role: str) -> list[Visit]:
    """Every route, with each dynamic one in the states `VALUES` gives for it."""
    out: list[Visit] = []
    for route in page_routes():
        if "[" not in route:
            out.append(Visit(route, route))
            continue
        assert route in VALUES, f"{route} is a new dynamic route: say in VALUES how to find a real value"
        out.extend(Visit(route, path, label) for path, label in VALUES[route](world, role))
    return out


# -- the arranged world ----------------------------------------------------------------------------


def _fan_pick(s: Session, show_id: int, adder: str) -> int:
    """Add a catalog song that is not in the show's prediction yet, as an anonymous fan."""
    show = s.get(Show, show_id)
    assert show is not None
    taken = select(PredictionSong.song_id).join(Prediction).where(Prediction.show_id == show_id)
    song_id = s.exec(
        select(ArtistSong.song_id)
        .where(ArtistSong.artist_id == show.artist_id, col(ArtistSong.song_id).not_in(taken))
        .order_by(ArtistSong.position)
    ).first()
    assert song_id is not None
    return voting.add_song(s, Viewer(anon_id=adder), show_id, song_id).prediction_song_id


def _arrange(anon_id: str) -> World:
    """Fan picks with open reports, completed shows without a setlist (one per role, as asking
    again hides the button), an anonymous visitor out of free votes on one show, a fan with votes."""
    now = utcnow()
    with Session(get_engine(), expire_on_commit=False) as s:
        upcoming = s.exec(
            select(Show)
            .join(Prediction, col(Prediction.show_id) == Show.id)
            .where(Show.status == ShowStatus.UPCOMING, Show.starts_at > now + timedelta(days=1))
            .order_by(Show.starts_at)
        ).all()
        show_open, show_spent = upcoming[0], upcoming[1]
        played, *missing = s.exec(
            select(Show)
            .join(ActualSetlist, col(ActualSetlist.show_id) == Show.id)
            .where(Show.status == ShowStatus.COMPLETED)
            .order_by(col(Show.starts_at).desc())
        ).all()[: 1 + len(ROLES)]
        for show in missing:  # one per role: "Look again" is gone once someone asked
            s.exec(delete(ActualSetlist).where(col(ActualSetlist.show_id) == show.id))
            show.import_status = ImportStatus.NOT_FOUND
        artist = s.get(Artist, show_open.artist_id)
        venue = s.get(Venue, show_open.venue_id)
        assert artist is not None and venue is not None
        fan = User(name="Casey Crawler", email="casey@setlist.test", scored_votes=4, correct_votes=3)
        reporters = [User(name=f"Reporter {i}", email=f"reporter{i}@setlist.test") for i in range(2)]
        s.add_all([*missing, fan, *reporters])
        s.flush()
        for reporter in reporters:  # two open reports: one to dismiss, one to remove
            pick = _fan_pick(s, show_open.id or 0, f"crawler-adder-{reporter.id}")
            moderation.report_song(s, Viewer(user_id=reporter.id, role="user"), pick, "not a real song")
        spent = s.exec(
            select(PredictionSong.id)
            .join(Prediction)
            .where(Prediction.show_id == show_spent.id)
            .order_by(col(PredictionSong.position).desc())  # not the first row: the crawl votes there
            .limit(2)
        ).all()
        for ps_id in spent:
            voting.set_vote(s, Viewer(anon_id=anon_id), ps_id, True, with_allowance=True)
        first_song = s.exec(
            select(PredictionSong.id).join(Prediction).where(Prediction.show_id == show_open.id)
        ).first()
        voting.set_vote(s, Viewer(user_id=fan.id, role="user", name=fan.name), first_song or 0, True)
        s.commit()
        return World(
            anon_id,
            artist.slug,
            venue.slug,
            fan.id or 0,
            show_open.slug,
            played.slug,
            {role: show.slug for role, show in zip(sorted(ROLES), missing, strict=True)},
            show_spent.slug,
        )


@contextmanager
def _admin_world(artist_slug: str) -> Iterator[None]:
    """What only the admin pages show: failed and pending jobs (more than a page), an open circuit,
    an artist in backoff, audit rows to page through, and the daily job budget exceeded (an alert)."""
    now = utcnow()
    with Session(get_engine()) as s:
        artist = s.exec(select(Artist).where(Artist.slug == artist_slug)).one()
        failed = {"status": "failed", "error": "simulated failure", "attempts": 3, "finished_at": now}
        s.add_all(
            SyncJob(
                kind="catalog_sync",
                key=f"artist:{artist.id}:{i}",
                requested_by="planner:crawl",
                artist_id=artist.id,
                **failed,
            )
            for i in range(30)
        )
        s.add(
            SyncJob(
                kind="setlist_import",
                key="show:crawl",
                requested_by="planner:crawl",
                run_after=now + timedelta(days=7),
            )
        )
        s.merge(
            ProviderCircuit(
                provider="setlistfm",
                state="open",
                failures=5,
                opened_at=now,
                retry_at=now + timedelta(hours=1),
                last_error="HTTP 503",
            )
        )
        artist.catalog_failures = 3
        artist.catalog_backoff_until = now + timedelta(hours=72)
        s.add(artist)
        s.add_all(AdminAuditLog(action="crawl.setup", target=f"row {i}") for i in range(30))
        s.commit()
    settings = get_settings()
    client = redis.Redis.from_url(settings.redis_db_url(settings.redis_db_app))
    budget_key = f"sync:budget:jobs:d:{now:%Y%m%d}"
    client.set(budget_key, settings.sync_jobs_per_day_budget + 1)
    try:
        yield
    finally:
        client.delete(budget_key)
        client.close()


@pytest.fixture(scope="module")
def world(seeded: None) -> World:
    """The arranged demo; its screenshots replace the previous run's."""
    shutil.rmtree(SHOTS, ignore_errors=True)
    return _arrange(new_anon_id())


@pytest.mark.parametrize("role", ["anonymous", "fan", "admin"])
def test_crawl(role: str, world: World, site: E2EApp, browser: Browser, simulator: SimulatorServer) -> None:
    context = site.context(browser)
    if role == "anonymous":  # the visitor whose free votes the world used up on one show
        context.add_cookies([{"name": ANON_COOKIE, "value": sign(world.anon_id, "anon"), "url": site.url}])
    page = context.new_page()

    def restore_session(p: Page) -> None:
        if role in USERS:
            p.goto(site.url + "/")
            # Signing out deletes the session cookie; a refused account deletion keeps it, and then
            # the account menu appears once the page has hydrated (the header shows "Sign in" until
            # then, so that button says nothing).
            if any(c["name"] == SESSION_COOKIE for c in p.context.cookies(site.url)):
                try:
                    p.locator(".account-menu").first.wait_for(timeout=5_000)
                    return
                except PlaywrightTimeoutError:
                    pass  # a cookie the server no longer honours (its sessions were revoked)
            sign_in(p, site.url, simulator, USERS[role])

    crawl = Crawl(
        page,
        role,
        site.url,
        CONTROLS,
        page_routes(),
        SERVER_ROUTES,
        SHOTS / role,
        restore_session,
        load_toasts="$^" if role == "admin" else "Admins only",  # the admin pages refuse the others
    )
    with _admin_world(world.artist) if role == "admin" else nullcontext():
        try:
            restore_session(page)
            for visit in visits(world, role):
                crawl.crawl(visit)
        finally:
            context.close()
    never = sorted({c.key for c in CONTROLS if role in c.roles} - crawl.operated)
    problems = crawl.problems + [f"[{role}] declared control never operated: {key}" for key in never]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_unknown_values_answer_404(site: E2EApp, seeded: None, browser: Browser) -> None:
    """Every dynamic route answers an unknown value with HTTP 404 and the not-found page; so does a
    path that is no page at all."""
    context = site.context(browser)
    page = context.new_page()
    wrong = []
    try:
        paths = [
            route.replace("[slug]", "no-such-thing").replace("[id]", "987654") for route in page_routes()
        ]
        for path in [p for p in paths if "no-such-thing" in p or "987654" in p] + ["/no/such/page"]:
            response = page.goto(site.url + path)
            status = response.status if response else None
            shown = page.get_by_text("We couldn't find that").first
            shown.wait_for(timeout=20_000)
            if status != 404:
                wrong.append(f"{path} answered {status}")
    finally:
        context.close()
    assert not wrong, wrong
