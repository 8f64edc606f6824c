"""App wiring only: theme, pages and their load events."""

from __future__ import annotations

import reflex as rx

from setlist_app.api.app import build_api
from setlist_app.live import engineio_writer
from setlist_app.live.pusher import live_pusher
from setlist_app.observability.logging import configure_logging
from setlist_app.observability.middleware import EventMetricsMiddleware
from setlist_app.pages import account, catalog, show
from setlist_app.pages import activity as activity_page
from setlist_app.pages import admin as admin_pages
from setlist_app.pages import profile as profile_page
from setlist_app.pages import search as search_page
from setlist_app.pages import venue as venue_page
from setlist_app.state.account import AccountState
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
from setlist_app.state.profile import ProfileState
from setlist_app.state.search import SearchState
from setlist_app.state.show import ShowState
from setlist_app.state.venue import VenueState
from setlist_app.state.vote_lane import lane as vote_lane

engineio_writer.install()  # before any socket opens: cheaper pushes to many viewers
configure_logging()  # JSON in prod, redacted everywhere (setlist_app/observability/logging.py)
# Theme: RadixThemesPlugin in rxconfig.py. Our Starlette routes match before Reflex's.
app = rx.App(stylesheets=["/styles.css"], api_transformer=build_api())
app.add_page(catalog.home, route="/", title="Setlist — vote on tonight's songs", on_load=HomeState.load)
app.add_page(catalog.artists, route="/artists", title="Artists · Setlist", on_load=ArtistsListState.load)
app.add_page(catalog.artist, route="/artists/[slug]", title="Artist · Setlist", on_load=ArtistState.load)
app.add_page(catalog.shows, route="/shows", title="Shows · Setlist", on_load=ShowsListState.load)
app.add_page(show.show, route="/shows/[slug]", title="Show · Setlist", on_load=ShowState.load)
app.add_page(account.account, route="/account", title="Your account · Setlist", on_load=AccountState.load)
app.add_page(catalog.page_not_found, route="404", title="Not found · Setlist")
app.add_page(catalog.trending, route="/trending", title="Trending · Setlist", on_load=HomeState.load)
app.add_page(search_page.search, route="/search", title="Search · Setlist", on_load=SearchState.load)
app.add_page(
    activity_page.activity, route="/activity", title="Activity · Setlist", on_load=ActivityState.load
)
app.add_page(venue_page.venue, route="/venues/[slug]", title="Venue · Setlist", on_load=VenueState.load)
app.add_page(
    profile_page.profile, route="/profile", title="Your profile · Setlist", on_load=ProfileState.load
)
app.add_page(profile_page.profile, route="/users/[id]", title="Fan · Setlist", on_load=ProfileState.load)
app.add_page(admin_pages.overview, route="/admin", title="Admin · Setlist", on_load=AdminOverviewState.load)
app.add_page(admin_pages.jobs, route="/admin/jobs", title="Jobs · Admin", on_load=AdminJobsState.load)
app.add_page(admin_pages.crons, route="/admin/crons", title="Crons · Admin", on_load=AdminCronsState.load)
app.add_page(
    admin_pages.providers,
    route="/admin/providers",
    title="Providers · Admin",
    on_load=AdminProvidersState.load,
)
app.add_page(
    admin_pages.artists, route="/admin/artists", title="Artists · Admin", on_load=AdminArtistsState.load
)
app.add_page(admin_pages.users, route="/admin/users", title="Users · Admin", on_load=AdminUsersState.load)
app.add_page(
    admin_pages.moderation,
    route="/admin/moderation",
    title="Moderation · Admin",
    on_load=AdminModerationState.load,
)
app.add_page(admin_pages.audit, route="/admin/audit", title="Audit log · Admin", on_load=AdminAuditState.load)
app.add_middleware(EventMetricsMiddleware())  # event ids in logs, handler latency metric
vote_lane.install(app.event_namespace, ShowState.get_full_name())  # votes skip Reflex's state path
app.register_lifespan_task(live_pusher)  # live vote fan-out: one pusher per backend worker
