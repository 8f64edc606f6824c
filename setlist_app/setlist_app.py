"""App wiring only: theme, pages and their load events."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.event import Event, EventHandler
from reflex_base.constants.state import FIELD_MARKER

from setlist_app.api.app import build_api
from setlist_app.live import reflex_wire
from setlist_app.live.pusher import hub as live_hub
from setlist_app.live.vote_lane import lane as vote_lane
from setlist_app.observability.error_log import record_errors
from setlist_app.observability.logging import configure_logging
from setlist_app.observability.middleware import EventMetricsMiddleware
from setlist_app.pages import account, catalog, show
from setlist_app.pages import activity as activity_page
from setlist_app.pages import admin as admin_pages
from setlist_app.pages import profile as profile_page
from setlist_app.pages import search as search_page
from setlist_app.pages import venue as venue_page
from setlist_app.state.account import AccountState, SignInState
from setlist_app.state.activity import ActivityState
from setlist_app.state.admin.artists import AdminArtistsState
from setlist_app.state.admin.audit import AdminAuditState
from setlist_app.state.admin.crons import AdminCronsState
from setlist_app.state.admin.jobs import AdminJobsState
from setlist_app.state.admin.moderation import AdminModerationState
from setlist_app.state.admin.overview import AdminOverviewState
from setlist_app.state.admin.providers import AdminProvidersState
from setlist_app.state.admin.users import AdminUsersState
from setlist_app.state.catalog import ArtistsListState, ArtistState, HomeState, ShowsListState
from setlist_app.state.health import HealthLive
from setlist_app.state.notifications import BellState
from setlist_app.state.profile import ProfileState
from setlist_app.state.search import SearchState
from setlist_app.state.show import ShowLive, ShowState, ShowVoter
from setlist_app.state.venue import VenueState


def _error_toast(message: str) -> list[Event]:
    return Event.from_event_type([rx.toast.error(message)])


async def live_pusher(app: rx.App) -> None:
    """Lifespan task: this backend worker's live hub, pushing to the substates the pages show."""
    await live_hub.run(wire, ShowLive.get_full_name(), HealthLive.get_full_name(), BellState.get_full_name())


def record_app_errors() -> None:
    """Lifespan task: this backend worker's ERROR records and uncaught exceptions land in error_log
    (from server start, not on import: the tests and the build import this module too)."""
    record_errors("app")


configure_logging()  # JSON in prod, redacted everywhere (setlist_app/observability/logging.py)
# Theme: RadixThemesPlugin in rxconfig.py. Our Starlette routes match before Reflex's.
app = rx.App(stylesheets=["/styles.css"], api_transformer=build_api())
# Every page: (route, component, title, on_load). Tests take the routes from here (the browser crawl
# visits each one), so a new page is under test the moment it is added.
PAGES: tuple[tuple[str, Callable[[], rx.Component], str, EventHandler], ...] = (
    ("/", catalog.home, "Setlist — vote on tonight's songs", HomeState.load),
    ("/artists", catalog.artists, "Artists · Setlist", ArtistsListState.load),
    ("/artists/[slug]", catalog.artist, "Artist · Setlist", ArtistState.load),
    ("/shows", catalog.shows, "Shows · Setlist", ShowsListState.load),
    ("/shows/[slug]", show.show, "Show · Setlist", ShowState.load),
    ("/account", account.account, "Your account · Setlist", AccountState.load),
    ("/sign-in", account.sign_in, "Sign in · Setlist", SignInState.load),
    ("/trending", catalog.trending, "Trending · Setlist", HomeState.load),
    ("/search", search_page.search, "Search · Setlist", SearchState.load),
    ("/activity", activity_page.activity, "Activity · Setlist", ActivityState.load),
    ("/venues/[slug]", venue_page.venue, "Venue · Setlist", VenueState.load),
    ("/profile", profile_page.profile, "Your profile · Setlist", ProfileState.load),
    ("/users/[id]", profile_page.profile, "Fan · Setlist", ProfileState.load),
    ("/admin", admin_pages.overview, "Admin · Setlist", AdminOverviewState.load),
    ("/admin/jobs", admin_pages.jobs, "Jobs · Admin", AdminJobsState.load),
    ("/admin/crons", admin_pages.crons, "Crons · Admin", AdminCronsState.load),
    ("/admin/providers", admin_pages.providers, "Providers · Admin", AdminProvidersState.load),
    ("/admin/artists", admin_pages.artists, "Artists · Admin", AdminArtistsState.load),
    ("/admin/users", admin_pages.users, "Users · Admin", AdminUsersState.load),
    ("/admin/moderation", admin_pages.moderation, "Moderation · Admin", AdminModerationState.load),
    ("/admin/audit", admin_pages.audit, "Audit log · Admin", AdminAuditState.load),
)
for route, component, title, on_load in PAGES:
    app.add_page(component, route=route, title=title, on_load=on_load)
app.add_page(catalog.page_not_found, route="404", title="Not found · Setlist")
app.add_middleware(EventMetricsMiddleware())  # event ids in logs, handler latency metric
# The live path's one seam to Reflex's sockets, with the Reflex pieces it needs (live/reflex_wire.py).
wire = reflex_wire.Wire(app.event_namespace, reflex_wire.Protocol(FIELD_MARKER, _error_toast)).install()
vote_lane.install(
    wire, ShowState.get_full_name(), ShowVoter.get_full_name()
)  # votes skip Reflex's state path
app.register_lifespan_task(live_pusher)  # live vote fan-out: one pusher per backend worker
app.register_lifespan_task(record_app_errors)
