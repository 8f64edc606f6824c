"""A fan's artist request imports the artist and its shows; open circuits get probed and close."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.models import Artist, ProviderCircuit, Show, SyncJob
from setlist_app.providers import breaker
from setlist_app.services import search
from setlist_app.settings import get_settings
from setlist_app.sync import executors, jobs, planners
from setlist_app.sync.artist_request import best_match
from setlist_app.sync.context import SyncContext
from setlist_app.sync.provider_probe import KIND as PROBE
from tests.fixtures.clock import FakeClock
from tests.fixtures.simulator import SimulatorServer


async def test_requested_artist_is_imported_with_its_shows(
    session: Session, sim_ctx: Callable[..., SyncContext], simulator: SimulatorServer
) -> None:
    name = simulator.app.state.catalog.artists[0].name
    requested = search.request_artist(session, name.upper(), "user:1")
    session.commit()
    again = search.request_artist(session, name, "user:2")  # same name: the same job
    session.commit()
    assert again.job_id == requested.job_id and requested.status == "pending"

    outcomes = await executors.run_due(sim_ctx())
    assert [o.status for o in outcomes] == ["succeeded"]
    assert outcomes[0].result["found"] is True
    session.expire_all()
    artist = session.execute(select(Artist).where(Artist.name == name)).scalar_one()
    assert outcomes[0].result["artist_slug"] == artist.slug
    shows = session.execute(
        select(func.count()).select_from(Show).where(Show.artist_id == artist.id)
    ).scalar_one()
    assert shows > 0
    done = search.progress(session, requested.job_id)
    assert (done.status, done.artist_slug) == ("found", artist.slug)
    # The executor requested nothing: enrichment and catalog come from their planners.
    assert session.execute(select(func.count()).select_from(SyncJob)).scalar_one() == 1


async def test_unknown_name_finishes_without_an_artist(
    session: Session, sim_ctx: Callable[..., SyncContext]
) -> None:
    requested = search.request_artist(session, "Zzyzx Nonexistent Band", "user:1")
    session.commit()
    [outcome] = await executors.run_due(sim_ctx())
    assert outcome.status == "succeeded" and outcome.result == {"found": False}
    assert session.execute(select(func.count()).select_from(Artist)).scalar_one() == 0
    assert "wasn't found" in search.progress(session, requested.job_id).message


def test_best_match_prefers_the_exact_music_name() -> None:
    from setlist_app.providers.models import TmAttraction

    tribute = TmAttraction(id="1", name="Muse Tribute", segment="Music")
    real = TmAttraction(id="2", name="Muse", segment="Music")
    sport = TmAttraction(id="3", name="Muse", segment="Sports")
    assert best_match("muse", [tribute, sport, real]) is real
    assert best_match("muse", [sport]) is None


async def test_open_circuit_is_probed_after_its_cool_down_and_closes(
    clock: FakeClock, session: Session, sim_ctx: Callable[..., SyncContext], simulator: SimulatorServer
) -> None:
    ctx = sim_ctx(clock)
    policy = breaker.CircuitPolicy.from_settings(ctx.settings)
    for _ in range(policy.failure_threshold):
        breaker.record_failure(session, "ticketmaster", clock(), "503", policy=policy)
    session.commit()
    assert session.get(ProviderCircuit, "ticketmaster").state == "open"

    async def tick() -> int:
        spec = planners.registered_planners()["provider_probe"]
        with ctx.session() as s:
            p = planners.PlanContext(spec.name, s, clock(), spec.limit_per_run, ctx)
            await spec.fn(p)
            s.commit()
            return p.jobs_created

    assert await tick() == 0  # still cooling down: nothing to probe
    clock.advance(seconds=ctx.settings.circuit_cooldown_seconds + 1)
    simulator.fault("/ticketmaster/discovery/v2/attractions.json", "5xx", count=1, status=503)
    assert await tick() == 1
    [failed_probe] = await executors.run_due(ctx)
    assert failed_probe.result["healthy"] is False
    session.expire_all()
    assert session.get(ProviderCircuit, "ticketmaster").state == "open"  # re-opened by the failed probe

    clock.advance(seconds=ctx.settings.circuit_cooldown_seconds + 1)
    assert await tick() == 1
    [probe] = await executors.run_due(ctx)
    assert probe.status == "succeeded" and probe.result["healthy"] is True
    session.expire_all()
    assert session.get(ProviderCircuit, "ticketmaster").state == "closed"
    assert jobs.queue_depth(session) == 0
    assert (
        session.execute(select(func.count()).select_from(SyncJob).where(SyncJob.kind == PROBE)).scalar_one()
        == 2
    )


def test_artist_requests_are_capped_per_client_address(session: Session) -> None:
    """Fresh anonymous cookies from one address do not multiply the allowance: past
    ARTIST_REQUESTS_PER_IP_PER_HOUR new discoveries that address is refused; another still may."""
    cap = get_settings().artist_requests_per_ip_per_hour
    for i in range(cap):
        search.request_artist(session, f"Unknown Band {i}", f"user:anon:cookie{i}", "203.0.113.7")
        session.commit()
    with pytest.raises(search.RequestRefused):
        search.request_artist(session, "One Band Too Many", "user:anon:fresh-cookie", "203.0.113.7")
    assert search.request_artist(
        session, "One Band Too Many", "user:anon:fresh-cookie", "198.51.100.2"
    ).job_id
    assert session.execute(select(func.count()).select_from(SyncJob)).scalar_one() == cap + 1
