"""Small admin widgets: status chips (one colour per meaning everywhere), stat cards, confirmations,
pagination and the poller that keeps a page live."""

from __future__ import annotations

from typing import Any

import reflex as rx

from setlist_app.state.admin.common import POLL_MS

# One colour per meaning, on every admin page (and the same health colours as the banner).
CHIP_COLORS: dict[str, str] = {
    # sync health
    "ok": "grass",
    "degraded": "amber",
    "down": "red",
    # jobs and cron runs
    "pending": "blue",
    "running": "cyan",
    "succeeded": "grass",
    "failed": "red",
    "cancelled": "gray",
    "skipped": "amber",
    "never": "gray",
    "none": "gray",
    # circuits
    "closed": "grass",
    "half_open": "amber",
    "open": "red",
    # catalogs
    "syncing": "cyan",
    "empty": "amber",
    # roles and flags
    "admin": "iris",
    "user": "gray",
    "banned": "red",
    "paused": "amber",
    "dismissed": "gray",
    "removed": "red",
    # alerts
    "raised": "red",
    "acknowledged": "amber",
    "cleared": "grass",
    # success metrics: on target or not
    "green": "grass",
    "red": "red",
}


def chip(value: rx.Var | str, **props: Any) -> rx.Component:
    """A status chip whose colour follows CHIP_COLORS."""
    color = rx.match(value, *[(k, v) for k, v in CHIP_COLORS.items()], "gray")
    return rx.badge(
        rx.cond(value == "half_open", "half-open", value),
        color_scheme=color,
        variant="soft",
        radius="full",
        class_name="status-chip",
        **props,
    )


def stat(label: str, value: rx.Var | str, *, icon: str, hint: rx.Var | str | None = None) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(label, size="1", color=rx.color("gray", 11), weight="medium"),
                rx.heading(value, size="6", class_name="stat-value"),
                *([rx.text(hint, size="1", color=rx.color("gray", 10))] if hint is not None else []),
                spacing="1",
            ),
            rx.spacer(),
            rx.icon(icon, size=20, color=rx.color("accent", 9)),
            align="start",
            width="100%",
        ),
        size="2",
        min_width="170px",
        flex="1",
        class_name=f"stat-{label.lower().replace(' ', '-')}",
    )


def confirm_button(
    label: str,
    *,
    title: str | rx.Var,
    description: str | rx.Var,
    on_confirm: Any,
    color: str = "red",
    loading: rx.Var | bool = False,
    icon: str | None = None,
    confirm_label: str | None = None,
    size: str = "1",
    variant: str = "soft",
    class_name: str = "",
    body: rx.Component | None = None,
    confirm_disabled: rx.Var | bool = False,
) -> rx.Component:
    """A button that asks first (destructive actions); `body` goes under the description (a field
    the confirmation needs, such as a reason; `confirm_disabled` until it is filled in)."""
    content = [rx.icon(icon, size=14)] if icon else []
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                *content,
                label,
                color_scheme=color,
                size=size,
                variant=variant,
                loading=loading,
                class_name=class_name,
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            body or rx.fragment(),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        confirm_label or label,
                        color_scheme=color,
                        on_click=on_confirm,
                        disabled=confirm_disabled,
                        class_name="confirm-action",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="440px",
        ),
    )


def pager(page: rx.Var, pages: rx.Var, total: rx.Var, go: Any, noun: str = "rows") -> rx.Component:
    """ "Page 2 of 5 · 112 rows" with previous/next."""
    return rx.hstack(
        rx.text(
            "Page ",
            page.to_string(),
            " of ",
            pages.to_string(),
            " · ",
            total.to_string(),
            f" {noun}",
            size="1",
            color=rx.color("gray", 11),
        ),
        rx.spacer(),
        rx.button(
            rx.icon("chevron-left", size=14),
            "Previous",
            size="1",
            variant="soft",
            disabled=page <= 1,
            on_click=go(page - 1),
        ),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=14),
            size="1",
            variant="soft",
            disabled=page >= pages,
            on_click=go(page + 1),
        ),
        align="center",
        width="100%",
        padding_top="8px",
    )


def poller(handler: Any) -> rx.Component:
    """Fire `handler` every POLL_MS while the page is open (stops when it unmounts)."""
    return rx.moment(interval=POLL_MS, on_change=handler, display="none")


def empty_row(columns: int, text: str) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(text, size="2", color=rx.color("gray", 10)),
            col_span=columns,
            text_align="center",
            padding_y="24px",
        )
    )


def muted(value: rx.Var | str, **props: Any) -> rx.Component:
    return rx.text(value, size="1", color=rx.color("gray", 10), **props)


def section_card(
    title: str, *children: rx.Component, actions: rx.Component | None = None, subtitle: str | None = None
) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading(title, size="3"),
                    *([muted(subtitle)] if subtitle is not None else []),
                    spacing="0",
                ),
                rx.spacer(),
                actions or rx.fragment(),
                align="center",
                width="100%",
            ),
            *children,
            spacing="3",
            width="100%",
        ),
        size="2",
        width="100%",
    )


def data_table(headers: list[str], body: rx.Component, class_name: str) -> rx.Component:
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


def search_box(placeholder: str, value: rx.Var, handler: Any, class_name: str) -> rx.Component:
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


def labelled_select(
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


def keyed(key: rx.Var, row: rx.Component) -> rx.Component:
    """Key a table row by its record, not its position: when a live table gains a row at the top,
    React would otherwise hand an open confirm dialog to whichever record now sits in that place
    (or unmount it)."""
    row.key = key
    return row
