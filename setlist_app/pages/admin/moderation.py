"""/admin/moderation: songs fans reported; dismiss, or remove the song."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.admin.layout import admin_page
from setlist_app.components.admin.widgets import (
    chip,
    confirm_button,
    data_table,
    empty_row,
    keyed,
    muted,
    pager,
    poller,
    section_card,
)
from setlist_app.state.admin.moderation import AdminModerationState


def _flag_row(f: rx.Var) -> rx.Component:
    busy = AdminModerationState.busy == "flag:" + f.id
    return keyed(
        f.id,
        rx.table.row(
            rx.table.cell(
                rx.vstack(rx.text(f.song, weight="medium"), muted("added by " + f.added_by), spacing="0")
            ),
            rx.table.cell(
                rx.vstack(
                    rx.link(f.show, href="/shows/" + f.show_slug, size="1"), muted(f.artist), spacing="0"
                ),
                max_width="220px",
            ),
            rx.table.cell(
                rx.vstack(
                    rx.text(f.reason, size="1"),
                    muted("by " + f.reporter + " · " + f.created),
                    spacing="0",
                ),
                max_width="240px",
            ),
            rx.table.cell(f.reports),
            rx.table.cell(f.vote_count),
            rx.table.cell(chip(f.status)),
            rx.table.cell(
                rx.cond(
                    f.status == "open",
                    rx.hstack(
                        rx.button(
                            "Dismiss",
                            size="1",
                            variant="soft",
                            color_scheme="gray",
                            loading=busy,
                            on_click=AdminModerationState.dismiss(f.id),
                            class_name="flag-dismiss",
                        ),
                        confirm_button(
                            "Remove song",
                            title="Remove \u201c" + f.song + "\u201d from this prediction?",
                            description="The song is hidden from the show's prediction and its "
                            + f.vote_count
                            + " vote(s) are taken back. Every open report on it is closed.",
                            on_confirm=AdminModerationState.remove(f.id),
                            loading=busy,
                            class_name="flag-remove",
                        ),
                        spacing="2",
                    ),
                    muted(f.resolved),
                )
            ),
            class_name="flag-row",
            custom_attrs={"data-flag": f.id},
        ),
    )


def moderation() -> rx.Component:
    return admin_page(
        "Moderation",
        "Moderation",
        "Songs fans reported on predictions. Dismiss the report, or remove the song.",
        section_card(
            "Reports",
            rx.segmented_control.root(
                rx.segmented_control.item("Open", value="open"),
                rx.segmented_control.item("Dismissed", value="dismissed"),
                rx.segmented_control.item("Removed", value="removed"),
                value=AdminModerationState.status,
                on_change=AdminModerationState.filter_status,
                class_name="flag-status",
            ),
            data_table(
                ["Song", "Show", "Report", "Reports", "Votes", "Status", ""],
                rx.table.body(
                    rx.cond(
                        AdminModerationState.rows.length() == 0,
                        empty_row(7, "Nothing here. Reported songs appear in this list."),
                    ),
                    rx.foreach(AdminModerationState.rows, _flag_row),
                ),
                "flags-table",
            ),
            pager(
                AdminModerationState.page,
                AdminModerationState.pages,
                AdminModerationState.total,
                AdminModerationState.go_page,
                "reports",
            ),
        ),
        poller(AdminModerationState.poll),
        loaded=AdminModerationState.loaded,
    )
