"""The admin sections after the overview: jobs, crons, providers, artists, users, moderation, audit."""

from __future__ import annotations

from typing import Any

import reflex as rx

from setlist_app.components.admin.layout import admin_page
from setlist_app.components.admin.widgets import (
    chip,
    confirm_button,
    empty_row,
    muted,
    pager,
    poller,
    section_card,
)
from setlist_app.models.sync import JobStatus
from setlist_app.services.admin.jobs import SINCE_CHOICES
from setlist_app.state.admin.artists import AdminArtistsState as Ar
from setlist_app.state.admin.audit import AdminAuditState as Au
from setlist_app.state.admin.crons import AdminCronsState as C
from setlist_app.state.admin.jobs import ANY
from setlist_app.state.admin.jobs import AdminJobsState as J
from setlist_app.state.admin.moderation import AdminModerationState as M
from setlist_app.state.admin.providers import AdminProvidersState as P
from setlist_app.state.admin.users import AdminUsersState as U


def _table(headers: list[str], body: rx.Component, class_name: str) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            body,
            size="1",
            width="100%",
            variant="surface",
            class_name=class_name,
        ),
        width="100%",
        overflow_x="auto",
    )


def _search(placeholder: str, value: rx.Var, handler: Any, class_name: str) -> rx.Component:
    """A search box that applies on Enter or when it loses focus."""
    return rx.form(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            name="q",
            default_value=value,
            placeholder=placeholder,
            on_blur=handler,
            size="2",
            width="260px",
            class_name=class_name,
        ),
        on_submit=lambda form: handler(form.to(dict[str, str])["q"]),
        reset_on_submit=False,
    )


def _select(
    items: list[str] | rx.Var, value: rx.Var, on_change: Any, label: str, class_name: str
) -> rx.Component:
    return rx.hstack(
        muted(label),
        rx.select(  # the label names the trigger for assistive tech (else it is read as its value, "any")
            items,
            value=value,
            on_change=on_change,
            size="2",
            class_name=class_name,
            custom_attrs={"aria-label": label},
        ),
        align="center",
        spacing="2",
    )


# -- jobs ----------------------------------------------------------------------------------------


def _job_row(row: rx.Var) -> rx.Component:
    job_id = row["id"]
    return rx.table.row(
        rx.table.cell(rx.link("#" + job_id, on_click=J.select(job_id), cursor="pointer", size="1")),
        rx.table.cell(rx.code(row["kind"], size="1")),
        rx.table.cell(
            rx.vstack(rx.text(row["artist"], size="1"), muted(row["key"]), spacing="0"), max_width="220px"
        ),
        rx.table.cell(chip(row["status"])),
        rx.table.cell(rx.text(row["attempts"], size="1")),
        rx.table.cell(
            rx.tooltip(rx.text(row["created_ago"], size="1"), content=row["created"]), white_space="nowrap"
        ),
        rx.table.cell(rx.text(row["duration"], size="1"), white_space="nowrap"),
        rx.table.cell(
            rx.text(row["error"], size="1", color=rx.color("red", 11), trim="both"), max_width="220px"
        ),
        rx.table.cell(
            rx.hstack(
                rx.button("Details", size="1", variant="ghost", on_click=J.select(job_id)),
                rx.cond(
                    row["can_retry"] != "",
                    rx.button(
                        rx.icon("rotate-ccw", size=12),
                        "Retry",
                        size="1",
                        variant="soft",
                        loading=J.busy == "retry:" + job_id,
                        on_click=J.retry(job_id),
                        class_name="job-retry",
                    ),
                ),
                rx.cond(
                    row["can_cancel"] != "",
                    confirm_button(
                        "Cancel",
                        title="Cancel job #" + job_id + "?",
                        description="The pending job will not run. Planners or admins may request it again.",
                        on_confirm=J.cancel(job_id),
                        loading=J.busy == "cancel:" + job_id,
                        confirm_label="Cancel job",
                        class_name="job-cancel",
                    ),
                ),
                spacing="2",
            )
        ),
        class_name="job-row",
        custom_attrs={"data-status": row["status"]},
    )


def _job_details() -> rx.Component:
    s = J.selected
    field = lambda label, key: rx.data_list.item(  # noqa: E731
        rx.data_list.label(label), rx.data_list.value(rx.text(s[key], size="2", word_break="break-all"))
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Job #" + s["id"]),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label("Status"), rx.data_list.value(chip(s["status"]))),
                field("Kind", "kind"),
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
                rx.dialog.close(rx.button("Close", variant="soft", on_click=J.close_details)),
                justify="end",
                margin_top="16px",
            ),
            max_width="560px",
        ),
        open=s.length() > 0,
        on_open_change=lambda _open: J.close_details(),
    )


def jobs() -> rx.Component:
    statuses = [ANY, *[s.value for s in JobStatus]]
    filters = rx.hstack(
        _select(J.kinds, J.kind, lambda v: J.set_filter("kind", v), "Kind", "filter-kind"),
        _select(statuses, J.status, lambda v: J.set_filter("status", v), "Status", "filter-status"),
        _select([ANY, *SINCE_CHOICES], J.since, lambda v: J.set_filter("since", v), "Since", "filter-since"),
        _search("Artist name or id", J.artist, lambda v: J.set_filter("artist", v), "filter-artist"),
        rx.button("Clear", variant="ghost", size="2", on_click=J.clear_filters),
        spacing="4",
        wrap="wrap",
        align="center",
    )
    counts = rx.hstack(
        *[
            rx.hstack(chip(s.value), muted(J.status_counts[s.value].to_string()), spacing="1")
            for s in JobStatus
        ],
        spacing="4",
        wrap="wrap",
    )
    return admin_page(
        "Jobs",
        "Jobs",
        "Every sync job: filter, inspect, retry failed ones, cancel pending ones. Live.",
        section_card(
            "History",
            filters,
            counts,
            _table(
                ["Job", "Kind", "Artist / key", "Status", "Attempts", "Created", "Took", "Error", ""],
                rx.table.body(
                    rx.cond(J.rows.length() == 0, empty_row(9, "No jobs match these filters.")),
                    rx.foreach(J.rows, _job_row),
                ),
                "jobs-table",
            ),
            pager(J.page, J.pages, J.total, J.go_page, "jobs"),
        ),
        _job_details(),
        poller(J.poll),
        loaded=J.loaded,
    )


# -- crons ---------------------------------------------------------------------------------------


def _run_chip(run: rx.Var) -> rx.Component:
    return rx.tooltip(
        chip(run["status"]),
        content=run["started"]
        + " · "
        + run["duration"]
        + " · "
        + run["jobs"]
        + " jobs · "
        + run["items"]
        + " items "
        + run["error"],
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
            rx.button("Save", size="1", variant="soft", type="submit", loading=C.busy == "interval:" + name),
            spacing="1",
        ),
        on_submit=lambda form: C.set_interval(name, form),
        reset_on_submit=False,
    )


def _cron_row(row: rx.Var) -> rx.Component:
    name = row["name"].to(str)
    runs = row["runs"].to(list[dict[str, str]])
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.hstack(
                    rx.code(name, size="2"),
                    rx.cond(row["essential"].to(bool), rx.badge("essential", size="1", variant="outline")),
                    spacing="2",
                    align="center",
                ),
                muted(row["description"].to(str)),
                spacing="1",
            ),
            max_width="300px",
        ),
        rx.table.cell(
            rx.switch(
                checked=row["enabled"].to(bool),
                on_change=lambda v: C.toggle(name, v),
                disabled=C.busy == "toggle:" + name,
                class_name="cron-enabled",
                custom_attrs={"data-cron": name},
                aria_label="Enabled",
            )
        ),
        rx.table.cell(
            interval_form(name=name, interval=row["interval"].to(str)),
            muted(row["interval_text"].to(str)),
        ),
        rx.table.cell(rx.text(row["next_run"].to(str), size="1"), white_space="nowrap"),
        rx.table.cell(
            rx.vstack(
                rx.hstack(rx.foreach(runs, _run_chip), spacing="1", wrap="wrap"),
                muted(row["last_ago"].to(str)),
                spacing="1",
            ),
        ),
        rx.table.cell(
            rx.button(
                rx.icon("play", size=12),
                rx.cond(row["run_now_requested"].to(bool), "Requested", "Run now"),
                size="1",
                variant="soft",
                loading=C.busy == "run:" + name,
                on_click=C.run_now(name),
                disabled=row["run_now_requested"].to(bool),
                class_name="cron-run-now",
                white_space="nowrap",
            )
        ),
        class_name="cron-row",
        custom_attrs={"data-cron": name},
    )


def crons() -> rx.Component:
    return admin_page(
        "Crons",
        "Crons",
        "Planners stored in the database: changes apply on the worker's next tick, no restart.",
        section_card(
            "Schedules",
            _table(
                ["Cron", "Enabled", "Interval (s)", "Next run", "Last runs", ""],
                rx.table.body(rx.foreach(C.rows, _cron_row)),
                "crons-table",
            ),
        ),
        poller(C.poll),
        loaded=C.loaded,
    )


# -- providers -----------------------------------------------------------------------------------


def providers() -> rx.Component:
    circuits = _table(
        ["Provider", "Circuit", "Failures", "Opened", "Next probe", "Last error", ""],
        rx.table.body(
            rx.foreach(
                P.circuits,
                lambda c: rx.table.row(
                    rx.table.cell(rx.text(c["provider"], weight="medium")),
                    rx.table.cell(chip(c["state"])),
                    rx.table.cell(c["failures"]),
                    rx.table.cell(rx.text(c["opened"], size="1")),
                    rx.table.cell(rx.text(c["retry"], size="1")),
                    rx.table.cell(rx.text(c["last_error"], size="1", trim="both"), max_width="260px"),
                    rx.table.cell(
                        rx.cond(
                            c["state"] != "closed",
                            confirm_button(
                                "Reset",
                                title="Close the " + c["provider"] + " circuit?",
                                description="Calls resume at once. If the provider is still failing, the circuit "
                                "opens again.",
                                on_confirm=P.reset_provider(c["provider"]),
                                loading=P.busy == "provider:" + c["provider"],
                                color="amber",
                                class_name="reset-provider",
                            ),
                        )
                    ),
                    class_name="circuit-row",
                    custom_attrs={"data-provider": c["provider"], "data-state": c["state"]},
                ),
            )
        ),
        "circuits-table",
    )
    rates = _table(
        ["Provider", "This second", "Today", "", "Notes"],
        rx.table.body(
            rx.foreach(
                P.rates,
                lambda r: rx.table.row(
                    rx.table.cell(rx.text(r.provider, weight="medium")),
                    rx.table.cell(rx.text(r.second, size="1")),
                    rx.table.cell(rx.text(r.day, size="1")),
                    rx.table.cell(rx.progress(value=r.percent, max=100, size="1"), min_width="120px"),
                    rx.table.cell(rx.text(r.notes, size="1")),
                    class_name="rate-row",
                    custom_attrs={"data-provider": r.provider},
                ),
            )
        ),
        "rates-table",
    )
    artists = _table(
        ["Artist", "Failures", "Backoff until", ""],
        rx.table.body(
            rx.cond(P.artist_breakers.length() == 0, empty_row(4, "No artist is in backoff.")),
            rx.foreach(
                P.artist_breakers,
                lambda a: rx.table.row(
                    rx.table.cell(rx.link(a["name"], href="/artists/" + a["slug"])),
                    rx.table.cell(a["failures"]),
                    rx.table.cell(rx.text(a["until"] + " (" + a["until_ago"] + ")", size="1")),
                    rx.table.cell(
                        confirm_button(
                            "Reset",
                            title="End the backoff of " + a["name"] + "?",
                            description="The catalog planner may sync this artist again on its next run.",
                            on_confirm=P.reset_artist(a["id"]),
                            loading=P.busy == "artist:" + a["id"],
                            color="amber",
                            class_name="reset-artist",
                        )
                    ),
                ),
            ),
        ),
        "artist-breakers-table",
    )
    return admin_page(
        "Providers",
        "Providers",
        "Circuit breakers and shared rate limits for Spotify, Ticketmaster, setlist.fm and MusicBrainz.",
        section_card("Circuits", circuits, subtitle="An error storm or an exhausted quota opens a circuit."),
        section_card("Rate limits", rates, subtitle="Shared by every worker process (Redis)."),
        section_card(
            "Artist catalog breakers",
            artists,
            subtitle="Three consecutive failures put an artist in a 72 h backoff.",
        ),
        poller(P.poll),
        loaded=P.loaded,
    )


# -- artists -------------------------------------------------------------------------------------


def _artist_row(a: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(a["name"], href="/artists/" + a["slug"], weight="medium"),
                muted(rx.cond(a["spotify_id"] != "", "spotify " + a["spotify_id"], "no Spotify id")),
                spacing="0",
            ),
        ),
        rx.table.cell(chip(a["catalog_status"])),
        rx.table.cell(a["songs"]),
        rx.table.cell(rx.text(a["attempted"], size="1"), white_space="nowrap"),
        rx.table.cell(rx.text(a["synced"], size="1"), white_space="nowrap"),
        rx.table.cell(
            rx.text(
                a["failures"] + " · " + a["breaker"],
                size="1",
                color=rx.cond(a["breaker_open"] != "", rx.color("red", 11), rx.color("gray", 11)),
            )
        ),
        rx.table.cell(
            rx.hstack(
                chip(a["job_status"]),
                rx.cond(a["job_active"] != "", rx.spinner(size="1")),
                spacing="2",
                align="center",
            ),
            class_name="artist-job",
            custom_attrs={"data-status": a["job_status"]},
        ),
        rx.table.cell(
            rx.button(
                rx.icon("refresh-cw", size=12),
                "Sync now",
                size="1",
                variant="soft",
                loading=Ar.busy == "sync:" + a["id"],
                on_click=Ar.sync_now(a["id"]),
                class_name="sync-now",
            )
        ),
        class_name="artist-row",
        custom_attrs={"data-artist": a["slug"]},
    )


def artists() -> rx.Component:
    return admin_page(
        "Artists",
        "Artists",
        'Catalog sync state per artist. "Sync now" is deduplicated and still honours the 24 h guard.',
        section_card(
            "Catalog sync",
            _search("Search artists", Ar.query, Ar.search, "artist-search"),
            _table(
                ["Artist", "Catalog", "Songs", "Last attempt", "Last sync", "Breaker", "Latest job", ""],
                rx.table.body(
                    rx.cond(Ar.rows.length() == 0, empty_row(8, "No artist matches.")),
                    rx.foreach(Ar.rows, _artist_row),
                ),
                "artists-table",
            ),
            pager(Ar.page, Ar.pages, Ar.total, Ar.go_page, "artists"),
        ),
        poller(Ar.poll),
        loaded=Ar.loaded,
    )


# -- users ---------------------------------------------------------------------------------------


def _user_actions(u: rx.Var) -> rx.Component:
    busy = U.busy == "user:" + u["id"]
    return rx.match(
        u["role"],
        (
            "user",
            rx.hstack(
                confirm_button(
                    "Make admin",
                    title="Make " + u["name"] + " an admin?",
                    description="Admins can run every part of this dashboard.",
                    on_confirm=U.set_role(u["id"], "admin"),
                    loading=busy,
                    color="iris",
                    class_name="make-admin",
                ),
                confirm_button(
                    "Ban",
                    title="Ban " + u["name"] + "?",
                    description="They can still browse but can no longer vote, add or report songs.",
                    on_confirm=U.set_role(u["id"], "banned"),
                    loading=busy,
                    class_name="ban-user",
                ),
                spacing="2",
            ),
        ),
        (
            "admin",
            confirm_button(
                "Remove admin",
                title="Remove " + u["name"] + "'s admin rights?",
                description="They become a regular user. The last admin cannot be demoted.",
                on_confirm=U.set_role(u["id"], "user"),
                loading=busy,
                color="amber",
                class_name="remove-admin",
            ),
        ),
        (
            "banned",
            rx.button(
                "Unban",
                size="1",
                variant="soft",
                on_click=U.unban(u["id"]),
                loading=busy,
                class_name="unban-user",
            ),
        ),
        rx.fragment(),
    )


def users() -> rx.Component:
    return admin_page(
        "Users",
        "Users",
        "Find people, change roles, ban or unban. Emails are partly hidden.",
        section_card(
            "Accounts",
            rx.hstack(
                _search("Name, email or #id", U.query, U.search, "user-search"),
                _select([ANY, "user", "admin", "banned"], U.role, U.filter_role, "Role", "filter-role"),
                spacing="4",
                wrap="wrap",
                align="center",
            ),
            _table(
                ["#", "Name", "Email", "Role", "Votes", "Joined", "Last seen", ""],
                rx.table.body(
                    rx.cond(U.rows.length() == 0, empty_row(8, "No user matches.")),
                    rx.foreach(
                        U.rows,
                        lambda u: rx.table.row(
                            rx.table.cell(muted(u["id"])),
                            rx.table.cell(rx.text(u["name"], weight="medium")),
                            rx.table.cell(rx.text(u["email"], size="1")),
                            rx.table.cell(chip(u["role"])),
                            rx.table.cell(u["votes"]),
                            rx.table.cell(rx.text(u["joined"], size="1")),
                            rx.table.cell(rx.text(u["seen"], size="1")),
                            rx.table.cell(_user_actions(u)),
                            class_name="user-row",
                            custom_attrs={"data-user": u["id"], "data-role": u["role"]},
                        ),
                    ),
                ),
                "users-table",
            ),
            pager(U.page, U.pages, U.total, U.go_page, "users"),
        ),
        poller(U.poll),
        loaded=U.loaded,
    )


# -- moderation ----------------------------------------------------------------------------------


def _flag_row(f: rx.Var) -> rx.Component:
    busy = M.busy == "flag:" + f["id"]
    return rx.table.row(
        rx.table.cell(
            rx.vstack(rx.text(f["song"], weight="medium"), muted("added by " + f["added_by"]), spacing="0")
        ),
        rx.table.cell(
            rx.vstack(
                rx.link(f["show"], href="/shows/" + f["show_slug"], size="1"), muted(f["artist"]), spacing="0"
            ),
            max_width="220px",
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(f["reason"], size="1"),
                muted("by " + f["reporter"] + " · " + f["created"]),
                spacing="0",
            ),
            max_width="240px",
        ),
        rx.table.cell(f["reports"]),
        rx.table.cell(f["vote_count"]),
        rx.table.cell(chip(f["status"])),
        rx.table.cell(
            rx.cond(
                f["status"] == "open",
                rx.hstack(
                    rx.button(
                        "Dismiss",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        loading=busy,
                        on_click=M.dismiss(f["id"]),
                        class_name="flag-dismiss",
                    ),
                    confirm_button(
                        "Remove song",
                        title="Remove \u201c" + f["song"] + "\u201d from this prediction?",
                        description="The song is hidden from the show's prediction and its "
                        + f["vote_count"]
                        + " vote(s) are taken back. Every open report on it is closed.",
                        on_confirm=M.remove(f["id"]),
                        loading=busy,
                        class_name="flag-remove",
                    ),
                    spacing="2",
                ),
                muted(f["resolved"]),
            )
        ),
        class_name="flag-row",
        custom_attrs={"data-flag": f["id"]},
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
                value=M.status,
                on_change=M.filter_status,
                class_name="flag-status",
            ),
            _table(
                ["Song", "Show", "Report", "Reports", "Votes", "Status", ""],
                rx.table.body(
                    rx.cond(
                        M.rows.length() == 0,
                        empty_row(7, "Nothing here. Reported songs appear in this list."),
                    ),
                    rx.foreach(M.rows, _flag_row),
                ),
                "flags-table",
            ),
            pager(M.page, M.pages, M.total, M.go_page, "reports"),
        ),
        poller(M.poll),
        loaded=M.loaded,
    )


# -- audit ---------------------------------------------------------------------------------------


def audit() -> rx.Component:
    return admin_page(
        "Audit log",
        "Audit log",
        "Every admin action: who, what, with which arguments, how it ended, and when.",
        section_card(
            "Actions",
            _select(Au.actions, Au.action, Au.filter_action, "Action", "filter-action"),
            _table(
                ["When", "Admin", "Action", "Target", "Arguments", "Result"],
                rx.table.body(
                    rx.cond(Au.rows.length() == 0, empty_row(6, "No admin actions yet.")),
                    rx.foreach(
                        Au.rows,
                        lambda e: rx.table.row(
                            rx.table.cell(
                                rx.tooltip(rx.text(e["ago"], size="1"), content=e["at"]), white_space="nowrap"
                            ),
                            rx.table.cell(rx.text(e["admin"], size="1")),
                            rx.table.cell(rx.code(e["action"], size="1")),
                            rx.table.cell(rx.text(e["target"], size="1")),
                            rx.table.cell(
                                rx.code(e["arguments"], size="1", word_break="break-all"), max_width="240px"
                            ),
                            rx.table.cell(
                                rx.text(
                                    e["result"],
                                    size="1",
                                    color=rx.cond(e["ok"] != "", rx.color("grass", 11), rx.color("red", 11)),
                                ),
                                max_width="260px",
                            ),
                            class_name="audit-row",
                            custom_attrs={"data-action": e["action"]},
                        ),
                    ),
                ),
                "audit-table",
            ),
            pager(Au.page, Au.pages, Au.total, Au.go_page, "actions"),
        ),
        poller(Au.poll),
        loaded=Au.loaded,
    )
