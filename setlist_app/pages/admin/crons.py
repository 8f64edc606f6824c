"""/admin/crons: enable, interval, run now, last runs."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.admin.layout import admin_page
from setlist_app.components.admin.widgets import (
    chip,
    confirm_button,
    data_table,
    keyed,
    muted,
    poller,
    section_card,
)
from setlist_app.state.admin.crons import AdminCronsState


def _run_line(run: rx.Var) -> rx.Component:
    return rx.hstack(
        chip(run.status),
        muted(run.started + " · " + run.duration + " · " + run.jobs + " jobs · " + run.item_count + " items"),
        rx.cond(run.error != "", rx.text(run.error, size="1", color=rx.color("red", 11))),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def _last_runs(row: rx.Var) -> rx.Component:
    """The latest run's status, then the recent runs as one line; hover for each run's details."""
    return rx.hover_card.root(
        rx.hover_card.trigger(
            rx.vstack(
                rx.hstack(chip(row.last_status), muted(row.last_ago), spacing="2", align="center"),
                muted(row.history),
                spacing="1",
                class_name="cron-last-run",
            )
        ),
        rx.hover_card.content(
            rx.vstack(rx.foreach(row.runs, _run_line), spacing="2", class_name="cron-history"),
            max_width="480px",
        ),
    )


@rx.memo
def interval_form(name: rx.Var[str], interval: rx.Var[str]) -> rx.Component:
    """A cron's interval editor. A memo (its own React component, the cron name a prop) because the
    rows come from `rx.foreach`, whose loop variable a form's submit handler cannot see (the inline
    form threw `row_rx_state_ is not defined` and saved nothing; reflex-dev/reflex#3210)."""
    return rx.form(
        rx.hstack(
            rx.input(
                name="seconds",
                default_value=interval,
                type="number",
                min=10,
                size="1",
                width="90px",
                aria_label="Interval in seconds",
                key=interval,
            ),
            rx.button(
                "Save",
                size="1",
                variant="soft",
                type="submit",
                loading=AdminCronsState.busy == "interval:" + name,
            ),
            spacing="1",
        ),
        on_submit=lambda form: AdminCronsState.set_interval(name, form),
        reset_on_submit=False,
    )


def _cron_row(row: rx.Var) -> rx.Component:
    name = row.name
    return keyed(
        name,
        rx.table.row(
            rx.table.cell(
                rx.vstack(
                    rx.hstack(
                        rx.code(name, size="2"),
                        rx.cond(row.essential, rx.badge("essential", size="1", variant="outline")),
                        spacing="2",
                        align="center",
                    ),
                    muted(row.description),
                    spacing="1",
                ),
                max_width="300px",
            ),
            rx.table.cell(
                rx.switch(
                    checked=row.enabled,
                    on_change=lambda v: AdminCronsState.toggle(name, v),
                    disabled=AdminCronsState.busy == "toggle:" + name,
                    class_name="cron-enabled",
                    custom_attrs={"data-cron": name},
                    aria_label="Enabled",
                )
            ),
            rx.table.cell(
                interval_form(name=name, interval=row.interval),
                muted(row.interval_text),
            ),
            rx.table.cell(rx.text(row.next_run, size="1"), white_space="nowrap"),
            rx.table.cell(_last_runs(row)),
            rx.table.cell(
                rx.cond(
                    (AdminCronsState.budget_alarm != "") & ~row.run_now_requested,
                    _run_now_despite_alarm(name),
                    rx.button(
                        rx.icon("play", size=12),
                        rx.cond(row.run_now_requested, "Requested", "Run now"),
                        size="1",
                        variant="soft",
                        loading=AdminCronsState.busy == "run:" + name,
                        on_click=AdminCronsState.run_now(name),
                        disabled=row.run_now_requested,
                        class_name="cron-run-now",
                        white_space="nowrap",
                    ),
                )
            ),
            class_name="cron-row",
            custom_attrs={"data-cron": name},
        ),
    )


def _run_now_despite_alarm(name: rx.Var) -> rx.Component:
    """During the budget alarm "Run now" bypasses the pause: it asks first, with a reason to audit."""
    return confirm_button(
        "Run now",
        icon="play",
        color="amber",
        title="Run despite the budget alarm?",
        description="The budget alarm has paused non-essential planners ("
        + AdminCronsState.budget_alarm
        + "). Running this now bypasses that pause; the reason is kept in the audit log.",
        body=rx.text_area(
            placeholder="Why must it run now?",
            value=AdminCronsState.run_reason,
            on_change=AdminCronsState.set_run_reason,
            class_name="run-now-reason",
            margin_top="12px",
        ),
        confirm_label="Run anyway",
        confirm_disabled=AdminCronsState.run_reason.strip() == "",
        on_confirm=AdminCronsState.run_now_anyway(name),
        loading=AdminCronsState.busy == "run:" + name,
        class_name="cron-run-now",
    )


def crons() -> rx.Component:
    return admin_page(
        "Crons",
        "Crons",
        "Planners stored in the database: changes apply on the worker's next tick, no restart.",
        section_card(
            "Schedules",
            data_table(
                ["Cron", "Enabled", "Interval (s)", "Next run", "Last runs", ""],
                rx.table.body(rx.foreach(AdminCronsState.rows, _cron_row)),
                "crons-table",
            ),
        ),
        poller(AdminCronsState.poll),
        loaded=AdminCronsState.loaded,
    )
