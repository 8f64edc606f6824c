"""The search box with its typeahead panel, grouped results, and the "request an artist" card."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import artwork
from setlist_app.services.search import MAX_QUERY, SearchHit
from setlist_app.state.search import SearchState

# A query is user text of any shape: a long word must break inside its card, not run out of it.
_WRAP_ANYWHERE = {"overflow_wrap": "anywhere", "min_width": "0", "flex": "1 1 12em"}


def hit_row(hit: SearchHit) -> rx.Component:
    return rx.link(
        rx.hstack(
            artwork(hit.image_url, hit.gradient, hit.initials, "40px"),
            rx.vstack(
                rx.text(hit.title, weight="medium", size="2", truncate=True),
                rx.text(hit.subtitle, size="1", color=rx.color("gray", 10), truncate=True),
                spacing="0",
                min_width="0",
                flex="1",
            ),
            align="center",
            spacing="3",
            width="100%",
            padding="8px",
            border_radius="var(--radius-3)",
            class_name="search-hit",
            _hover={"background": rx.color("accent", 3)},
        ),
        href=hit.href,
        underline="none",
        color="inherit",
        width="100%",
        on_click=SearchState.clear,
    )


def _group(title: str, icon: str, hits: rx.Var) -> rx.Component:
    return rx.cond(
        hits.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.hstack(
                rx.icon(icon, size=14),
                rx.text(title, size="1", weight="bold"),
                color=rx.color("gray", 10),
                spacing="2",
                align="center",
                padding_x="8px",
            ),
            rx.foreach(hits, hit_row),
            spacing="1",
            width="100%",
        ),
    )


def result_groups() -> rx.Component:
    return rx.vstack(
        _group("Artists", "mic-vocal", SearchState.artists),
        _group("Shows", "ticket", SearchState.shows),
        _group("Venues & cities", "map-pin", SearchState.venues),
        _group("Songs", "music", SearchState.songs),
        spacing="3",
        width="100%",
    )


def query_cut_note() -> rx.Component:
    """Says that only the start of an over-long query is searched (the server cuts it)."""
    return rx.cond(
        SearchState.query_cut,
        rx.text(
            f"That's a long search: we only look at its first {MAX_QUERY} characters.",
            size="1",
            color=rx.color("gray", 10),
            class_name="query-cut",
        ),
    )


def request_card() -> rx.Component:
    """Offer to look up an artist we don't know, then show the job's progress."""
    return rx.cond(
        SearchState.can_search & (SearchState.offer_request | (SearchState.request_status != "")),
        rx.card(
            rx.cond(
                SearchState.request_status == "",
                rx.hstack(
                    rx.icon("radar", size=20, color=rx.color("accent", 9)),
                    rx.text(
                        "Can't find ",
                        rx.text.strong("“", SearchState.query, "”"),
                        "? We can look for them on Ticketmaster and Spotify.",
                        size="2",
                        **_WRAP_ANYWHERE,
                    ),
                    rx.button(
                        "Request this artist",
                        size="2",
                        variant="soft",
                        loading=SearchState.requesting,
                        on_click=SearchState.request_artist,
                        class_name="request-artist",
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                    width="100%",
                ),
                rx.hstack(
                    rx.cond(
                        (SearchState.request_status == "pending") | (SearchState.request_status == "running"),
                        rx.spinner(size="2"),
                        rx.cond(
                            SearchState.request_status == "found",
                            rx.icon("circle-check", size=20, color=rx.color("grass", 9)),
                            rx.icon("info", size=20),
                        ),
                    ),
                    rx.text(
                        SearchState.request_message, size="2", class_name="request-progress", **_WRAP_ANYWHERE
                    ),
                    rx.cond(
                        SearchState.request_slug != "",
                        rx.link(
                            rx.button("Open artist", size="2"), href="/artists/" + SearchState.request_slug
                        ),
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                    width="100%",
                    aria_live="polite",
                ),
            ),
            width="100%",
            variant="surface",
            class_name="request-card",
        ),
    )


SEARCH_INPUT_ID = "search-query"


def search_box(*, typeahead: bool = True, size: str = "3") -> rx.Component:
    """A search input; with `typeahead` a panel of grouped results opens under it as you type."""
    field = rx.form(
        rx.input(
            rx.input.slot(rx.icon("search", size=18)),
            rx.cond(
                SearchState.query != "",
                rx.input.slot(
                    rx.icon_button(
                        rx.icon("x", size=14),
                        variant="ghost",
                        size="1",
                        type="button",
                        # The field is uncontrolled (typing stays local until the debounce): empty it too.
                        on_click=[SearchState.clear, rx.set_value(SEARCH_INPUT_ID, "")],
                        aria_label="Clear search",
                    )
                ),
            ),
            name="q",
            id=SEARCH_INPUT_ID,
            placeholder="Search artists, cities, venues or songs",
            default_value=SearchState.query,
            on_change=SearchState.set_query.debounce(250),
            size=size,  # type: ignore[arg-type]
            width="100%",
            aria_label="Search artists, cities, venues or songs",
            auto_complete=False,
            class_name="search-input",
        ),
        on_submit=SearchState.submit,
        width="100%",
    )
    if not typeahead:
        return field
    panel = rx.cond(
        SearchState.can_search & (SearchState.searched == SearchState.query),
        rx.card(
            query_cut_note(),
            rx.cond(
                SearchState.total > 0,
                result_groups(),
                rx.text("No matches yet.", size="2", color=rx.color("gray", 10), padding="8px"),
            ),
            rx.box(request_card(), padding_top="8px", width="100%"),
            position="absolute",
            top="calc(100% + 6px)",
            left="0",
            right="0",
            z_index="20",
            max_height="70vh",
            overflow_y="auto",
            box_shadow="0 16px 40px rgba(0,0,0,0.35)",
            class_name="typeahead",
        ),
    )
    return rx.box(field, panel, position="relative", width="100%", max_width="640px")
