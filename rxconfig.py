"""Reflex configuration, derived from the app's own settings (setlist_app/settings.py)."""

import os

import reflex as rx

from setlist_app.settings import get_settings

settings = get_settings()

# Reflex only reads REFLEX_* variables itself; map ours so one setting drives both.
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "0")
os.environ.setdefault("REFLEX_STATE_MANAGER_MODE", "redis")

config = rx.Config(
    app_name="setlist_app",
    db_url=settings.database_url,
    redis_url=settings.redis_db_url(settings.redis_db_reflex),
    state_manager_mode=os.environ["REFLEX_STATE_MANAGER_MODE"],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="dark",
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="dark", accent_color="violet", gray_color="slate", radius="large")
        )
    ],
)
