"""Artist and show cards, artwork with a gradient fallback, empty/loading/error states."""

from __future__ import annotations

import reflex as rx

from setlist_app.services.catalog_views import ArtistCard, ShowCard

STATUS_COLORS = {"upcoming": "grass", "completed": "gray", "cancelled": "red", "postponed": "amber"}


def artwork(
    image_url: rx.Var, gradient: rx.Var, initials: rx.Var, size: str | dict[str, str]
) -> rx.Component:
    """The artist image, or a generated gradient with initials (never a broken image); `size` may be
    responsive (`rx.breakpoints`)."""
    return rx.cond(
        image_url != "",
        rx.image(
            src=image_url,
            alt="",
            width=size,
            height=size,
            min_width=size,
            object_fit="cover",
            border_radius="12px",
            class_name="artwork",
        ),
        rx.center(
            rx.text(initials, weight="bold", size="6", color="white"),
            width=size,
            height=size,
            min_width=size,
            background=gradient,
            border_radius="12px",
            aria_hidden="true",
            class_name="artwork",
        ),
    )


def status_badge(status: rx.Var) -> rx.Component:
    return rx.match(
        status,
        *[
            (key, rx.badge(key.capitalize(), color_scheme=color, variant="soft"))
            for key, color in STATUS_COLORS.items()
        ],
        rx.badge(status, variant="soft"),
    )


def artist_card(artist: ArtistCard) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                artwork(artist.image_url, artist.gradient, artist.initials, "100%"),
                rx.text(artist.name, weight="bold", size="3", trim="both"),
                rx.text(artist.genres, size="1", color=rx.color("gray", 10), trim="both"),
                rx.text(
                    artist.upcoming_show_count.to_string() + " upcoming",
                    size="1",
                    color=rx.color("accent", 11),
                ),
                spacing="2",
            ),
            height="100%",
            class_name="card-hover",
        ),
        href="/artists/" + artist.slug,
        underline="none",
        color="inherit",
    )


def show_row(show: ShowCard) -> rx.Component:
    """A show as a list row: date badge, artist, venue and city, status, vote count."""
    return rx.link(
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.text(show.month, size="1", weight="bold", color=rx.color("accent", 11)),
                    rx.text(show.day, size="6", weight="bold"),
                    align="center",
                    spacing="0",
                    min_width="3.5em",
                ),
                rx.box(
                    artwork(show.image_url, show.gradient, show.initials, "56px"), display=["none", "block"]
                ),
                rx.vstack(
                    rx.text(show.artist_name, weight="bold", size="3"),
                    rx.text(show.venue_name + " · " + show.city, size="2", color=rx.color("gray", 11)),
                    rx.text(show.when, size="1", color=rx.color("gray", 10)),
                    spacing="1",
                    min_width="0",
                ),
                rx.spacer(),
                rx.vstack(
                    status_badge(show.status),
                    rx.hstack(
                        rx.icon("thumbs-up", size=14),
                        rx.text(show.vote_count, size="1"),
                        spacing="1",
                        color=rx.color("gray", 10),
                    ),
                    align="end",
                    spacing="2",
                ),
                align="center",
                spacing="4",
                width="100%",
            ),
        ),
        href="/shows/" + show.slug,
        underline="none",
        color="inherit",
        width="100%",
    )


def section(title: str, *children: rx.Component, subtitle: str | rx.Var[str] = "") -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="6", as_="h2"),
        rx.cond(subtitle != "", rx.text(subtitle, size="2", color=rx.color("gray", 10))),
        *children,
        spacing="3",
        width="100%",
        padding_y="16px",
    )


def empty_state(icon: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=32, color=rx.color("gray", 8)),
            rx.text(text, color=rx.color("gray", 10), text_align="center"),
            align="center",
        ),
        padding="32px",
        width="100%",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
    )


def skeleton_rows(count: int = 4, height: str = "72px") -> rx.Component:
    return rx.vstack(*[rx.skeleton(height=height, width="100%") for _ in range(count)], width="100%")


def error_state(message: rx.Var, retry: rx.EventHandler) -> rx.Component:
    return rx.callout(
        rx.hstack(rx.text(message), rx.button("Try again", on_click=retry, size="1", variant="soft")),
        icon="triangle-alert",
        color_scheme="red",
        width="100%",
    )


def not_found(what: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading("404", size="9", color=rx.color("accent", 9)),
            rx.heading(f"We couldn't find that {what}", size="5"),
            rx.text("It may have been removed, or the link is mistyped.", color=rx.color("gray", 10)),
            rx.link(rx.button("Back to home"), href="/"),
            align="center",
            spacing="3",
        ),
        padding_y="64px",
        width="100%",
    )
