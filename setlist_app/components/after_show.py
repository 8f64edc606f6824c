"""After the show: the real setlist scored against the fans' prediction (included by the show page).

Two columns on desktop (setlist with set/encore headings, fans' hits ticked, seeded songs badged |
the fans' score, the seeded baseline apart, "voted for, not played"), one on phones; the import
status with a retry when setlist.fm had nothing.
"""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import empty_state, section, skeleton_rows
from setlist_app.components.voting import seeded_badge
from setlist_app.services.after_show import MissedSong, PlayedRow, SetBlock
from setlist_app.state.after_show import AfterShowState


def _played_row(song: PlayedRow) -> rx.Component:
    return rx.hstack(
        rx.text(song.position, size="1", color=rx.color("gray", 9), min_width="1.75em", text_align="right"),
        rx.cond(
            song.predicted,
            rx.icon("circle-check", size=18, color=rx.color("grass", 9), aria_label="fans voted for it"),
            rx.icon("circle", size=18, color=rx.color("gray", 7), aria_label="fans did not vote for it"),
        ),
        rx.vstack(
            rx.hstack(
                rx.text(
                    song.title,
                    weight=rx.cond(song.predicted, "bold", "regular"),
                    color=rx.cond(song.tape, rx.color("gray", 10), rx.color("gray", 12)),
                ),
                rx.cond(song.tape, rx.badge("tape", variant="soft", color_scheme="gray", size="1")),
                rx.cond(song.seeded, seeded_badge()),
                rx.cond(song.cover != "", rx.badge("cover · " + song.cover, variant="soft", size="1")),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.cond(song.info != "", rx.text(song.info, size="1", color=rx.color("gray", 10))),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.cond(
            song.predicted,
            rx.hstack(
                rx.icon("thumbs-up", size=14),
                rx.text(song.votes, size="1", weight="bold"),
                spacing="1",
                color=rx.color("grass", 11),
                aria_label="fan votes",
            ),
        ),
        align="center",
        spacing="3",
        width="100%",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 3)}",
        class_name=rx.cond(song.predicted, "setlist-song hit", "setlist-song"),
    )


def _set_block(block: SetBlock) -> rx.Component:
    return rx.vstack(
        rx.heading(block.heading, size="3", as_="h3", color=rx.color("accent", 11)),
        rx.foreach(block.songs, _played_row),
        spacing="1",
        width="100%",
    )


def _missed_row(song: MissedSong) -> rx.Component:
    return rx.hstack(
        rx.icon("circle-x", size=16, color=rx.color("red", 9)),
        rx.text(song.title, flex="1", size="2"),
        rx.text(song.votes, " votes", size="1", color=rx.color("gray", 10)),
        align="center",
        spacing="2",
        width="100%",
        class_name="missed-song",
    )


def _score() -> rx.Component:
    view = AfterShowState.view
    return rx.card(
        rx.vstack(
            rx.text("Fans' prediction", size="2", color=rx.color("gray", 11)),
            rx.heading(view.accuracy, size="9", color=rx.color("accent", 10), class_name="accuracy"),
            rx.text(view.accuracy_note, size="2", color=rx.color("gray", 11), class_name="accuracy-note"),
            rx.separator(size="4"),
            rx.hstack(
                rx.vstack(
                    rx.text("Seeded baseline", size="2", color=rx.color("gray", 11)),
                    rx.text(
                        view.baseline_note, size="1", color=rx.color("gray", 10), class_name="baseline-note"
                    ),
                    spacing="1",
                    flex="1",
                ),
                rx.heading(view.baseline, size="6", color=rx.color("gray", 11), class_name="baseline"),
                align="center",
                spacing="3",
                width="100%",
            ),
            rx.cond(
                view.fans_predicted,  # with no fan predictions there is nothing of theirs to miss
                rx.fragment(
                    rx.separator(size="4"),
                    rx.heading("Fans voted for, not played", size="3", as_="h3"),
                    rx.cond(
                        view.missed.length() > 0,  # type: ignore[attr-defined]
                        rx.vstack(rx.foreach(view.missed, _missed_row), spacing="2", width="100%"),
                        rx.text(
                            "Nothing: every song fans voted for was played.",
                            size="2",
                            color=rx.color("gray", 10),
                        ),
                    ),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        align_self="start",
    )


def _import_status() -> rx.Component:
    view = AfterShowState.view
    return rx.callout(
        rx.hstack(
            rx.text(view.import_message),
            rx.cond(
                view.can_retry,
                rx.button(
                    rx.icon("refresh-cw", size=14),
                    "Look again",
                    size="1",
                    variant="soft",
                    loading=AfterShowState.retrying,
                    on_click=AfterShowState.retry,
                    class_name="retry-import",
                ),
            ),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        icon=rx.match(view.import_status, ("failed", "triangle-alert"), ("not_found", "search-x"), "clock"),
        color_scheme=rx.match(view.import_status, ("failed", "red"), ("not_found", "amber"), "gray"),
        width="100%",
        class_name="import-status",
    )


def after_show() -> rx.Component:
    """The actual setlist and the prediction's score; renders nothing for shows not yet played."""
    view = AfterShowState.view
    body = rx.cond(
        view.has_setlist,
        rx.grid(
            rx.vstack(
                rx.cond(view.tour != "", rx.text(view.tour, size="2", color=rx.color("gray", 10))),
                rx.foreach(view.sets, _set_block),
                spacing="4",
                width="100%",
            ),
            _score(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
        rx.vstack(
            _import_status(),
            empty_state("list-music", "The setlist isn't in yet. Your votes will be scored when it arrives."),
            width="100%",
        ),
    )
    return rx.box(
        rx.cond(
            AfterShowState.loading,
            skeleton_rows(3),
            rx.cond(
                view.visible,
                section(
                    "What they played",
                    body,
                    subtitle="The real setlist from setlist.fm: ticks mark the songs fans voted for.",
                ),
            ),
        ),
        on_mount=AfterShowState.load,
        width="100%",
        class_name="after-show",
    )
