"""The banner above every page: sync progress, or a degraded/down warning (hidden when healthy)."""

from __future__ import annotations

import reflex as rx

from setlist_app.state.health import HealthLive


def _callout(icon: str, text: rx.Component, color: rx.Var | str) -> rx.Component:
    return rx.callout(
        text,
        icon=icon,
        color_scheme=color,
        role="status",
        id="health-banner",
        custom_attrs={"data-level": HealthLive.level},
        width="100%",
        margin_bottom="16px",
    )


def health_banner() -> rx.Component:
    return rx.match(
        HealthLive.level,
        ("ok", rx.fragment()),
        ("syncing", _callout("refresh-cw", rx.text(HealthLive.message), "violet")),
        _callout(
            "triangle-alert",
            rx.text(HealthLive.message, " Voting still works."),
            rx.cond(HealthLive.level == "down", "red", "amber"),
        ),
    )
