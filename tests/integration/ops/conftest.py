"""A Starlette client over the health and metrics routes (the app's own, without Reflex)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from setlist_app.api import health, metrics_route
from setlist_app.api.health import health_routes
from setlist_app.api.metrics_route import metrics_routes
from setlist_app.observability.middleware import RequestMetricsMiddleware


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """Each TestClient runs its own event loop: the routes' cached Redis clients start afresh."""
    caches = (health._cache, metrics_route._clients)
    for cache in caches:
        cache.clear()
    app = Starlette(
        routes=[*health_routes(), *metrics_routes()], middleware=[Middleware(RequestMetricsMiddleware)]
    )
    with TestClient(app, client=("127.0.0.1", 50000)) as c:
        yield c
    for cache in caches:
        cache.clear()
