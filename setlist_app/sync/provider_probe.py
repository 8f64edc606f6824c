"""Probe providers whose circuit is open and past its cool-down, so circuits close on their own.

Without it a provider that no planner calls for hours (Ticketmaster discovery runs every 6 h) would
keep its circuit, and the banner, "degraded" long after it recovered. The planner asks for at most
one probe job per provider; the executor makes one cheap call through the breaker (the half-open
probe) and the outcome closes or re-opens the circuit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from setlist_app.models.catalog import Artist
from setlist_app.models.sync import ProviderCircuit, SyncJob
from setlist_app.providers.errors import NotFound, ProviderError
from setlist_app.providers.factory import Providers
from setlist_app.sync import jobs, kinds
from setlist_app.sync.context import SyncContext
from setlist_app.sync.domain import ProviderBlocked, call_provider
from setlist_app.sync.executors import executor
from setlist_app.sync.planners import PlanContext, planner

KIND = kinds.PROVIDER_PROBE


def _cheap_call(providers: Providers, provider: str, mbid: str | None) -> Callable[[], Awaitable[Any]] | None:
    """One inexpensive request per provider (None when there is nothing safe to ask)."""
    calls: dict[str, Callable[[], Awaitable[Any]] | None] = {
        "spotify": lambda: providers.spotify.search_artists("a", limit=1),
        "ticketmaster": lambda: providers.ticketmaster.search_attractions("a", size=1),
        "musicbrainz": lambda: providers.musicbrainz.search_artist("a", limit=1),
        "setlistfm": (lambda: providers.setlistfm.artist_setlists(mbid)) if mbid else None,
    }
    return calls.get(provider)


@planner(
    "provider_probe",
    interval_seconds=120,
    limit_per_run=4,
    essential=True,
    description="Probe providers whose circuit is open and past its cool-down",
)
async def plan_probes(p: PlanContext) -> int:
    due = p.session.execute(
        select(ProviderCircuit.provider).where(
            ProviderCircuit.state != "closed", ProviderCircuit.retry_at <= p.now
        )
    ).scalars()
    count = 0
    for provider in due:
        count += 1
        if p.remaining:
            p.request(KIND, f"provider:{provider}", payload={"provider": provider})
    return count


@executor(KIND)
async def probe_provider(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    provider = str(job.payload.get("provider") or job.key.removeprefix("provider:"))
    with ctx.session() as session:
        mbid = session.execute(select(Artist.mbid).where(Artist.mbid.is_not(None)).limit(1)).scalar()  # type: ignore[union-attr]
    call = _cheap_call(ctx.providers, provider, mbid)
    if call is None:
        raise jobs.JobFailed(f"no probe for provider {provider!r}")
    try:
        await call_provider(ctx, provider, call)
    except ProviderBlocked:
        return {"skipped": f"{provider} circuit still cooling down"}
    except NotFound:
        return {"provider": provider, "healthy": True}  # an empty answer is an answer
    except ProviderError as exc:
        return {"provider": provider, "healthy": False, "error": str(exc)[:200]}
    return {"provider": provider, "healthy": True}
