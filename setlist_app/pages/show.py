"""The show page: header, and the community prediction (the heart of the app)."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import artwork, empty_state, not_found, section, status_badge
from setlist_app.components.layout import page_shell
from setlist_app.pages.catalog import loaded
from setlist_app.services.catalog_views import PredictionRow
from setlist_app.state.show import ShowState


def _prediction_row(row: PredictionRow) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.text(row.rank, weight="bold", size="4", color=rx.color("gray", 9), min_width="2em"),
            rx.vstack(
                rx.text(row.title, weight="bold"),
                rx.text(row.album, size="1", color=rx.color("gray", 10)),
                spacing="0",
                min_width="0",
            ),
            rx.spacer(),
            rx.hstack(rx.icon("thumbs-up", size=16), rx.text(row.vote_count, weight="bold"), spacing="1"),
            align="center",
            width="100%",
        ),
        width="100%",
    )


def show() -> rx.Component:
    page = ShowState.page
    card = page.show
    header = rx.hstack(
        artwork(card.image_url, card.gradient, card.initials, "120px"),
        rx.vstack(
            rx.link(card.artist_name, href="/artists/" + card.artist_slug, size="3", weight="medium"),
            rx.heading(card.venue_name, size="7", as_="h1"),
            rx.text(card.city + ", " + page.country, color=rx.color("gray", 11)),
            rx.text(card.when, color=rx.color("gray", 10)),
            rx.hstack(
                status_badge(card.status),
                rx.cond(
                    (page.ticket_url != "") & (card.status == "upcoming"),
                    rx.link(
                        rx.button(rx.icon("ticket", size=14), "Tickets", size="1", variant="soft"),
                        href=page.ticket_url,
                        is_external=True,
                    ),
                ),
                spacing="2",
            ),
            spacing="1",
        ),
        align="center",
        spacing="5",
        wrap="wrap",
    )
    prediction = section(
        "Fan prediction",
        rx.cond(
            page.prediction.length() > 0,  # type: ignore[attr-defined]
            rx.vstack(rx.foreach(page.prediction, _prediction_row), spacing="2", width="100%"),
            empty_state(
                "list-music",
                rx.cond(
                    page.prediction_status == "waiting_catalog",
                    "The prediction opens once we have imported this artist's songs.",
                    "No songs in the prediction yet.",
                ),
            ),
        ),
        subtitle="Songs fans expect to hear, ranked by votes.",
    )
    body = rx.cond(ShowState.not_found, not_found("show"), rx.vstack(header, prediction, width="100%"))
    return page_shell(loaded(ShowState, body))
