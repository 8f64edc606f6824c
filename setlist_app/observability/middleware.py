"""Request ids and latency: an ASGI middleware for HTTP, and a Reflex event middleware (duck-typed).

Neither imports reflex: `EventMetricsMiddleware` has the `preprocess`/`postprocess` methods that
`rx.App.add_middleware` calls, and the app wiring registers it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from setlist_app.observability import logging as obs_logging
from setlist_app.observability.metrics import EVENT_SECONDS, HTTP_SECONDS

REQUEST_ID_HEADER = "x-request-id"
#: Route groups for the latency label (bounded cardinality); anything else is "page".
ROUTE_GROUPS = (
    "/auth",
    "/healthz",
    "/readyz",
    "/metrics",
    "/ping",
    "/_health",
    "/_upload",
    "/_next",
    "/assets",
)


def route_group(path: str) -> str:
    for prefix in ROUTE_GROUPS:
        if path == prefix or path.startswith(prefix + "/"):
            return prefix
    return "page"


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers") or []:
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")[:64]
            if candidate.replace("-", "").isalnum():
                return candidate
    return uuid.uuid4().hex


class RequestMetricsMiddleware:
    """Binds a request id (echoed as X-Request-ID) and the client's address (the real one behind a
    trusted proxy: `api/proxy.py` runs first) to log lines, and observes HTTP latency per route group."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        status = {"code": 500}

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        started = time.perf_counter()
        client = scope.get("client")
        token = obs_logging.bind(request_id=request_id, client=client[0] if client else "")
        try:
            await self.app(scope, receive, send_wrapped)
        finally:
            obs_logging.unbind(token)
            HTTP_SECONDS.labels(
                scope.get("method", "GET"), route_group(scope.get("path", "")), str(status["code"])
            ).observe(time.perf_counter() - started)


class EventMetricsMiddleware:
    """Reflex middleware: an event id in the log context and the handler's latency.

    Reflex 0.10 runs each event in its own task and calls `preprocess` in it once the state is
    locked (it no longer calls `postprocess`), so the task's end is the handler's end.
    """

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        handler = ".".join(str(event.name).split(".")[-2:])  # substate.handler: bounded
        client = state.router.session.client_ip  # the websocket's, after `api/proxy.py`
        obs_logging.bind(event=handler, event_id=uuid.uuid4().hex[:16], client=client)  # this task only
        task = asyncio.current_task()
        if task is not None:
            started = time.perf_counter()
            task.add_done_callback(
                lambda _t: EVENT_SECONDS.labels(handler).observe(time.perf_counter() - started)
            )
        return None
