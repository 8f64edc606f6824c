"""The page shell: top navigation on desktop, bottom navigation on phones, content column."""

from __future__ import annotations

import reflex as rx
from reflex_base.vars.base import Var
from reflex_components_core.el.elements.base import BaseHTML

from setlist_app.components.health_banner import health_banner
from setlist_app.domain.notifications import NotificationItem
from setlist_app.state.account import SessionState
from setlist_app.state.notifications import BellState

NAV_ITEMS: list[tuple[str, str, str]] = [
    ("Home", "/", "house"),
    ("Artists", "/artists", "mic-vocal"),
    ("Shows", "/shows", "ticket"),
    ("Trending", "/trending", "flame"),
    ("Activity", "/activity", "activity"),
]


def _brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("audio-lines", size=24, color=rx.color("accent", 9)),
            rx.heading("Setlist", size="5", weight="bold"),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
        color=rx.color("gray", 12),
    )


class NativeForm(BaseHTML):
    """A <form> the browser submits itself (rx.el.form intercepts submit for Reflex events): used for
    POSTs to /auth/*, whose responses redirect and reload the page."""

    tag = "form"
    action: Var[str]
    method: Var[str]


def post_form(*children: rx.Component, action: str, **props: object) -> rx.Component:
    return NativeForm.create(*children, action=action, method="post", **props)


def server_link(child: rx.Component, href: str | rx.Var) -> rx.Component:
    """A link the browser loads from the server (`reloadDocument`): /auth/* routes are served by our
    API, not by the client-side router (which would render the app's 404), and the reload
    reconnects the websocket with the new cookies."""
    return rx.link(child, href=href, reload_document=True, underline="none")


def sign_in_url() -> rx.Var:
    """/auth/login returning to the current page."""
    return "/auth/login?next=" + rx.State.router.page.raw_path.to(str)


def _account_menu() -> rx.Component:
    """Sign-in button, or the signed-in viewer's avatar with Account / Admin / Sign out."""
    return rx.cond(
        SessionState.signed_in,
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.avatar(
                        src=SessionState.avatar_url, fallback=SessionState.initials, size="1", radius="full"
                    ),
                    rx.text(
                        SessionState.display_name, class_name="nav-user-name", max_width="160px", trim="both"
                    ),
                    variant="ghost",
                    aria_label="Account menu",
                    class_name="account-menu",
                )
            ),
            rx.menu.content(
                rx.menu.item(rx.link("Account", href="/account", underline="none", width="100%")),
                rx.cond(
                    SessionState.is_admin,
                    rx.menu.item(rx.link("Admin", href="/admin", underline="none", width="100%")),
                ),
                rx.menu.separator(),
                post_form(
                    rx.el.button("Sign out", type="submit", class_name="sign-out", style={"all": "unset"}),
                    action="/auth/logout",
                    padding_x="12px",
                    padding_y="4px",
                ),
            ),
        ),
        server_link(rx.button("Sign in", size="2", class_name="nav-sign-in"), sign_in_url()),
    )


def _notification(item: NotificationItem) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.cond(
                item.unread,
                rx.box(
                    width="8px",
                    height="8px",
                    flex_shrink="0",
                    border_radius="50%",
                    background=rx.color("accent", 9),
                ),
            ),
            rx.text(item.text, size="2"),
            align="center",
            spacing="2",
        ),
        href=item.href,
        underline="none",
        color=rx.color("gray", 12),
        class_name="notification-row",
        padding_y="6px",
    )


def _bell() -> rx.Component:
    """Signed-in viewers' notifications: a bell with the unread count (pushed live) and a list."""
    return rx.box(
        rx.cond(
            BellState.signed_in,
            rx.popover.root(
                rx.popover.trigger(
                    rx.button(
                        rx.icon("bell", size=18),
                        rx.cond(
                            BellState.unread > 0,
                            rx.badge(
                                BellState.unread, color_scheme="red", radius="full", class_name="bell-count"
                            ),
                        ),
                        variant="ghost",
                        aria_label="Notifications",
                        class_name="notification-bell",
                        on_click=BellState.open,
                    )
                ),
                rx.popover.content(
                    rx.vstack(
                        rx.text("Notifications", weight="bold"),
                        rx.cond(
                            BellState.items.length() > 0,
                            rx.vstack(rx.foreach(BellState.items, _notification), spacing="1", width="100%"),
                            rx.text(
                                "Nothing yet: follow artists and vote on shows to hear about new dates and "
                                "how your predictions did.",
                                size="2",
                                color=rx.color("gray", 11),
                            ),
                        ),
                        spacing="2",
                        class_name="notification-list",
                    ),
                    max_width="360px",
                ),
            ),
        ),
        on_mount=BellState.load,
    )


def _top_nav() -> rx.Component:
    return rx.box(
        rx.hstack(
            _brand(),
            rx.desktop_only(
                rx.hstack(
                    *[
                        rx.link(
                            label, href=href, color=rx.color("gray", 11), weight="medium", underline="none"
                        )
                        for label, href, _ in NAV_ITEMS
                    ],
                    spacing="5",
                )
            ),
            rx.spacer(),
            rx.color_mode.button(variant="ghost", aria_label="Toggle light and dark theme"),
            _bell(),
            _account_menu(),
            align="center",
            width="100%",
            max_width="1100px",
            margin_x="auto",
            padding_x="16px",
            padding_y="12px",
            spacing="5",
        ),
        as_="nav",
        on_mount=SessionState.refresh,
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1, alpha=True),
        backdrop_filter="blur(12px)",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _bottom_nav() -> rx.Component:
    return rx.mobile_and_tablet(
        rx.hstack(
            *[
                rx.link(
                    rx.vstack(rx.icon(icon, size=20), rx.text(label, size="1"), align="center", spacing="1"),
                    href=href,
                    color=rx.color("gray", 11),
                    underline="none",
                )
                for label, href, icon in NAV_ITEMS
            ],
            justify="between",
            padding_x="24px",
            padding_y="8px",
            position="fixed",
            bottom="0",
            left="0",
            right="0",
            z_index="10",
            background=rx.color("gray", 2),
            border_top=f"1px solid {rx.color('gray', 4)}",
        )
    )


def page_shell(*children: rx.Component) -> rx.Component:
    """Wrap a page's content in the shared navigation and responsive column."""
    return rx.box(
        _top_nav(),
        rx.box(
            health_banner(),
            *children,
            width="100%",
            max_width="1100px",
            margin_x="auto",
            padding_x=["12px", "16px", "16px"],
            padding_top="24px",
            padding_bottom=["96px", "96px", "40px"],
        ),
        _bottom_nav(),
        min_height="100vh",
    )
