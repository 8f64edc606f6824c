"""`/healthz` (liveness: the process answers) and `/readyz` (dependencies: database, Redis, the sync
health verdict the banner shows — "down" when no worker beats —, migrations at head). JSON bodies; 200 when everything required passes, else 503.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from setlist_app.db import app_redis, get_engine
from setlist_app.migrations import is_at_head
from setlist_app.models.base import utcnow
from setlist_app.settings import get_settings
from setlist_app.sync.status import get_status, read_health

_cache: dict[str, Any] = {}


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _database() -> str:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
    return "ok"


async def _redis() -> str:
    if "redis" not in _cache:
        _cache["redis"] = app_redis()
    await _cache["redis"].ping()
    return "ok"


def _worker() -> str:
    """The sync health verdict (`status.read_health`, what the banner shows); "down" fails."""
    now = utcnow()
    with Session(get_engine()) as session:
        health = read_health(session, now)
        beat = get_status(session).worker_heartbeat_at
    age = "no heartbeat yet" if beat is None else f"heartbeat {(now - beat).total_seconds():.0f} s ago"
    if health.level == "down":
        raise RuntimeError(f"{health.message} ({age})")
    return f"{health.level}, {age}"


def _migrations() -> str:
    """Cached while at head (an upgrade never goes backwards); re-checked after the cache period."""
    settings = get_settings()
    checked = _cache.get("migrations_ok_at", -1e9)
    if time.monotonic() - checked < settings.ready_migrations_cache_seconds:
        return "at head"
    if not is_at_head(settings.database_url):
        raise RuntimeError("database is not at the newest migration: run `alembic upgrade head`")
    _cache["migrations_ok_at"] = time.monotonic()
    return "at head"


async def _check(fn: Callable[[], Any], timeout: float) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        call = fn() if asyncio.iscoroutinefunction(fn) else asyncio.to_thread(fn)
        detail = await asyncio.wait_for(call, timeout)
        ok = True
    except TimeoutError:
        ok, detail = False, f"no answer within {timeout:g} s"
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


CHECKS: dict[str, Callable[[], Awaitable[str] | str]] = {
    "database": _database,
    "redis": _redis,
    "worker": _worker,
    "migrations": _migrations,
}


async def readiness() -> tuple[bool, dict[str, dict[str, Any]]]:
    """Every check's result and the verdict; `/readyz` serves it, `/metrics` exports it (the
    readiness alert)."""
    settings = get_settings()
    names = list(CHECKS)
    results = await asyncio.gather(*(_check(CHECKS[n], settings.ready_check_timeout_seconds) for n in names))
    checks = dict(zip(names, results, strict=True))
    checks["worker"]["required"] = settings.ready_requires_worker
    required = [n for n in names if n != "worker" or settings.ready_requires_worker]
    return all(checks[n]["ok"] for n in required), checks


async def readyz(_: Request) -> JSONResponse:
    ready, checks = await readiness()
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, 200 if ready else 503
    )


def health_routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
    ]
