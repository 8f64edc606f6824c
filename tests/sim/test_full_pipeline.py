"""The first run, for real: an empty database fills through the pipeline from the simulator.

Planners run from `crons.tick` and executors from `executors.run_due`, in-process, on a fake clock
stepping like the arq tick (15 s) — no real waiting. Starts from `first_run.start()` exactly as the
launcher does, and ends when the first-run cron has switched itself off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import (
    ActualSetlist,
    ActualSetlistSong,
    Artist,
    CronRun,
    CronSetting,
    Prediction,
    PredictionSong,
    Show,
    SyncJob,
)
from setlist_app.sync import registry, status
from simulator import demo_data
from simulator.app import create_app
from tests.fixtures.clock import TODAY, FakeClock
from tests.fixtures.simulator import SimulatorServer, start_simulator
from tests.integration.sync_domain.conftest import _domain_settings, sim_ctx
from tests.integration.sync_domain.helpers import fill_through_pipeline

__all__ = ["_domain_settings", "sim_ctx"]
pytestmark = pytest.mark.slow  # the whole first run through the pipeline, at two dates on both backends
STEP = timedelta(seconds=15)


@pytest.fixture(params=[0, 3], ids=["today", "in-3-years"])
def fill_simulator(
    request: pytest.FixtureRequest, clock: FakeClock, simulator: SimulatorServer
) -> Iterator[SimulatorServer]:
    """The simulator the first run fills from: the session's (anchored today), or one anchored three
    years on with the app's clock moved there too — the demo must fill the same whatever the date."""
    if request.param == 0:
        yield simulator
        return
    later = timedelta(days=round(365.25 * request.param))
    clock.t += later
    with start_simulator(create_app(today=TODAY + later)) as server:
        yield server


async def test_empty_database_fills_through_the_pipeline(
    clock: FakeClock, engine: Engine, session: Session, sim_ctx, fill_simulator: SimulatorServer
) -> None:
    ctx = sim_ctx(clock, simulator_url=fill_simulator.url)
    fill = await fill_through_pipeline(ctx, session)
    messages, ticks = fill.messages, fill.ticks

    # Progress was visible while it filled; done means no message and normal intervals again.
    assert messages[0].startswith("First run: discovering")
    assert any(m.startswith("Importing catalogs: ") and m.endswith("/22 artists") for m in messages), messages
    assert status.get_status(session).message is None
    specs = registry.registered_planners()
    for cron in session.scalars(select(CronSetting)):
        if cron.name != "first_run":
            assert cron.interval_seconds == specs[cron.name].interval_seconds, cron.name

    # Discovery: all 22 artists and 115 shows, none of the 12 noise listings; statuses applied.
    artists = session.scalars(select(Artist)).all()
    assert len(artists) == 22
    assert all(a.spotify_id and a.mbid and a.image_url and a.enriched_at for a in artists)
    assert Counter(a.catalog_status for a in artists) == {"ok": 22}
    shows = session.scalars(select(Show)).all()
    expected = {s["ticketmaster_id"] for s in demo_data.read("shows.json")}
    assert {s.ticketmaster_id for s in shows} == expected
    assert Counter(s.status for s in shows) == {
        "upcoming": 72,
        "completed": 40,
        "cancelled": 2,
        "postponed": 1,
    }

    # Seeding: every show that takes votes (and, in the first run, every past show) has ~10 songs.
    seeded = dict(
        session.execute(
            select(Prediction.show_id, func.count(PredictionSong.id))
            .join(PredictionSong, PredictionSong.prediction_id == Prediction.id)
            .group_by(Prediction.show_id)
        ).all()
    )
    for show in shows:
        if show.status in ("upcoming", "completed"):
            assert seeded.get(show.id) == 10, show.slug
        else:
            assert show.id not in seeded  # cancelled/postponed shows are not predicted

    # Setlists: every past show imported, matched and scored; tapes, covers and encores kept.
    assert Counter(s.import_status for s in shows if s.status == "completed") == {"completed": 40}
    setlists = session.scalars(select(ActualSetlist)).all()
    assert len(setlists) == 40 and all(s.song_count > 0 for s in setlists)
    assert sum(s.seed_hits for s in setlists) > 40  # seeds from earlier setlists do hit
    assert all(s.accuracy is None for s in setlists)  # nobody voted: no fans' score
    songs = session.scalars(select(ActualSetlistSong)).all()
    assert any(s.is_tape for s in songs) and any(s.is_cover for s in songs) and any(s.encore for s in songs)
    unmatched = [s for s in songs if not s.is_tape and s.song_id is None]
    assert 0 < len(unmatched) < len(songs) / 5  # songs missing from the catalog stay as text

    # Only planners created jobs, and every one of them finished.
    jobs = session.scalars(select(SyncJob)).all()
    assert {j.requested_by.split(":")[0] for j in jobs} == {"planner"}
    assert sum(r.jobs_created for r in session.scalars(select(CronRun))) == len(jobs)
    assert Counter(j.status for j in jobs) == {"succeeded": len(jobs)}
    kinds = Counter(j.kind for j in jobs)
    assert kinds["catalog_sync"] == kinds["artist_enrichment"] == kinds["prediction_seed"] == 22
    assert kinds["setlist_import"] == 40
    print(
        f"first run filled in {ticks} ticks ({ticks * STEP.total_seconds():.0f} s of pipeline time): {kinds}"
    )
