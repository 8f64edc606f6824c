"""The show page: header with the live viewer count, and the live community prediction."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.after_show import after_show
from setlist_app.components.cards import artwork, empty_state, not_found, section, status_badge
from setlist_app.components.layout import page_shell
from setlist_app.components.voting import (
    allowance_note,
    closed_note,
    prediction_list,
    sign_in_prompt,
    song_picker,
    viewer_badge,
)
from setlist_app.pages.catalog import loaded
from setlist_app.state.show import ShowLive, ShowState


def _header() -> rx.Component:
    page = ShowState.page
    card = page.show
    # On a phone the artwork shrinks and stays beside the text (wrapping put it on a row of its
    # own and pushed the prediction half a screen down).
    return rx.hstack(
        artwork(card.image_url, card.gradient, card.initials, rx.breakpoints(initial="72px", sm="120px")),
        rx.vstack(
            rx.link(card.artist_name, href="/artists/" + card.artist_slug, size="3", weight="medium"),
            rx.link(
                rx.heading(card.venue_name, size=rx.breakpoints(initial="5", sm="7"), as_="h1"),
                href="/venues/" + page.venue_slug,
                underline="hover",
                color="inherit",
                class_name="venue-link",
            ),
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
                viewer_badge(),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            spacing="1",
            min_width="0",
        ),
        align="center",
        spacing="4",
        class_name="show-header",
    )


def _prediction() -> rx.Component:
    page = ShowState.page
    return section(
        "Fan prediction",
        rx.hstack(
            rx.text(
                ShowLive.total,
                rx.cond(ShowLive.total == 1, " vote so far", " votes so far"),
                size="2",
                color=rx.color("gray", 11),
                class_name="total-votes",
            ),
            rx.spacer(),
            rx.cond(ShowState.voting_open, song_picker()),
            align="center",
            width="100%",
        ),
        closed_note(),
        allowance_note(),
        rx.cond(
            ShowLive.songs.length() > 0,  # type: ignore[attr-defined]
            prediction_list(),
            empty_state(
                "list-music",
                rx.cond(
                    page.prediction_status == "waiting_catalog",
                    "The prediction opens once we have imported this artist's songs.",
                    "No songs in the prediction yet. Add the first one!",
                ),
            ),
        ),
        sign_in_prompt(),
        subtitle='Ranked by fans\' votes, live; songs marked "from recent setlists" are not fan picks.',
    )


def show() -> rx.Component:
    body = rx.cond(
        ShowState.not_found,
        not_found("show"),
        rx.vstack(_header(), after_show(), _prediction(), width="100%"),
    )
    # Leaving the page (client-side navigation) leaves the show's live room; a closed tab's socket
    # is dropped from it by socket.io.
    return rx.box(page_shell(loaded(ShowState, body)), on_unmount=ShowState.leave)
