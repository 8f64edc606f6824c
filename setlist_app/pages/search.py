"""/search?q=: full search results and the "request an artist" card."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import empty_state, error_state, section
from setlist_app.components.layout import page_shell
from setlist_app.components.search import query_cut_note, request_card, result_groups, search_box
from setlist_app.state.search import SearchState


def search() -> rx.Component:
    return page_shell(
        section(
            "Search",
            search_box(typeahead=False),
            query_cut_note(),
            rx.cond(
                SearchState.error != "",
                error_state(SearchState.error, SearchState.load),
                rx.cond(
                    SearchState.can_search,
                    rx.vstack(
                        rx.cond(
                            SearchState.total > 0,
                            result_groups(),
                            empty_state("search-x", "Nothing matches that yet."),
                        ),
                        request_card(),
                        spacing="4",
                        width="100%",
                        max_width="720px",
                    ),
                    empty_state("search", "Type an artist, a city, a venue or a song (two letters or more)."),
                ),
            ),
        )
    )
