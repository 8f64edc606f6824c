"""Import every module that registers planners or executors, so the registries are complete."""

from __future__ import annotations

from setlist_app.sync import (  # noqa: F401  (the import order is the order planners run in a tick)
    artist_request,
    catalog,
    discovery,
    engagement,
    enrichment,
    first_run,
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

__all__ = ["registered_executors", "registered_planners"]
