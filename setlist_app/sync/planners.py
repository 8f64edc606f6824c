"""Planners: the only automatic job creators. One per cron, each bounded by its per-run limit.

A planner is `async def plan(p: PlanContext) -> int | None` (items examined) and creates jobs only
with `p.request(...)`, which goes through the gateway as `planner:<name>` and refuses to exceed
`cron_settings.limit_per_run`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from setlist_app.sync import jobs
from setlist_app.sync.context import SyncContext


class PlannerLimitError(RuntimeError):
    """A planner tried to create more jobs than its per-run limit."""


@dataclass
class PlanContext:
    name: str
    session: Session
    now: datetime
    limit: int
    sync: SyncContext
    jobs_created: int = 0

    @property
    def remaining(self) -> int:
        return max(self.limit - self.jobs_created, 0)

    def request(self, kind: str, key: str, **kwargs: Any) -> jobs.RequestResult:
        """Create a job through the gateway, counted against this run's limit."""
        if self.remaining == 0:
            raise PlannerLimitError(f"planner {self.name} exceeded its limit of {self.limit} jobs")
        kwargs.setdefault("now", self.now)
        kwargs.setdefault("max_attempts", self.sync.settings.sync_max_attempts)
        result = jobs.request(self.session, kind, key, requested_by=f"planner:{self.name}", **kwargs)
        if result.created:
            self.jobs_created += 1
        return result


Planner = Callable[[PlanContext], Awaitable[int | None]]


@dataclass(frozen=True)
class PlannerSpec:
    name: str
    fn: Planner
    interval_seconds: int
    limit_per_run: int
    essential: bool  # keeps running while the budget alarm pauses the others
    description: str
    enabled: bool = True  # the cron's default; a disabled-by-default cron is switched on explicitly


_PLANNERS: dict[str, PlannerSpec] = {}
_ORDER: tuple[str, ...] = ()


def planner(
    name: str,
    *,
    interval_seconds: int,
    limit_per_run: int,
    essential: bool = False,
    description: str = "",
    enabled: bool = True,
) -> Callable[[Planner], Planner]:
    """Register a planner and the defaults of its cron."""

    def register(fn: Planner) -> Planner:
        if name in _PLANNERS and _PLANNERS[name].fn is not fn:
            raise ValueError(f"planner {name!r} already registered")
        _PLANNERS[name] = PlannerSpec(
            name, fn, interval_seconds, limit_per_run, essential, description, enabled
        )
        return fn

    return register


def set_order(names: Sequence[str]) -> None:
    """Fix the order planners run in within a tick (declared in `sync/registry.py`): every
    registered planner must be named exactly once, so a new planner cannot run in an accidental
    place (module import order)."""
    missing, unknown = set(_PLANNERS) - set(names), set(names) - set(_PLANNERS)
    if missing or unknown or len(set(names)) != len(names):
        raise ValueError(
            f"planner order must name every registered planner once: missing {sorted(missing)}, "
            f"unknown {sorted(unknown)}, given {list(names)}"
        )
    global _ORDER
    _ORDER = tuple(names)


def registered_planners() -> dict[str, PlannerSpec]:
    """A copy of the registry (cron name -> spec) in the declared run order; planners outside it
    (registered by a test) follow in registration order."""
    rank = {name: i for i, name in enumerate(_ORDER)}
    return {name: _PLANNERS[name] for name in sorted(_PLANNERS, key=lambda n: rank.get(n, len(rank)))}
