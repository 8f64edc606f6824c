"""Home, artists, artist, shows and show pages, and the not-found page."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import (
    artist_card,
    artwork,
    empty_state,
    error_state,
    not_found,
    section,
    show_row,
    skeleton_rows,
)
from setlist_app.components.layout import page_shell
from setlist_app.services.catalog_views import CatalogSong
from setlist_app.state.catalog import ArtistsListState, ArtistState, HomeState, ShowsListState

_GRID_COLUMNS = rx.breakpoints(initial="2", sm="3", md="4", lg="6")


def _artist_grid(artists: rx.Var) -> rx.Component:
    return rx.grid(rx.foreach(artists, artist_card), columns=_GRID_COLUMNS, spacing="4", width="100%")


def show_list(shows: rx.Var, empty: str) -> rx.Component:
    return rx.cond(
        shows.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(rx.foreach(shows, show_row), spacing="2", width="100%"),
        empty_state("calendar-x", empty),
    )


def loaded(state: type, body: rx.Component, skeleton: rx.Component | None = None) -> rx.Component:
    """Loading skeleton, then error with retry, then not-found or the body."""
    return rx.cond(
        state.loading,
        skeleton or skeleton_rows(),
        rx.cond(state.error != "", error_state(state.error, state.load), body),
    )


def home() -> rx.Component:
    return page_shell(
        rx.vstack(
            rx.heading("Call the setlist before the lights go down.", size="8", as_="h1"),
            rx.text(
                "Vote on the songs you want to hear at upcoming shows and watch the counts move live.",
                size="4",
                color=rx.color("gray", 11),
            ),
            spacing="3",
            padding_y="24px",
        ),
        loaded(
            HomeState,
            rx.fragment(
                section(
                    "Upcoming shows",
                    show_list(
                        HomeState.shows, "No upcoming shows yet — we check Ticketmaster every few hours."
                    ),
                ),
                section(
                    "Artists on tour",
                    rx.cond(
                        HomeState.artists.length() > 0,  # type: ignore[attr-defined]
                        _artist_grid(HomeState.artists),
                        empty_state("mic-vocal", "No artists on tour yet."),
                    ),
                ),
            ),
        ),
    )


def artists() -> rx.Component:
    return page_shell(
        section(
            "Artists",
            loaded(
                ArtistsListState,
                rx.cond(
                    ArtistsListState.artists.length() > 0,  # type: ignore[attr-defined]
                    _artist_grid(ArtistsListState.artists),
                    empty_state("mic-vocal", "No artists yet — the catalog fills from Ticketmaster."),
                ),
            ),
        )
    )


def shows() -> rx.Component:
    return page_shell(
        section(
            "Upcoming shows",
            loaded(
                ShowsListState,
                show_list(
                    ShowsListState.shows, "No upcoming shows yet — we check Ticketmaster every few hours."
                ),
            ),
        )
    )


def _song_row(song: CatalogSong) -> rx.Component:
    return rx.table.row(
        rx.table.cell(song.title, font_weight="500"),
        rx.table.cell(song.album, color=rx.color("gray", 10)),
        rx.table.cell(song.duration, color=rx.color("gray", 10), text_align="right"),
    )


def artist() -> rx.Component:
    page = ArtistState.page
    body = rx.cond(
        ArtistState.not_found,
        not_found("artist"),
        rx.vstack(
            rx.hstack(
                artwork(page.artist.image_url, page.artist.gradient, page.artist.initials, "120px"),
                rx.vstack(
                    rx.heading(page.artist.name, size="8", as_="h1"),
                    rx.text(page.artist.genres, color=rx.color("gray", 10)),
                    spacing="2",
                ),
                align="center",
                spacing="5",
                wrap="wrap",
            ),
            section("Upcoming shows", show_list(page.upcoming, "No upcoming shows announced.")),
            section("Past shows", show_list(page.past, "No past shows on record yet.")),
            section(
                "Songs",
                rx.cond(
                    page.songs.length() > 0,  # type: ignore[attr-defined]
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Title"),
                                rx.table.column_header_cell("Album"),
                                rx.table.column_header_cell("Length", text_align="right"),
                            )
                        ),
                        rx.table.body(rx.foreach(page.songs, _song_row)),
                        width="100%",
                        variant="surface",
                    ),
                    empty_state("disc-3", "We haven't imported this artist's songs yet."),
                ),
            ),
            width="100%",
            spacing="2",
        ),
    )
    return page_shell(loaded(ArtistState, body))


def page_not_found() -> rx.Component:
    return page_shell(not_found("page"))
