"""The admin frame: access check, a left sidebar of sections, the page title and content."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.layout import page_shell
from setlist_app.state.admin_base import AdminState

SECTIONS: list[tuple[str, str, str]] = [
    ("Overview", "/admin", "layout-dashboard"),
    ("Jobs", "/admin/jobs", "list-checks"),
    ("Crons", "/admin/crons", "timer"),
    ("Providers", "/admin/providers", "plug-zap"),
    ("Artists", "/admin/artists", "mic-vocal"),
    ("Users", "/admin/users", "users"),
    ("Moderation", "/admin/moderation", "flag"),
    ("Audit log", "/admin/audit", "scroll-text"),
]


def _nav_item(label: str, href: str, icon: str, active: bool) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=16),
            rx.text(label, size="2", weight="medium"),
            align="center",
            spacing="2",
            padding_x="10px",
            padding_y="7px",
            border_radius="var(--radius-3)",
            background=rx.color("accent", 4) if active else "transparent",
            color=rx.color("accent", 11) if active else rx.color("gray", 11),
            _hover={"background": rx.color("gray", 4)},
            white_space="nowrap",
        ),
        href=href,
        underline="none",
        aria_current="page" if active else None,
        class_name="admin-nav-item",
    )


def sidebar(active: str) -> rx.Component:
    return rx.box(
        rx.text(
            "Admin",
            size="1",
            weight="bold",
            color=rx.color("gray", 10),
            padding_x="10px",
            padding_bottom="6px",
            display=["none", "none", "block"],
        ),
        rx.flex(
            *[_nav_item(label, href, icon, label == active) for label, href, icon in SECTIONS],
            direction=rx.breakpoints(initial="row", md="column"),
            gap="2px",
            overflow_x="auto",
        ),
        as_="nav",
        aria_label="Admin sections",
        width=rx.breakpoints(initial="100%", md="190px"),
        flex_shrink="0",
        position=rx.breakpoints(initial="static", md="sticky"),
        top="80px",
        align_self="start",
        class_name="admin-sidebar",
    )


def refused() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("shield-x", size=40, color=rx.color("red", 9)),
            rx.heading("Admins only", size="6", class_name="admins-only"),
            rx.text("This area is for the people who run Setlist.", color=rx.color("gray", 11)),
            rx.link("Back home", href="/"),
            align="center",
            spacing="3",
        ),
        padding_y="64px",
        width="100%",
    )


def _skeleton() -> rx.Component:
    return rx.vstack(
        *[rx.skeleton(rx.box(height="48px", width="100%"), loading=True) for _ in range(4)],
        width="100%",
        spacing="3",
    )


def admin_page(
    active: str,
    title: str,
    subtitle: str,
    *content: rx.Component,
    loaded: rx.Var,
    actions: rx.Component | None = None,
) -> rx.Component:
    """One admin section: gate on the server-side check, sidebar, heading, content (skeleton until loaded)."""
    body = rx.flex(
        sidebar(active),
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading(title, size="6", class_name="admin-title"),
                    rx.text(subtitle, size="2", color=rx.color("gray", 11)),
                    spacing="1",
                ),
                rx.spacer(),
                actions or rx.fragment(),
                align="center",
                width="100%",
                wrap="wrap",
                gap="12px",
            ),
            rx.cond(loaded, rx.vstack(*content, spacing="4", width="100%"), _skeleton()),
            spacing="4",
            width="100%",
            min_width="0",
        ),
        direction=rx.breakpoints(initial="column", md="row"),
        gap="24px",
        width="100%",
    )
    return page_shell(
        rx.cond(
            ~AdminState.admin_checked,
            _skeleton(),
            rx.cond(AdminState.admin_allowed, body, refused()),
        )
    )
