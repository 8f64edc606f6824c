"""Every planner and executor module, and the order planners run in within a tick.

Importing this module registers them all (the worker, the launcher and the tests import it) and
declares the run order explicitly, so reordering the imports changes nothing. A new planner must be
placed in `PLANNER_ORDER` (importing this module fails until it is).
"""

from __future__ import annotations

from setlist_app.sync import (  # noqa: F401  (each module registers its planners and executors)
    artist_request,
    catalog,
    discovery,
    engagement,
    enrichment,
    first_run,
    notifications,
    planners,
    provider_probe,
    retention,
    seeding,
    setlist_import,
    show_status,
    sweeper,
    token_refresh,
    trending,
)
from setlist_app.sync.executors import registered_executors
from setlist_app.sync.planners import registered_planners

#: Cron names in the order a tick runs them when several are due at once.
PLANNER_ORDER = (
    "catalog_sync",
    "ticketmaster_discovery",
    "engagement_counts",
    "artist_enrichment",
    "stale_job_sweeper",
    "first_run",
    "provider_probe",
    "retention_cleanup",
    "prediction_seeding",
    "setlist_import",
    "notifications",
    "notification_digest",
    "show_status",
    "token_refresh",
    "trending",
)
planners.set_order(PLANNER_ORDER)

__all__ = ["PLANNER_ORDER", "registered_executors", "registered_planners"]
