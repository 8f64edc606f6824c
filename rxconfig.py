"""Reflex configuration, derived from the app's own settings (setlist_app/settings.py)."""

import os
import warnings

import reflex as rx
from authlib.deprecate import AuthlibDeprecationWarning

from setlist_app.db import oplock_supported
from setlist_app.settings import get_settings

settings = get_settings()

# Reflex only reads REFLEX_* variables itself; map ours so one setting drives both.
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "0")
os.environ.setdefault("REFLEX_STATE_MANAGER_MODE", "redis")
# Opportunistic locking (`setlist_app.db.oplock_supported`): a page load reads and writes the tab's
# state in Redis once, not four times. It needs Redis 7, so each process decides for its own Redis,
# whatever it inherited (a parent's decision was for the parent's Redis); REFLEX_OPLOCK=false: off.
os.environ["REFLEX_OPLOCK_ENABLED"] = str(
    settings.reflex_oplock and oplock_supported(settings.redis_db_url(settings.redis_db_reflex))
).lower()
# Without it Reflex picks "the fastest" npm registry at init by timing requests to registry.npmjs.org
# and a mirror, and logs each failed try: noise in app.log for anyone without the mirror.
os.environ.setdefault("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org")

# authlib warns when it is imported that it runs on httpx, not httpx2: nothing a reader of app.log can
# act on. (Importing `authlib.deprecate` installs its own "always" filter; this one is checked first.)
warnings.filterwarnings("ignore", "The httpx module is deprecated", AuthlibDeprecationWarning)

# No `db_url`: it is only for rx.Model / rx.session, which this app does not use (setlist_app.db
# owns the engine; Alembic alone migrates). Given one, every start ran Reflex's schema check: an
# Alembic autogenerate against Reflex's model registry, logging dozens of lines and, on SQLite,
# "Detected database schema changes. Run reflex db makemigrations", which is false advice here.
config = rx.Config(
    app_name="setlist_app",
    redis_url=settings.redis_db_url(settings.redis_db_reflex),
    state_manager_mode=os.environ["REFLEX_STATE_MANAGER_MODE"],
    telemetry_enabled=False,
    # CORS (every Starlette layer) and the event websocket's handshake (engine.io refuses a foreign
    # Origin) accept APP_URL's origin and CORS_ALLOWED_ORIGINS only: a page elsewhere cannot use a
    # visitor's cookies on our socket.
    cors_allowed_origins=tuple(settings.allowed_origins),
    show_built_with_reflex=False,
    default_color_mode="dark",
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="dark", accent_color="violet", gray_color="slate", radius="large")
        )
    ],
)
