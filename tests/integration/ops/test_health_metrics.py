"""/healthz, /readyz and /metrics against the real test Postgres and Redis; hooks feed the metrics."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from setlist_app.api import health
from setlist_app.api.metrics_route import metrics_routes
from setlist_app.models import ProviderCircuit, SyncStatus
from setlist_app.models.base import utcnow
from setlist_app.observability import metrics
from setlist_app.settings import get_settings


def _beat(engine: Engine, age: timedelta) -> None:
    """A worker heartbeat `age` ago, written like the worker writes it."""
    with engine.begin() as conn:
        conn.execute(update(SyncStatus).where(SyncStatus.id == 1).values(worker_heartbeat_at=utcnow() - age))


def test_liveness_and_readiness(client: TestClient, engine: Engine) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    _beat(engine, timedelta(seconds=5))
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    body = ready.json()
    assert body["status"] == "ready" and set(body["checks"]) == {"database", "redis", "worker", "migrations"}
    assert all(c["ok"] for c in body["checks"].values())
    assert ready.headers["x-request-id"]

    _beat(engine, timedelta(hours=1))  # the worker is gone
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert (
        stale.json()["checks"]["worker"]["ok"] is False
        and "heartbeat" in stale.json()["checks"]["worker"]["detail"]
    )


def test_readiness_reports_a_broken_dependency(client: TestClient, engine: Engine, monkeypatch) -> None:
    _beat(engine, timedelta(seconds=1))
    monkeypatch.setitem(health.CHECKS, "redis", _refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {
        "ok": False,
        "detail": "ConnectionError: refused",
        "ms": response.json()["checks"]["redis"]["ms"],
    }


async def _refused() -> str:
    raise ConnectionError("refused")


def test_metrics_exposition_and_protection(client: TestClient, engine: Engine, monkeypatch) -> None:
    metrics.vote_accepted()
    metrics.vote_rejected("anon_vote_limit")
    started = metrics.job_started("catalog_sync")
    metrics.job_finished("catalog_sync", "succeeded", started)
    with Session(engine) as s:
        s.add(ProviderCircuit(provider="spotify", state="open", failures=5))
        s.commit()
    _beat(engine, timedelta(minutes=10))
    body = client.get("/metrics").text
    age = re.search(r"^setlist_worker_heartbeat_age_seconds (\S+)$", body, re.M)
    assert age and 600 <= float(age[1]) < 660, body
    for line in [
        'setlist_votes_total{outcome="accepted",reason=""}',
        'setlist_votes_total{outcome="rejected",reason="anon_vote_limit"}',
        'setlist_jobs_finished_total{kind="catalog_sync",outcome="succeeded"}',
        'setlist_provider_circuit_state{provider="spotify",state="open"} 1.0',
        'setlist_scrape_source_up{source="database"} 1.0',
        'setlist_scrape_source_up{source="redis"} 1.0',
        "setlist_arq_queue_depth",
        'setlist_budget_jobs{window="day"}',
        "setlist_http_request_seconds",
    ]:
        assert line in body, line
    # Through a reverse proxy (forwarded headers) or without the token it is refused.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    monkeypatch.setenv("METRICS_TOKEN", "scrape-token-123")
    get_settings.cache_clear()
    try:
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-token-123"}).status_code == 200
    finally:
        monkeypatch.delenv("METRICS_TOKEN")
        get_settings.cache_clear()


def test_remote_client_without_token_is_refused(engine: Engine) -> None:
    app = Starlette(routes=metrics_routes())
    with TestClient(app, client=("203.0.113.9", 50000)) as remote:
        assert remote.get("/metrics").status_code == 403
