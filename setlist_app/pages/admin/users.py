"""/admin/users: search, filter by role, change roles, ban and unban."""

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
from setlist_app.state.admin.users import ANY, AdminUsersState


def _user_actions(u: rx.Var) -> rx.Component:
    busy = AdminUsersState.busy == "user:" + u.id
    return rx.match(
        u.role,
        (
            "user",
            rx.hstack(
                confirm_button(
                    "Make admin",
                    title="Make " + u.name + " an admin?",
                    description="Admins can run every part of this dashboard.",
                    on_confirm=AdminUsersState.set_role(u.id, "admin"),
                    loading=busy,
                    color="iris",
                    class_name="make-admin",
                ),
                confirm_button(
                    "Ban",
                    title="Ban " + u.name + "?",
                    description="They can still browse but can no longer vote, add or report songs.",
                    on_confirm=AdminUsersState.set_role(u.id, "banned"),
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
                title="Remove " + u.name + "'s admin rights?",
                description="They become a regular user. The last admin cannot be demoted.",
                on_confirm=AdminUsersState.set_role(u.id, "user"),
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
                on_click=AdminUsersState.unban(u.id),
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
                search_box(
                    "Name, email or #id", AdminUsersState.query, AdminUsersState.search, "user-search"
                ),
                labelled_select(
                    [ANY, "user", "admin", "banned"],
                    AdminUsersState.role,
                    AdminUsersState.filter_role,
                    "Role",
                    "filter-role",
                ),
                spacing="4",
                wrap="wrap",
                align="center",
            ),
            data_table(
                ["#", "Name", "Email", "Role", "Votes", "Joined", "Last seen", ""],
                rx.table.body(
                    rx.cond(AdminUsersState.rows.length() == 0, empty_row(8, "No user matches.")),
                    rx.foreach(
                        AdminUsersState.rows,
                        lambda u: keyed(
                            u.id,
                            rx.table.row(
                                rx.table.cell(muted(u.id)),
                                rx.table.cell(rx.text(u.name, weight="medium")),
                                rx.table.cell(rx.text(u.email, size="1")),
                                rx.table.cell(chip(u.role)),
                                rx.table.cell(u.votes),
                                rx.table.cell(rx.text(u.joined, size="1")),
                                rx.table.cell(rx.text(u.seen, size="1")),
                                rx.table.cell(_user_actions(u)),
                                class_name="user-row",
                                custom_attrs={"data-user": u.id, "data-role": u.role},
                            ),
                        ),
                    ),
                ),
                "users-table",
            ),
            pager(
                AdminUsersState.page,
                AdminUsersState.pages,
                AdminUsersState.total,
                AdminUsersState.go_page,
                "users",
            ),
        ),
        poller(AdminUsersState.poll),
        loaded=AdminUsersState.loaded,
    )
