"""Activity feed rows: who did what, on which song/artist/show, how long ago."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import empty_state
from setlist_app.services.activity_feed import FeedItem

ICONS = ("thumbs-up", "list-plus", "heart", "target")


def _avatar(item: FeedItem) -> rx.Component:
    return rx.center(
        rx.text(item.initials, size="1", weight="bold", color="white"),
        width="36px",
        height="36px",
        min_width="36px",
        border_radius="50%",
        background=item.gradient,
        aria_hidden="true",
    )


def feed_row(item: FeedItem) -> rx.Component:
    actor = rx.cond(
        item.actor_href != "",
        rx.link(item.actor, href=item.actor_href, weight="bold", color=rx.color("gray", 12)),
        rx.text.strong(item.actor),
    )
    subject = rx.cond(
        item.subject_href != "",
        rx.link(item.subject, href=item.subject_href, weight="medium"),
        rx.text(item.subject, as_="span", weight="medium", color=rx.color("accent", 11)),
    )
    return rx.hstack(
        _avatar(item),
        rx.vstack(
            rx.text(actor, " ", item.verb, " ", subject, size="2"),
            rx.cond(
                item.context != "",
                rx.link(item.context, href=item.context_href, size="1", color=rx.color("gray", 10)),
            ),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.hstack(
            rx.match(
                item.icon,
                *[(name, rx.icon(name, size=14)) for name in ICONS],
                rx.icon("sparkles", size=14),
            ),
            rx.text(item.ago, size="1", white_space="nowrap"),
            spacing="1",
            align="center",
            color=rx.color("gray", 10),
        ),
        align="center",
        spacing="3",
        width="100%",
        padding_y="10px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="feed-row",
        custom_attrs={"data-id": item.id},
    )


def feed_list(items: rx.Var, empty: str) -> rx.Component:
    return rx.cond(
        items.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(rx.foreach(items, feed_row), spacing="0", width="100%", class_name="feed"),
        empty_state("activity", empty),
    )
