"""/admin: health, counts, usage charts, budget, kill switch, the alert history, recent errors."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.admin.charts import calls_chart, rate_chart
from setlist_app.components.admin.layout import admin_page
from setlist_app.components.admin.widgets import (
    CHIP_COLORS,
    chip,
    confirm_button,
    empty_row,
    keyed,
    muted,
    poller,
    section_card,
    stat,
)
from setlist_app.services.admin.providers import PROVIDERS
from setlist_app.services.admin.usage import hourly_quota_pace
from setlist_app.settings import get_settings
from setlist_app.state.admin.overview import SUCCESS_REFRESH_SECONDS
from setlist_app.state.admin.overview import AdminOverviewState as S

HEALTH_ICONS = {"ok": "circle-check", "degraded": "triangle-alert", "down": "circle-x"}
# (label, key, icon, hint): the two vote counts count different things, and say so.
COUNTS = [
    ("Users", "users", "users", ""),
    ("Artists", "artists", "mic-vocal", ""),
    ("Upcoming shows", "shows_upcoming", "calendar-clock", ""),
    ("Completed shows", "shows_completed", "calendar-check", ""),
    ("Songs", "songs", "music", ""),
    ("Votes standing", "votes", "thumbs-up", "on all shows now, un-votes subtracted"),
    ("Votes cast today", "votes_today", "activity", "since 00:00 UTC, incl. ones taken back later"),
]


def _health() -> rx.Component:
    level = S.health.level
    return rx.callout.root(
        rx.callout.icon(
            rx.match(level, *[(k, rx.icon(v)) for k, v in HEALTH_ICONS.items()], rx.icon("info"))
        ),
        rx.callout.text(
            rx.hstack(
                rx.text("Sync health: ", weight="bold"),
                chip(level),
                rx.text(S.health.message),
                spacing="2",
                align="center",
                wrap="wrap",
            )
        ),
        color_scheme=rx.match(level, *[(k, CHIP_COLORS[k]) for k in HEALTH_ICONS], "gray"),
        class_name="admin-health",
        custom_attrs={"data-level": level},
        width="100%",
    )


def _pipeline() -> rx.Component:
    return rx.flex(
        stat("Queue depth", S.health.queue_depth.to_string(), icon="layers", hint="pending + running"),
        stat(
            "Jobs last minute",
            S.health.jobs_last_minute.to_string(),
            icon="gauge",
            hint="alarm at " + S.spike_threshold.to_string(),
        ),
        stat("Jobs today", S.health.jobs_today.to_string(), icon="list-checks"),
        stat(
            "Worker heartbeat",
            S.health.heartbeat,
            icon="heart-pulse",
            hint="phase: " + S.health.phase,
        ),
        stat("Open circuits", S.health.open_circuits.to_string(), icon="plug-zap"),
        gap="12px",
        wrap="wrap",
        width="100%",
    )


def _controls() -> rx.Component:
    paused = S.health.kill_switch
    alert = S.health.alert
    return section_card(
        "Kill switch and alerts",
        rx.hstack(
            rx.cond(
                paused,
                rx.hstack(
                    chip("paused"),
                    rx.text("All planners are paused and no jobs are dispatched.", size="2"),
                    rx.button(
                        rx.icon("play", size=14),
                        "Resume planners",
                        on_click=S.set_kill_switch(False),
                        loading=S.busy == "kill",
                        color_scheme="grass",
                        size="2",
                        class_name="kill-off",
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                rx.hstack(
                    rx.text("Planners run on their schedules.", size="2"),
                    confirm_button(
                        "Pause all planners",
                        icon="octagon-pause",
                        size="2",
                        title="Pause all planners?",
                        description="Every cron stops creating jobs and the worker stops dispatching them until "
                        "you resume. Fans keep voting; data stops refreshing.",
                        on_confirm=S.set_kill_switch(True),
                        loading=S.busy == "kill",
                        class_name="kill-on",
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
            ),
            width="100%",
        ),
        rx.cond(
            alert != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("siren")),
                rx.callout.text(
                    rx.vstack(
                        rx.text(alert, weight="medium"),
                        rx.cond(
                            S.health.planners_paused,
                            muted("Non-essential planners are paused until usage drops."),
                        ),
                        muted("Raised " + S.health.alert_raised + " · acknowledge it under Alerts."),
                        spacing="1",
                    )
                ),
                color_scheme="amber",
                width="100%",
                class_name="budget-alert",
            ),
            muted("No budget or spike alert."),
        ),
    )


def _figure(f: rx.Var) -> rx.Component:
    """One success metric: current value, target, green/red and its 7-day chart."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(f.label, size="2", weight="medium"),
                rx.spacer(),
                chip(f.state),
                width="100%",
                align="center",
            ),
            rx.hstack(
                rx.text(f.value, size="6", weight="bold", class_name="success-value"),
                muted(f.window + " · target " + f.target),
                align="baseline",
                spacing="2",
                wrap="wrap",
            ),
            rate_chart(
                f.series,
                "v",
                "count",
                color="var(--accent-9)",
                threshold=f.limit,
                threshold_label="target",
                interval="preserveStartEnd",
                height=120,
            ),
            spacing="2",
            width="100%",
        ),
        class_name="success-figure",
        custom_attrs={"data-metric": f.key, "data-state": f.state},
    )


def _rate(r: rx.Var) -> rx.Component:
    """One job kind's 24 h success rate (skipped runs apart) and its daily rates for 7 days."""
    return rx.table.row(
        rx.table.cell(rx.code(r.kind, size="1")),
        rx.table.cell(rx.text(r.value, weight="bold", size="2")),
        rx.table.cell(chip(r.state)),
        rx.table.cell(muted(r.detail), white_space="nowrap"),
        rx.table.cell(
            rate_chart(
                r.series,
                "v",
                "success %",
                color="var(--grass-9)",
                threshold=95,
                threshold_label="target",
                interval="preserveStartEnd",
                height=80,
            ),
            min_width="220px",
        ),
        class_name="success-rate",
        custom_attrs={"data-kind": r.kind, "data-state": r.state},
    )


def _success() -> rx.Component:
    return section_card(
        "Success metrics",
        rx.grid(
            rx.foreach(S.success_figures, _figure),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            gap="12px",
            width="100%",
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Job kind", "Success (24 h)", "", "Runs (24 h)", "Daily success, 7 days")
                    ]
                )
            ),
            rx.table.body(rx.foreach(S.success_rates, _rate)),
            size="1",
            width="100%",
        ),
        subtitle="The audit's targets (DESIGN.md §12), re-read every "
        f"{SUCCESS_REFRESH_SECONDS} s; the same figures are exported at /metrics. "
        "Success = succeeded ÷ (succeeded + failed), target > 95 %; skipped runs are shown apart.",
    )


def _budget() -> rx.Component:
    return section_card(
        "Today's budget",
        rx.vstack(
            rx.foreach(
                S.budget_rows,
                lambda b: rx.vstack(
                    rx.hstack(
                        rx.text(b.name, size="1"),
                        rx.spacer(),
                        muted(b.used + " / " + b.limit),
                        width="100%",
                    ),
                    rx.progress(
                        value=b.percent,
                        max=100,
                        color_scheme=rx.cond(b.percent >= 90, "red", "grass"),
                        size="1",
                    ),
                    spacing="1",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        subtitle="Over a budget, non-essential planners pause themselves.",
    )


def _alerts() -> rx.Component:
    return section_card(
        "Alerts",
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(h) for h in ("Raised", "Alert", "State", "Webhook", "")]
                )
            ),
            rx.table.body(
                rx.cond(S.alerts.length() == 0, empty_row(5, "No alert has been raised.")),
                rx.foreach(
                    S.alerts,
                    lambda a: keyed(
                        a.id,
                        rx.table.row(
                            rx.table.cell(rx.text(a.raised, size="1"), white_space="nowrap"),
                            rx.table.cell(
                                rx.vstack(
                                    rx.code(a.key, size="1"),
                                    rx.text(a.message, size="1"),
                                    spacing="1",
                                ),
                                max_width="420px",
                            ),
                            rx.table.cell(
                                rx.vstack(
                                    chip(a.state),
                                    rx.cond(a.acknowledged_by != "", muted("by " + a.acknowledged_by)),
                                    rx.cond(a.cleared != "", muted("cleared " + a.cleared)),
                                    spacing="1",
                                )
                            ),
                            rx.table.cell(muted(a.webhook), white_space="nowrap"),
                            rx.table.cell(
                                rx.cond(
                                    a.state == "raised",
                                    rx.button(
                                        "Acknowledge",
                                        size="1",
                                        variant="soft",
                                        on_click=S.acknowledge_alert(a.id),
                                        loading=S.busy == "ack:" + a.id,
                                        class_name="ack-alert",
                                    ),
                                )
                            ),
                            class_name="alert-row",
                            custom_attrs={"data-state": a.state, "data-key": a.key},
                        ),
                    ),
                ),
            ),
            size="1",
            width="100%",
        ),
        subtitle="Raised and cleared by the worker; each sends one webhook message when raised and one when it "
        "clears. Acknowledging stops the reminders until it clears and comes back.",
    )


def _errors() -> rx.Component:
    return section_card(
        "Recent errors",
        rx.table.root(
            rx.table.header(
                rx.table.row(*[rx.table.column_header_cell(h) for h in ("When", "Source", "Error", "")])
            ),
            rx.table.body(
                rx.cond(S.errors.length() == 0, empty_row(4, "No errors in the last 24 hours.")),
                rx.foreach(
                    S.errors,
                    lambda e: keyed(
                        e.ref,
                        rx.table.row(
                            rx.table.cell(rx.text(e.ago, size="1"), white_space="nowrap"),
                            rx.table.cell(rx.code(e.source, size="1")),
                            rx.table.cell(
                                rx.hstack(
                                    rx.button(
                                        # an error names URLs and ids: let them wrap inside the card
                                        rx.text(
                                            e.message,
                                            size="1",
                                            trim="both",
                                            align="left",
                                            overflow_wrap="anywhere",
                                        ),
                                        on_click=S.open_error(e.ref),
                                        variant="ghost",
                                        size="1",
                                        height="auto",
                                        white_space="normal",
                                        min_width="0",
                                        max_width="100%",
                                        class_name="error-open",
                                    ),
                                    rx.cond(e.count != "", rx.badge(e.count, size="1", variant="soft")),
                                    spacing="2",
                                    align="center",
                                ),
                                max_width="460px",
                            ),
                            rx.table.cell(muted(e.ref), white_space="nowrap"),
                            class_name="error-row",
                        ),
                    ),
                ),
            ),
            size="1",
            width="100%",
        ),
        _error_detail(),
        subtitle="Recorded errors (with how often they recurred), failed jobs and cron runs, newest first. "
        "Open one for its details.",
    )


def _error_detail() -> rx.Component:
    d = S.error_detail
    field = lambda label, key: rx.data_list.item(  # noqa: E731
        rx.data_list.label(label),
        rx.data_list.value(rx.text(getattr(d, key), size="2", word_break="break-all")),
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Error: " + d.ref),
            rx.data_list.root(
                field("Source", "source"),
                field("Message", "message"),
                field("Occurrences", "count"),
                field("First seen", "first_seen"),
                field("Last seen", "last_seen"),
                field("Context", "context"),
                size="2",
            ),
            rx.box(
                rx.text(d.detail, size="1", white_space="pre-wrap", font_family="var(--code-font-family)"),
                max_height="320px",
                overflow="auto",
                margin_top="12px",
                padding="8px",
                background="var(--gray-a3)",
                border_radius="var(--radius-2)",
                class_name="error-trace",
            ),
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft", on_click=S.close_error)),
                justify="end",
                margin_top="16px",
            ),
            max_width="720px",
            class_name="error-detail",
        ),
        open=d.ref != "",
        on_open_change=lambda _open: S.close_error(),
    )


def overview() -> rx.Component:
    pace = hourly_quota_pace(get_settings())
    return admin_page(
        "Overview",
        "Overview",
        "The whole system at a glance; refreshes every few seconds.",
        _health(),
        _pipeline(),
        rx.flex(
            *[
                stat(label, S.counts[key].to_string(), icon=icon, hint=hint or None)
                for label, key, icon, hint in COUNTS
            ],
            gap="12px",
            wrap="wrap",
            width="100%",
        ),
        _controls(),
        _success(),
        rx.grid(
            section_card(
                "Jobs per minute",
                rate_chart(
                    S.jobs_series,
                    "jobs",
                    "jobs",
                    color="var(--accent-9)",
                    threshold=S.spike_threshold,
                    threshold_label="spike threshold",
                    class_name="jobs-chart",
                ),
                subtitle="Executed sync jobs; the dashed line is the spike alarm.",
            ),
            section_card(
                "Votes per minute",
                rate_chart(
                    S.votes_series, "votes", "votes", color="var(--grass-9)", class_name="votes-chart"
                ),
                subtitle="Votes and song adds across all shows.",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            gap="16px",
            width="100%",
        ),
        section_card(
            "Provider calls per hour",
            calls_chart(S.calls_series, pace, list(PROVIDERS)),
            subtitle="Dashed lines: a daily quota spread evenly over 24 hours.",
        ),
        _alerts(),
        rx.grid(_budget(), _errors(), columns=rx.breakpoints(initial="1", md="2"), gap="16px", width="100%"),
        poller(S.poll),
        loaded=S.loaded,
    )
