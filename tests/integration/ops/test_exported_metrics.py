"""The alert rules and the Grafana dashboard name only series `/metrics` really exports, and the
success metrics there are the /admin panel's figures."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from setlist_app.sync import status
from tests.fixtures.deploy import alert_rules, dashboard_expressions

METRIC = re.compile(r"\bsetlist_[a-z0-9_]+\b")
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}


def _exported(body: str) -> set[str]:
    """Every series name a scrape can carry, including those of families without samples yet."""
    names: set[str] = set()
    for family in text_string_to_metric_families(body):
        names.add(family.name)
        names.update(f"{family.name}{suffix}" for suffix in SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


def test_every_rule_and_dashboard_expression_names_exported_metrics(client: TestClient) -> None:
    exported = _exported(client.get("/metrics").text)
    expressions = [rule["expr"] for rule in alert_rules()] + dashboard_expressions()
    assert len(expressions) > 30
    for expr in expressions:
        named = set(METRIC.findall(expr))
        assert named, f"names no setlist metric: {expr}"
        assert named <= exported, f"{expr}: not exported: {sorted(named - exported)}"


def test_the_success_metrics_are_scraped(client: TestClient, engine: Engine) -> None:
    for _ in range(5):
        status.count_write_conflict(engine)
    body = client.get("/metrics").text
    for line in [
        'setlist_success_metric{metric="write_conflicts_per_hour"} 5.0',
        'setlist_success_metric{metric="write_conflicts_per_day"} 5.0',
        'setlist_success_metric_target{metric="catalog_syncs_per_hour"} 100.0',
        'setlist_jobs_finished_24h{kind="catalog_sync",outcome="skipped"} 0.0',
        'setlist_scrape_source_up{source="success_metrics"} 1.0',
        'setlist_provider_daily_quota{provider="setlistfm"} 1440.0',
        "setlist_sync_budget_alarm 0.0",
        "setlist_ready 0.0",  # no worker heartbeat in this test
        'setlist_ready_check{check="database"} 1.0',
    ]:
        assert line in body, line
