"""/venues/<slug>: a venue with its upcoming and past shows."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import not_found, section
from setlist_app.components.layout import page_shell
from setlist_app.pages.catalog import loaded, show_list
from setlist_app.state.venue import VenueState


def venue() -> rx.Component:
    page = VenueState.page
    header = rx.hstack(
        rx.center(
            rx.icon("map-pin", size=40, color="white"),
            width="96px",
            height="96px",
            min_width="96px",
            background=page.gradient,
            border_radius="12px",
            aria_hidden="true",
        ),
        rx.vstack(
            rx.heading(page.name, size="8", as_="h1"),
            rx.text(page.city + ", " + page.country, color=rx.color("gray", 11)),
            rx.cond(page.capacity != "", rx.text(page.capacity, size="2", color=rx.color("gray", 10))),
            spacing="1",
        ),
        align="center",
        spacing="5",
        wrap="wrap",
    )
    body = rx.cond(
        VenueState.not_found,
        not_found("venue"),
        rx.vstack(
            header,
            section("Upcoming shows", show_list(page.upcoming, "No upcoming shows announced here yet.")),
            section("Past shows", show_list(page.past, "No past shows on record here yet.")),
            width="100%",
        ),
    )
    return page_shell(loaded(VenueState, body))
