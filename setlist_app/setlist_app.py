"""App wiring only: theme, pages and their load events."""

from __future__ import annotations

import reflex as rx

from setlist_app.api.app import build_api
from setlist_app.live.pusher import live_pusher
from setlist_app.observability.logging import configure_logging
from setlist_app.observability.middleware import EventMetricsMiddleware
from setlist_app.pages import account, catalog, show
from setlist_app.state.account import AccountState
from setlist_app.state.admin_base import AdminHomeState
from setlist_app.state.catalog import ArtistsListState, ArtistState, HomeState, ShowsListState
from setlist_app.state.show import ShowState

configure_logging()  # JSON in prod, redacted everywhere (setlist_app/observability/logging.py)
# Theme: RadixThemesPlugin in rxconfig.py. Our Starlette routes match before Reflex's.
app = rx.App(stylesheets=["/styles.css"], api_transformer=build_api())
app.add_page(catalog.home, route="/", title="Setlist — vote on tonight's songs", on_load=HomeState.load)
app.add_page(catalog.artists, route="/artists", title="Artists · Setlist", on_load=ArtistsListState.load)
app.add_page(catalog.artist, route="/artists/[slug]", title="Artist · Setlist", on_load=ArtistState.load)
app.add_page(catalog.shows, route="/shows", title="Shows · Setlist", on_load=ShowsListState.load)
app.add_page(show.show, route="/shows/[slug]", title="Show · Setlist", on_load=ShowState.load)
app.add_page(account.account, route="/account", title="Your account · Setlist", on_load=AccountState.load)
app.add_page(account.admin, route="/admin", title="Admin · Setlist", on_load=AdminHomeState.load)
app.add_page(catalog.page_not_found, route="404", title="Not found · Setlist")
app.add_middleware(EventMetricsMiddleware())  # event ids in logs, handler latency metric
app.register_lifespan_task(live_pusher)  # live vote fan-out: one pusher per backend worker
