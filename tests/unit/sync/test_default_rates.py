"""The default schedules stay within the audit's hourly targets (DESIGN.md §12): what planners may
create per hour at most (limit per run x runs per hour), and the spike alarm's threshold."""

from __future__ import annotations

from setlist_app.services.success_metrics import TARGETS
from setlist_app.settings import Settings
from setlist_app.sync import registry

LIMITS = {t.key: t.limit for t in TARGETS}


def _most_per_hour() -> dict[str, float]:
    return {
        name: spec.limit_per_run * 3600 / spec.interval_seconds
        for name, spec in registry.registered_planners().items()
    }


def test_default_planner_rates_stay_within_the_targets() -> None:
    per_hour = _most_per_hour()
    assert per_hour["catalog_sync"] <= LIMITS["catalog_syncs_per_hour"] == 100
    assert per_hour["prediction_seeding"] <= LIMITS["prediction_seedings_per_hour"] == 200
    assert sum(per_hour.values()) < LIMITS["jobs_per_hour"]


def test_the_spike_alarm_fires_above_1000_jobs_a_minute() -> None:
    settings = Settings(_env_file=None)
    assert settings.sync_jobs_per_minute_alert == 1000
    assert settings.sync_jobs_per_day_budget / 24 < LIMITS["jobs_per_hour"]
