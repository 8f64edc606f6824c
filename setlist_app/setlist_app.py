"""App wiring only: theme, pages and their load events."""

from __future__ import annotations

import reflex as rx

from setlist_app.pages import catalog
from setlist_app.state.catalog import ArtistsListState, ArtistState, HomeState, ShowsListState, ShowState

app = rx.App(stylesheets=["/styles.css"])  # theme: RadixThemesPlugin in rxconfig.py
app.add_page(catalog.home, route="/", title="Setlist — vote on tonight's songs", on_load=HomeState.load)
app.add_page(catalog.artists, route="/artists", title="Artists · Setlist", on_load=ArtistsListState.load)
app.add_page(catalog.artist, route="/artists/[slug]", title="Artist · Setlist", on_load=ArtistState.load)
app.add_page(catalog.shows, route="/shows", title="Shows · Setlist", on_load=ShowsListState.load)
app.add_page(catalog.show, route="/shows/[slug]", title="Show · Setlist", on_load=ShowState.load)
app.add_page(catalog.page_not_found, route="404", title="Not found · Setlist")
