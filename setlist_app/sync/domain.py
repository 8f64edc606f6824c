"""Shared pieces of the domain sync jobs: guarded provider calls, budgets, first-run state.

Every external call an executor makes goes through `call_provider`: the provider's circuit is
consulted first (an open circuit skips the call) and the outcome is fed back to the breaker; the
client counts each HTTP request it makes in the daily budget (`providers.request_counter`).
Planners use `provider_ready` to stay idle while a provider is unconfigured or its circuit is open,
so they never queue work that cannot run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import exists, func, select
from sqlmodel import Session

from setlist_app.models.sync import ACTIVE_JOB_STATUSES, CronSetting, SyncJob
from setlist_app.providers import breaker
from setlist_app.providers.errors import ProviderError
from setlist_app.settings import get_settings
from setlist_app.sync import budget, kinds
from setlist_app.sync.catalog import provider_open
from setlist_app.sync.context import SyncContext

T = TypeVar("T")
FIRST_RUN_CRON = "first_run"
_JOBS = SyncJob.__table__


class ProviderBlocked(Exception):
    """The provider's circuit is open: the call was not made."""

    def __init__(self, provider: str) -> None:
        super().__init__(f"{provider} circuit is open")
        self.provider = provider


def has_provider(ctx: SyncContext, name: str) -> bool:
    """Is a client for `name` configured in this context? (Tests may pass partial fakes.)"""
    return getattr(ctx.providers, name, None) is not None


def provider_ready(p: Any, *names: str) -> bool:
    """Planner guard: every provider the jobs need is configured and its circuit is not open."""
    return all(has_provider(p.sync, n) and not provider_open(p.session, n, p.now) for n in names)


def retrying(job: SyncJob) -> bool:
    """This job's key (artist, show, market, name) failed before: the job runs again after a failure
    (claiming counts an attempt, so a first run has 1)."""
    return job.attempts > 1


async def call_provider(
    ctx: SyncContext,
    provider: str,
    fn: Callable[..., Awaitable[T]],
    *args: Any,
    key_failing: bool = False,
    **kwargs: Any,
) -> T:
    """One guarded provider call: breaker check and outcome recorded (the client counts each request).

    `key_failing` (usually `retrying(job)`): the call is for a key that already failed, whose
    provider-specific errors are its own, not the provider's (`breaker.record_outcome`)."""
    policy = breaker.CircuitPolicy.from_settings(ctx.settings)
    with ctx.session() as session:
        if not breaker.allow_request(session, provider, ctx.now(), policy):
            raise ProviderBlocked(provider)
        probe = breaker.probing(session, provider)
    try:
        with breaker.released_if_unanswered(probe, provider, ctx.session, ctx.now):
            result = await fn(*args, **kwargs)
    except ProviderError as exc:
        with ctx.session() as session:
            breaker.record_outcome(session, provider, ctx.now(), exc, policy, key_failing=key_failing)
        raise
    with ctx.session() as session:
        breaker.record_outcome(session, provider, ctx.now(), None, policy)
    return result


def active_jobs(session: Session, kind: str) -> int:
    """Pending + running jobs of one kind (work already promised to a provider's budget)."""
    return session.execute(
        select(func.count())
        .select_from(_JOBS)
        .where(_JOBS.c.kind == kind, _JOBS.c.status.in_([s.value for s in ACTIVE_JOB_STATUSES]))
    ).scalar_one()


def no_active_job(kind: str, column: Any, value: Any) -> Any:
    """SQL filter: no pending/running job of `kind` for this artist/show (column of sync_jobs)."""
    return ~exists().where(
        _JOBS.c.kind == kind,
        _JOBS.c[column] == value,
        _JOBS.c.status.in_([s.value for s in ACTIVE_JOB_STATUSES]),
    )


async def setlistfm_budget_left(ctx: SyncContext, session: Session, now: datetime) -> int:
    """setlist.fm calls the planners may still promise today: the daily budget minus the calls
    made today (Redis counters on the sync clock) and the calls queued jobs will make."""
    used = 0
    if ctx.redis is not None:
        used = (await budget.usage(ctx.redis, now)).calls_today.get("setlistfm", 0)
    queued = active_jobs(session, kinds.SETLIST_IMPORT) + active_jobs(session, kinds.PREDICTION_SEED)
    return max(get_settings().setlistfm_daily_budget - used - queued, 0)


def first_run_active(session: Session) -> bool:
    """The first fill of an empty database is in progress (its progress cron is still enabled)."""
    enabled = session.execute(
        select(CronSetting.__table__.c.enabled).where(CronSetting.__table__.c.name == FIRST_RUN_CRON)
    ).scalar_one_or_none()
    return bool(enabled)
