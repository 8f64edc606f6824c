"""The banner above every page when background sync is degraded or down (hidden when healthy)."""

from __future__ import annotations

import reflex as rx

from setlist_app.state.health import HealthLive


def health_banner() -> rx.Component:
    return rx.cond(
        HealthLive.level != "ok",
        rx.callout(
            rx.text(HealthLive.message, " Voting still works."),
            icon="triangle-alert",
            color_scheme=rx.cond(HealthLive.level == "down", "red", "amber"),
            role="status",
            id="health-banner",
            custom_attrs={"data-level": HealthLive.level},
            width="100%",
            margin_bottom="16px",
        ),
    )
