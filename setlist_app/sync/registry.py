"""Import every module that registers planners or executors, so the registries are complete."""

from __future__ import annotations

from setlist_app.sync import catalog, sweeper  # noqa: F401
from setlist_app.sync.executors import registered_executors
from setlist_app.sync.planners import registered_planners

__all__ = ["registered_executors", "registered_planners"]
