"""/admin/audit: every admin action, filterable by action."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.admin.layout import admin_page
from setlist_app.components.admin.widgets import (
    data_table,
    empty_row,
    labelled_select,
    pager,
    poller,
    section_card,
)
from setlist_app.state.admin.audit import AdminAuditState


def audit() -> rx.Component:
    return admin_page(
        "Audit log",
        "Audit log",
        "Every admin action: who, from which address, what, with which arguments, how it ended, and when.",
        section_card(
            "Actions",
            labelled_select(
                AdminAuditState.actions,
                AdminAuditState.action,
                AdminAuditState.filter_action,
                "Action",
                "filter-action",
            ),
            data_table(
                ["When", "Admin", "Address", "Action", "Target", "Arguments", "Result"],
                rx.table.body(
                    rx.cond(AdminAuditState.rows.length() == 0, empty_row(7, "No admin actions yet.")),
                    rx.foreach(
                        AdminAuditState.rows,
                        lambda e: rx.table.row(
                            rx.table.cell(
                                rx.tooltip(rx.text(e.ago, size="1"), content=e.at), white_space="nowrap"
                            ),
                            rx.table.cell(rx.text(e.admin, size="1")),
                            rx.table.cell(rx.code(e.client_ip, size="1", class_name="audit-address")),
                            rx.table.cell(rx.code(e.action, size="1")),
                            rx.table.cell(rx.text(e.target, size="1")),
                            rx.table.cell(
                                rx.code(e.arguments, size="1", word_break="break-all"), max_width="240px"
                            ),
                            rx.table.cell(
                                rx.text(
                                    e.result,
                                    size="1",
                                    color=rx.cond(e.ok != "", rx.color("grass", 11), rx.color("red", 11)),
                                ),
                                max_width="260px",
                            ),
                            class_name="audit-row",
                            custom_attrs={"data-action": e.action},
                        ),
                    ),
                ),
                "audit-table",
            ),
            pager(
                AdminAuditState.page,
                AdminAuditState.pages,
                AdminAuditState.total,
                AdminAuditState.go_page,
                "actions",
            ),
        ),
        poller(AdminAuditState.poll),
        loaded=AdminAuditState.loaded,
    )
