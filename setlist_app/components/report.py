"""The "report" action on fan-added songs: a small flag button with an optional reason."""

from __future__ import annotations

import reflex as rx

from setlist_app.state.report import ReportState


@rx.memo
def report_button(prediction_song_id: rx.Var[int]) -> rx.Component:
    """Place next to a fan-added song; opens a popover asking for an optional reason.

    A memo (its own React component with the id as a prop) because the row is rendered by
    `rx.foreach`: a form's submit handler is hoisted out of the loop body, where the loop variable
    does not exist (reflex-dev/reflex#3210), so the inline version threw `song_rx_state_ is not
    defined` and never reached the server.
    """
    done = ReportState.reported.contains(prediction_song_id)
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("flag", size=14),
                variant="ghost",
                size="1",
                color_scheme=rx.cond(done, "amber", "gray"),
                aria_label="Report this song",
                class_name="report-song",
            )
        ),
        rx.popover.content(
            rx.form(
                rx.vstack(
                    rx.text("Report this song?", weight="bold", size="2"),
                    rx.text(
                        "Moderators review fan-added songs that look wrong or abusive.",
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    rx.input(
                        name="reason", placeholder="What's wrong? (optional)", max_length=500, width="100%"
                    ),
                    rx.hstack(
                        rx.popover.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", size="1", type="button")
                        ),
                        rx.popover.close(
                            rx.button("Report", size="1", type="submit", class_name="report-submit")
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                ),
                on_submit=lambda form: ReportState.report(prediction_song_id, form),
                reset_on_submit=True,
            ),
            width="280px",
        ),
    )
