"""/activity: the live global feed."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.activity import feed_list
from setlist_app.components.cards import section, skeleton_rows
from setlist_app.components.layout import page_shell
from setlist_app.pages.catalog import loaded
from setlist_app.state.activity import ActivityState


def activity() -> rx.Component:
    live = rx.badge(
        rx.box(
            width="8px",
            height="8px",
            border_radius="50%",
            background=rx.color("grass", 9),
            class_name="live-dot",
        ),
        "Live",
        color_scheme="grass",
        variant="soft",
    )
    return rx.box(
        page_shell(
            section(
                "Activity",
                live,
                loaded(
                    ActivityState,
                    feed_list(
                        ActivityState.items, "No activity yet — votes, song adds and follows appear here."
                    ),
                    skeleton_rows(8, "48px"),
                ),
                subtitle="What fans are voting on, adding and following right now.",
            )
        ),
        on_unmount=ActivityState.leave,
    )
