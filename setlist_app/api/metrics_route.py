"""`/metrics` in the Prometheus text format: process metrics (merged over every worker process of the
host in multiprocess mode) plus deployment state read from the database and Redis at scrape time.

Not public by accident: with `METRICS_TOKEN` set, a request needs `Authorization: Bearer <token>`;
without it only direct requests from the loopback address are served — a request that came through
a reverse proxy (it carries X-Forwarded-For, X-Real-IP or Forwarded) is refused even though the
proxy connects from localhost. Production: set METRICS_TOKEN and/or deny /metrics at the proxy.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from setlist_app.api.metrics_gauges import state_registry
from setlist_app.db import app_redis, get_engine
from setlist_app.observability.metrics import render
from setlist_app.settings import get_settings

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded")
_clients: dict[str, Any] = {}


def allowed(request: Request) -> bool:
    """The access rule above."""
    token = get_settings().metrics_token
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    host = request.client.host if request.client else ""
    return host in LOOPBACK and not any(h in request.headers for h in PROXY_HEADERS)


def _redis_clients() -> tuple[Any, Any]:
    if not _clients:
        settings = get_settings()
        _clients["app"] = app_redis(settings)
        _clients["queue"] = app_redis(settings.model_copy(update={"redis_db_app": settings.redis_db_queue}))
    return _clients["app"], _clients["queue"]


async def metrics(request: Request) -> Response:
    if not allowed(request):
        return PlainTextResponse("metrics are not public: see README (METRICS_TOKEN)", 403)
    app, queue = _redis_clients()
    state = await state_registry(get_engine(), app, queue, get_settings())
    body, content_type = render(state)
    return Response(body, media_type=content_type)


def metrics_routes() -> list[Route]:
    return [Route("/metrics", metrics, methods=["GET"])]
