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
from setlist_app.api.security import SecurityHeadersMiddleware
from setlist_app.observability.middleware import RequestMetricsMiddleware


def api_routes() -> list[BaseRoute]:
    """Every route of ours; areas add theirs here (auth, health, metrics, notifications)."""
    return [*auth_routes(), *health_routes(), *metrics_routes(), *notification_routes()]


def build_api() -> Starlette:
    return Starlette(
        routes=api_routes(),
        middleware=[
            Middleware(RequestMetricsMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(AnonymousIdMiddleware),
            Middleware(NotFoundStatusMiddleware),
        ],
    )
