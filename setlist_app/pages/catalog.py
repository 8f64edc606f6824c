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
from setlist_app.components.layout import page_shell, server_link, sign_in_url
from setlist_app.components.search import search_box
from setlist_app.services.catalog_views import CatalogSong, RecentShow, ShowOption
from setlist_app.state.catalog import ArtistsListState, ArtistState, HomeState, ShowsListState
from setlist_app.state.follow import FollowState

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


def _recent_row(item: RecentShow) -> rx.Component:
    return rx.box(
        show_row(item.show),
        rx.cond(
            item.accuracy != "",
            rx.badge(
                rx.cond(item.fans_predicted, rx.icon("target", size=12), rx.icon("circle-dashed", size=12)),
                item.accuracy,
                color_scheme=rx.cond(item.fans_predicted, "grass", "gray"),
                variant=rx.cond(item.fans_predicted, "solid", "surface"),
                class_name="recent-score",
                position="absolute",
                top="8px",
                right="8px",
            ),
        ),
        position="relative",
        width="100%",
    )


def trending_sections(state: type) -> rx.Component:
    """Trending shows and artists (shared by home and /trending)."""
    note = rx.cond(
        state.home.trending_live,
        "",
        "Trending is warming up: until enough fans have voted, this is ordered by votes and tour size.",
    )
    return rx.fragment(
        section(
            "Trending shows",
            rx.cond(~state.home.trending_live, rx.text(note, size="1", color=rx.color("gray", 10))),
            show_list(
                state.home.trending_shows, "No upcoming shows yet — we check Ticketmaster every few hours."
            ),
        ),
        section(
            "Trending artists",
            rx.cond(
                state.home.trending_artists.length() > 0,  # type: ignore[attr-defined]
                _artist_grid(state.home.trending_artists),
                empty_state("mic-vocal", "No artists on tour yet."),
            ),
        ),
    )


def home() -> rx.Component:
    hero = rx.vstack(
        rx.heading("Call the setlist before the lights go down.", size="8", as_="h1"),
        rx.text(
            "Vote on the songs you want to hear at upcoming shows and watch the counts move live.",
            size="4",
            color=rx.color("gray", 11),
        ),
        search_box(),
        spacing="4",
        padding_y="24px",
        width="100%",
    )
    return page_shell(
        hero,
        loaded(
            HomeState,
            rx.fragment(
                rx.cond(
                    HomeState.signed_in,
                    section(
                        "Your artists on tour",
                        show_list(
                            HomeState.home.my_shows,
                            "Follow artists (or connect Spotify in your account) to see their shows here.",
                        ),
                    ),
                ),
                trending_sections(HomeState),
                section(
                    "Just played",
                    rx.cond(
                        HomeState.home.recent.length() > 0,  # type: ignore[attr-defined]
                        rx.vstack(rx.foreach(HomeState.home.recent, _recent_row), spacing="2", width="100%"),
                        empty_state("list-music", "No shows have finished yet."),
                    ),
                    subtitle="Recent shows and how well the fans called the setlist.",
                ),
                section(
                    "Upcoming shows",
                    show_list(
                        HomeState.shows, "No upcoming shows yet — we check Ticketmaster every few hours."
                    ),
                ),
            ),
        ),
    )


def trending() -> rx.Component:
    return page_shell(loaded(HomeState, trending_sections(HomeState)))


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


def _city_filter() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder="All cities", aria_label="Filter by city"),
        rx.select.content(
            rx.select.item("All cities", value="all"),
            rx.foreach(ShowsListState.cities, lambda c: rx.select.item(c, value=c)),
        ),
        value=ShowsListState.city,
        on_change=ShowsListState.set_city,
    )


def shows() -> rx.Component:
    return page_shell(
        section(
            "Upcoming shows",
            rx.hstack(rx.icon("map-pin", size=16), _city_filter(), align="center", spacing="2"),
            loaded(
                ShowsListState,
                show_list(
                    ShowsListState.shows, "No upcoming shows yet — we check Ticketmaster every few hours."
                ),
            ),
        )
    )


def _add_button(song: CatalogSong) -> rx.Component:
    done = ArtistState.added.contains(song.id)
    return rx.button(
        rx.cond(done, rx.icon("check", size=14), rx.icon("plus", size=14)),
        rx.cond(done, "Added", "Add"),
        size="1",
        variant=rx.cond(done, "soft", "outline"),
        loading=ArtistState.adding == song.id,
        disabled=done | (ArtistState.adding != 0),
        on_click=ArtistState.add_song(song.id),
        aria_label="Add " + song.title + " to the prediction",
        class_name="add-from-artist",
    )


def _song_row(song: CatalogSong) -> rx.Component:
    return rx.table.row(
        rx.table.cell(song.title, font_weight="500"),
        rx.table.cell(song.album, color=rx.color("gray", 10)),
        rx.table.cell(song.duration, color=rx.color("gray", 10), text_align="right"),
        rx.cond(ArtistState.target_show != "", rx.table.cell(_add_button(song), text_align="right")),
    )


def _played_row(song: CatalogSong, index: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(index + 1, weight="bold", color=rx.color("gray", 9), min_width="1.5em"),
        rx.vstack(
            rx.text(song.title, weight="medium", truncate=True),
            rx.text(song.album, size="1", color=rx.color("gray", 10), truncate=True),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.badge(song.play_count.to_string() + " plays", variant="soft", class_name="play-count"),
        align="center",
        spacing="3",
        width="100%",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _show_option(option: ShowOption) -> rx.Component:
    return rx.select.item(option.label, value=option.show_id.to_string())


def _follow_button() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.cond(FollowState.following, rx.icon("heart-off", size=16), rx.icon("heart", size=16)),
            rx.cond(FollowState.following, "Following", "Follow"),
            variant=rx.cond(FollowState.following, "soft", "solid"),
            loading=FollowState.busy,
            on_click=FollowState.toggle,
            aria_pressed=rx.cond(FollowState.following, "true", "false"),
            class_name="follow-button",
        ),
        rx.text(
            FollowState.followers,
            rx.cond(FollowState.followers == 1, " follower", " followers"),
            size="2",
            color=rx.color("gray", 10),
            class_name="follower-count",
        ),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Sign in to follow artists"),
                rx.dialog.description(
                    "Following puts this artist's shows on your home page. It's free and takes a few seconds."
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Not now", variant="soft", color_scheme="gray")),
                    server_link(rx.button("Sign in"), sign_in_url()),
                    justify="end",
                    spacing="3",
                    margin_top="16px",
                ),
                max_width="420px",
            ),
            open=FollowState.sign_in_prompt,
            on_open_change=FollowState.set_sign_in_prompt,
        ),
        align="center",
        spacing="3",
    )


def artist() -> rx.Component:
    page = ArtistState.page
    catalog_table = rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Title"),
                rx.table.column_header_cell("Album"),
                rx.table.column_header_cell("Length", text_align="right"),
                rx.cond(ArtistState.target_show != "", rx.table.column_header_cell("")),
            )
        ),
        rx.table.body(rx.foreach(page.songs, _song_row)),
        width="100%",
        variant="surface",
    )
    body = rx.cond(
        ArtistState.not_found,
        not_found("artist"),
        rx.vstack(
            rx.hstack(
                artwork(page.artist.image_url, page.artist.gradient, page.artist.initials, "120px"),
                rx.vstack(
                    rx.heading(page.artist.name, size="8", as_="h1"),
                    rx.text(page.artist.genres, color=rx.color("gray", 10)),
                    _follow_button(),
                    spacing="2",
                ),
                align="center",
                spacing="5",
                wrap="wrap",
            ),
            section("Upcoming shows", show_list(page.upcoming, "No upcoming shows announced.")),
            section(
                "Songs they play most",
                rx.cond(
                    page.most_played.length() > 0,  # type: ignore[attr-defined]
                    rx.vstack(rx.foreach(page.most_played, _played_row), spacing="0", width="100%"),
                    empty_state(
                        "list-music", "No setlists on record yet, so we don't know their favourites."
                    ),
                ),
                subtitle="From the setlists of their recent shows.",
            ),
            section(
                "Songs",
                rx.cond(
                    page.show_options.length() > 0,  # type: ignore[attr-defined]
                    rx.hstack(
                        rx.text("Add songs to the prediction for", size="2"),
                        rx.select.root(
                            rx.select.trigger(aria_label="Show to add songs to"),
                            rx.select.content(rx.foreach(page.show_options, _show_option)),
                            value=ArtistState.target_show,
                            on_change=ArtistState.set_target_show,
                        ),
                        align="center",
                        spacing="2",
                        wrap="wrap",
                    ),
                ),
                rx.cond(
                    page.songs.length() > 0,  # type: ignore[attr-defined]
                    rx.box(catalog_table, width="100%", overflow_x="auto"),
                    empty_state("disc-3", "We haven't imported this artist's songs yet."),
                ),
                subtitle="The studio catalog.",
            ),
            section("Past shows", show_list(page.past, "No past shows on record yet.")),
            width="100%",
            spacing="2",
        ),
    )
    return page_shell(loaded(ArtistState, body))


def page_not_found() -> rx.Component:
    return page_shell(not_found("page"))
