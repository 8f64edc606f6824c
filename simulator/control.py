"""Simulator control plane: per-path hit counters and queued faults (an ASGI middleware).

POST /__faults {"path": "/spotify/v1/artists/*", "kind": "429", "count": 1, "retry_after": 1}
kinds: 429 (Retry-After; MusicBrainz answers 503 as it really does), 5xx (any `status`), slow
(`delay` seconds before answering normally), malformed (truncated JSON), html (HTML error page),
quota (Spotify QUOTA_EXCEEDED / Ticketmaster QuotaViolation / setlist.fm 429 daily limit).
GET /__hits -> {"hits": {path: n}, "total": n}; POST /__reset clears hits and faults.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

FAULT_KINDS = ("429", "5xx", "slow", "malformed", "html", "quota")


@dataclass
class Fault:
    path: str
    kind: str
    remaining: int = 1
    status: int = 503
    retry_after: float = 1.0
    delay: float = 2.0


class Control:
    """Thread-safe state shared by the middleware and the control routes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.faults: list[Fault] = []

    def record(self, path: str) -> Fault | None:
        with self._lock:
            self.hits[path] += 1
            for fault in self.faults:
                if fnmatch.fnmatchcase(path, fault.path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def remove(self, fault: Fault) -> None:
        """End a fault early (a storm that is over), whatever count it has left."""
        with self._lock:
            if fault in self.faults:
                self.faults.remove(fault)

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()
            self.faults.clear()


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, headers=headers, media_type="application/json")


def fault_response(fault: Fault, path: str) -> Response:
    """The response a fault produces, shaped like the provider that `path` belongs to."""
    provider = path.strip("/").split("/", 1)[0]
    retry = {
        "Retry-After": str(int(fault.retry_after) if fault.retry_after.is_integer() else fault.retry_after)
    }
    if fault.kind == "malformed":
        return Response('{"items": [{"id": "x", "name": ', 200, media_type="application/json")
    if fault.kind == "html":
        page = f"<html><body><h1>{fault.status} Bad Gateway</h1><p>upstream error</p></body></html>"
        return Response(page, fault.status, media_type="text/html")
    if fault.kind == "5xx":
        return _json(fault.status, {"error": {"status": fault.status, "message": "Server error"}})
    if fault.kind == "quota":
        if provider == "ticketmaster":
            fault_body = {
                "faultstring": "Rate limit quota violation. Quota limit exceeded.",
                "detail": {"errorcode": "policies.ratelimit.QuotaViolation"},
            }
            return _json(429, {"fault": fault_body}, retry)
        if provider == "setlistfm":
            return _json(
                429, {"code": 429, "status": "Too Many Requests", "message": "daily limit reached"}, retry
            )
        return _json(
            429, {"error": {"status": 429, "message": "Quota exceeded", "reason": "QUOTA_EXCEEDED"}}, retry
        )
    # 429
    if provider == "musicbrainz":
        msg = "Your requests are exceeding the allowable rate limit. Please see the rate limit docs."
        return _json(503, {"error": msg}, retry)
    if provider == "ticketmaster":
        fault_body = {
            "faultstring": "Spike arrest violation.",
            "detail": {"errorcode": "policies.ratelimit.SpikeArrestViolation"},
        }
        return _json(429, {"fault": fault_body}, retry)
    return _json(429, {"error": {"status": 429, "message": "API rate limit exceeded"}}, retry)


class ControlMiddleware:
    """Counts every provider request by path and applies the first queued fault that matches."""

    def __init__(self, app: ASGIApp, control: Control) -> None:
        self.app = app
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/__"):
            await self.app(scope, receive, send)
            return
        fault = self.control.record(path)
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            await self.app(scope, receive, send)
        else:
            await fault_response(fault, path)(scope, receive, send)


async def hits(request: Request) -> Response:
    control: Control = request.app.state.control
    prefix = request.query_params.get("prefix", "")
    selected = {p: n for p, n in control.hits.items() if p.startswith(prefix)}
    return JSONResponse({"hits": selected, "total": sum(selected.values())})


async def reset(request: Request) -> Response:
    request.app.state.control.reset()
    return JSONResponse({"ok": True})


async def faults(request: Request) -> Response:
    try:
        body = await request.json()
        items = body if isinstance(body, list) else [body]
        parsed = [
            Fault(
                path=str(item["path"]),
                kind=str(item["kind"]),
                remaining=int(item.get("count", 1)),
                status=int(item.get("status", 503 if item["kind"] == "5xx" else 502)),
                retry_after=float(item.get("retry_after", 1)),
                delay=float(item.get("delay", 2.0)),
            )
            for item in items
        ]
    except (ValueError, KeyError, TypeError) as exc:
        return JSONResponse({"error": f"bad fault spec: {exc}"}, 400)
    if bad := [f.kind for f in parsed if f.kind not in FAULT_KINDS]:
        return JSONResponse({"error": f"unknown fault kinds {bad}; use {FAULT_KINDS}"}, 400)
    for fault in parsed:
        request.app.state.control.add(fault)
    return JSONResponse({"queued": len(parsed)})
