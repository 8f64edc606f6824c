"""The Starlette app placed in front of Reflex: our routes first, Reflex mounted under them."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from setlist_app.api.auth_routes import auth_routes
from setlist_app.api.health import health_routes
from setlist_app.api.metrics_route import metrics_routes
from setlist_app.api.middleware import AnonymousIdMiddleware
from setlist_app.api.not_found import NotFoundStatusMiddleware
from setlist_app.api.notifications import notification_routes
from setlist_app.api.proxy import trusted_proxies
from setlist_app.api.security import SecurityHeadersMiddleware
from setlist_app.observability.middleware import RequestMetricsMiddleware


def api_routes() -> list[BaseRoute]:
    """Every route of ours; areas add theirs here (auth, health, metrics, notifications)."""
    return [*auth_routes(), *health_routes(), *metrics_routes(), *notification_routes()]


def build_api() -> Starlette:
    """Our routes and middleware; the proxy headers are resolved first, so everything after them
    (and Reflex's websocket, mounted inside) sees the client's real address and scheme."""
    return Starlette(
        routes=api_routes(),
        middleware=[
            Middleware(trusted_proxies),
            Middleware(RequestMetricsMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(AnonymousIdMiddleware),
            Middleware(NotFoundStatusMiddleware),
        ],
    )
