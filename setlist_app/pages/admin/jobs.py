"""/admin/jobs: sync_jobs history with filters, details, retry and cancel."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.admin.layout import admin_page
from setlist_app.components.admin.widgets import (
    chip,
    confirm_button,
    data_table,
    empty_row,
    keyed,
    labelled_select,
    muted,
    pager,
    poller,
    search_box,
    section_card,
)
from setlist_app.models.sync import JobStatus
from setlist_app.services.admin.jobs import SINCE_CHOICES
from setlist_app.state.admin.jobs import ANY, AdminJobsState


def _job_row(row: rx.Var) -> rx.Component:
    job_id = row.id
    return keyed(
        job_id,
        rx.table.row(
            rx.table.cell(
                rx.link("#" + job_id, on_click=AdminJobsState.select(job_id), cursor="pointer", size="1")
            ),
            rx.table.cell(rx.code(row.kind, size="1")),
            rx.table.cell(rx.text(row.subject, size="1", class_name="job-subject"), max_width="240px"),
            rx.table.cell(chip(row.status)),
            rx.table.cell(rx.text(row.attempts, size="1")),
            rx.table.cell(
                rx.tooltip(rx.text(row.created_ago, size="1"), content=row.created), white_space="nowrap"
            ),
            rx.table.cell(rx.text(row.duration, size="1"), white_space="nowrap"),
            rx.table.cell(
                rx.text(row.error, size="1", color=rx.color("red", 11), trim="both"), max_width="220px"
            ),
            rx.table.cell(
                rx.hstack(
                    rx.button("Details", size="1", variant="ghost", on_click=AdminJobsState.select(job_id)),
                    rx.cond(
                        row.can_retry != "",
                        rx.button(
                            rx.icon("rotate-ccw", size=12),
                            "Retry",
                            size="1",
                            variant="soft",
                            loading=AdminJobsState.busy == "retry:" + job_id,
                            on_click=AdminJobsState.retry(job_id),
                            class_name="job-retry",
                        ),
                    ),
                    rx.cond(
                        row.can_cancel != "",
                        confirm_button(
                            "Cancel",
                            title="Cancel job #" + job_id + "?",
                            description="The pending job will not run. Planners or admins may request it again.",
                            on_confirm=AdminJobsState.cancel(job_id),
                            loading=AdminJobsState.busy == "cancel:" + job_id,
                            confirm_label="Cancel job",
                            class_name="job-cancel",
                        ),
                    ),
                    spacing="2",
                )
            ),
            class_name="job-row",
            custom_attrs={"data-status": row.status},
        ),
    )


def _job_details() -> rx.Component:
    s = AdminJobsState.selected
    field = lambda label, key: rx.data_list.item(  # noqa: E731
        rx.data_list.label(label),
        rx.data_list.value(rx.text(getattr(s, key), size="2", word_break="break-all")),
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Job #" + s.id),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("Status"), rx.data_list.value(chip(s.status))),
                field("Kind", "kind"),
                field("About", "subject"),
                field("Key", "key"),
                field("Artist", "artist"),
                field("Requested by", "requested_by"),
                field("Attempts", "attempts"),
                field("Created", "created"),
                field("Started", "started"),
                field("Finished", "finished"),
                field("Duration", "duration"),
                field("Error", "error"),
                field("Payload", "payload"),
                field("Result", "result"),
                size="2",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft", on_click=AdminJobsState.close_details)),
                justify="end",
                margin_top="16px",
            ),
            max_width="560px",
        ),
        open=s.id != "",
        on_open_change=lambda _open: AdminJobsState.close_details(),
    )


def jobs() -> rx.Component:
    statuses = [ANY, *[s.value for s in JobStatus]]
    filters = rx.hstack(
        labelled_select(
            AdminJobsState.kinds,
            AdminJobsState.kind,
            lambda v: AdminJobsState.set_filter("kind", v),
            "Kind",
            "filter-kind",
        ),
        labelled_select(
            statuses,
            AdminJobsState.status,
            lambda v: AdminJobsState.set_filter("status", v),
            "Status",
            "filter-status",
        ),
        labelled_select(
            [ANY, *SINCE_CHOICES],
            AdminJobsState.since,
            lambda v: AdminJobsState.set_filter("since", v),
            "Since",
            "filter-since",
        ),
        search_box(
            "Artist name or id",
            AdminJobsState.artist,
            lambda v: AdminJobsState.set_filter("artist", v),
            "filter-artist",
        ),
        rx.button("Clear", variant="ghost", size="2", on_click=AdminJobsState.clear_filters),
        spacing="4",
        wrap="wrap",
        align="center",
    )
    counts = rx.hstack(
        *[
            rx.hstack(chip(s.value), muted(AdminJobsState.status_counts[s.value].to_string()), spacing="1")
            for s in JobStatus
        ],
        spacing="4",
        wrap="wrap",
    )
    return admin_page(
        "Jobs",
        "Jobs",
        "Every sync job: filter, inspect, retry failed or cancelled ones, cancel pending ones. Live.",
        section_card(
            "History",
            filters,
            counts,
            data_table(
                ["Job", "Kind", "About", "Status", "Attempts", "Created", "Took", "Error", ""],
                rx.table.body(
                    rx.cond(AdminJobsState.rows.length() == 0, empty_row(9, "No jobs match these filters.")),
                    rx.foreach(AdminJobsState.rows, _job_row),
                ),
                "jobs-table",
            ),
            pager(
                AdminJobsState.page,
                AdminJobsState.pages,
                AdminJobsState.total,
                AdminJobsState.go_page,
                "jobs",
            ),
        ),
        _job_details(),
        poller(AdminJobsState.poll),
        loaded=AdminJobsState.loaded,
    )
