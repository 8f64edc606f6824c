"""Prediction seeding and setlist.fm import against the simulator: happy paths, faults, fans' songs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import (
    ActualSetlist,
    ActualSetlistSong,
    Artist,
    ArtistSong,
    Prediction,
    PredictionSong,
    Show,
    SyncJob,
    User,
    Vote,
)
from setlist_app.sync import seeding, setlist_import
from setlist_app.sync.planners import PlanContext
from tests.fixtures.clock import NOW
from tests.integration.sync_domain.helpers import artist, demo_database, run, show


def _songs(session: Session, show_id: int) -> list[PredictionSong]:
    session.expire_all()
    return list(
        session.scalars(
            select(PredictionSong)
            .join(Prediction, Prediction.id == PredictionSong.prediction_id)
            .where(Prediction.show_id == show_id)
            .order_by(PredictionSong.position)
        )
    )


def _next_show(session: Session, artist_id: int) -> Show:
    return session.scalars(
        select(Show).where(Show.artist_id == artist_id, Show.status == "upcoming").order_by(Show.starts_at)
    ).first()


async def test_seeding_ranks_by_recent_setlists_and_keeps_fans_songs(
    engine: Engine, session: Session, sim_ctx
) -> None:
    ctx = sim_ctx()
    await demo_database(ctx, session)
    killers = artist(session, "the-killers")
    target = _next_show(session, killers.id)
    prediction = session.scalars(select(Prediction).where(Prediction.show_id == target.id)).one()
    # Back to "not seeded", with one fan song and its vote already there.
    session.execute(delete(PredictionSong).where(PredictionSong.prediction_id == prediction.id))
    fan_song = session.scalars(
        select(ArtistSong.song_id)
        .where(ArtistSong.artist_id == killers.id)
        .order_by(ArtistSong.position.desc())
    ).first()
    session.add(User(id=7, name="fan"))
    session.flush()
    fan = PredictionSong(
        prediction_id=prediction.id,
        song_id=fan_song,
        source="fan",
        added_by_user_id=7,
        vote_count=1,
        position=1,
    )
    session.add(fan)
    session.flush()
    session.add(Vote(prediction_song_id=fan.id, show_id=target.id, voter="u:7", user_id=7))
    session.execute(update(Prediction).where(Prediction.id == prediction.id).values(status="waiting_catalog"))
    session.commit()

    outcome = await run(ctx, session, seeding.KIND, "artist:k", artist_id=killers.id)
    assert outcome.status == "succeeded" and outcome.result["ranked_by"] == "setlists", outcome
    songs = _songs(session, target.id)
    assert songs[0].id == fan.id and songs[0].source == "fan" and songs[0].vote_count == 1
    seeds = [s for s in songs if s.source == "seed"]
    assert len(seeds) == 10
    # The most played song of the artist's recent setlists leads the seeds; plain counts are stored.
    counts = dict(
        session.execute(
            select(ArtistSong.song_id, ArtistSong.play_count).where(ArtistSong.artist_id == killers.id)
        ).all()
    )
    assert counts[seeds[0].song_id] == max(counts.values()) > 0

    # Seeding again changes nothing (the prediction is seeded; fans' songs untouched).
    again = await run(ctx, session, seeding.KIND, "artist:k2", artist_id=killers.id)
    assert again.result["songs_added"] == 0 and len(_songs(session, target.id)) == len(songs)


async def test_show_without_catalog_waits_and_never_triggers_a_sync(
    engine: Engine, session: Session, sim_ctx
) -> None:
    ctx = sim_ctx()
    await demo_database(ctx, session)
    muse = artist(session, "muse")
    waiting = _next_show(session, muse.id)
    session.execute(delete(ArtistSong).where(ArtistSong.artist_id == muse.id))
    session.execute(update(Artist).where(Artist.id == muse.id).values(catalog_status="never"))
    session.execute(delete(PredictionSong))
    session.execute(update(Prediction).values(status="waiting_catalog"))
    session.commit()
    plan = PlanContext("prediction_seeding", session, NOW, 100, ctx)
    await seeding.plan_seeding(plan)
    session.commit()
    jobs = session.scalars(select(SyncJob)).all()
    assert {j.kind for j in jobs} == {"prediction_seed"}  # never a catalog sync
    assert muse.id not in {j.artist_id for j in jobs} and len(jobs) == 21
    assert (
        session.scalars(select(Prediction.status).where(Prediction.show_id == waiting.id)).one()
        == "waiting_catalog"
    )
    # Executing a seed job for an artist without a catalog is a no-op.
    skipped = await run(ctx, session, seeding.KIND, "artist:muse", artist_id=muse.id)
    assert skipped.result == {"skipped": "no catalog yet"}


async def test_seeding_falls_back_to_catalog_order_when_setlistfm_keeps_failing(
    engine: Engine, session: Session, sim_ctx, simulator
) -> None:
    ctx = sim_ctx()
    await demo_database(ctx, session)
    adele = artist(session, "billie-eilish")
    target = _next_show(session, adele.id)
    session.execute(delete(PredictionSong))
    session.execute(update(Prediction).values(status="waiting_catalog"))
    session.commit()
    simulator.fault("/setlistfm/rest/1.0/artist/*", "5xx", status=500, count=10)
    first = await run(ctx, session, seeding.KIND, "artist:b", artist_id=adele.id)
    assert first.status == "pending" and not _songs(session, target.id)  # retried, not seeded worse
    session.execute(update(SyncJob).values(attempts=SyncJob.max_attempts - 1, run_after=NOW))
    session.commit()
    from setlist_app.sync import executors

    last = await executors.run_job(first.job_id, ctx)
    assert last.status == "succeeded" and last.result["ranked_by"] == "catalog order"
    order = list(
        session.scalars(
            select(ArtistSong.song_id).where(ArtistSong.artist_id == adele.id).order_by(ArtistSong.position)
        )
    )
    assert [s.song_id for s in _songs(session, target.id)] == order[:10]


def _unimport(session: Session, show_id: int) -> None:
    session.execute(delete(ActualSetlist).where(ActualSetlist.show_id == show_id))
    session.execute(
        update(Show)
        .where(Show.id == show_id)
        .values(import_status="pending", import_attempts=0, setlistfm_id=None)
    )
    session.commit()


async def test_import_scores_the_prediction_and_the_voters(engine: Engine, session: Session, sim_ctx) -> None:
    ctx = sim_ctx()
    await demo_database(ctx, session)
    past = session.scalars(
        select(Show).where(Show.status == "completed").order_by(Show.starts_at.desc())
    ).first()
    played = set(
        session.scalars(
            select(ActualSetlistSong.song_id)
            .join(ActualSetlist, ActualSetlist.id == ActualSetlistSong.setlist_id)
            .where(ActualSetlist.show_id == past.id, ActualSetlistSong.song_id.is_not(None))
        )
    )
    catalog = session.scalars(select(ArtistSong.song_id).where(ArtistSong.artist_id == past.artist_id)).all()
    hit_id, miss_id = sorted(played)[0], next(s for s in catalog if s not in played)
    _unimport(session, past.id)
    # The community predicted two songs: one that was played, one that was not.
    prediction = session.scalars(select(Prediction).where(Prediction.show_id == past.id)).one()
    session.execute(delete(PredictionSong).where(PredictionSong.prediction_id == prediction.id))
    hit, miss = (
        PredictionSong(prediction_id=prediction.id, song_id=song_id, source="fan", vote_count=1)
        for song_id in (hit_id, miss_id)
    )
    session.add_all([hit, miss])
    session.flush()
    session.add_all([User(id=1, name="a"), User(id=2, name="b")])
    session.flush()
    session.add_all(
        [
            Vote(prediction_song_id=hit.id, show_id=past.id, voter="u:1", user_id=1),
            Vote(prediction_song_id=miss.id, show_id=past.id, voter="u:1", user_id=1),
            Vote(prediction_song_id=miss.id, show_id=past.id, voter="u:2", user_id=2),
        ]
    )
    session.commit()

    outcome = await run(ctx, session, setlist_import.KIND, f"show:{past.id}", show_id=past.id)
    assert outcome.status == "succeeded", outcome
    done = show(session, past.id)
    assert done.import_status == "completed" and done.setlistfm_id == outcome.result["setlist"]
    setlist = session.scalars(select(ActualSetlist).where(ActualSetlist.show_id == past.id)).one()
    assert setlist.predicted_count == 1 and setlist.accuracy == outcome.result["accuracy"] > 0
    users = {u.id: u for u in session.scalars(select(User))}
    assert (users[1].scored_votes, users[1].correct_votes, users[1].current_streak) == (2, 1, 1)
    assert (users[2].scored_votes, users[2].correct_votes, users[2].current_streak) == (1, 0, 0)

    # A completed show is not imported twice.
    again = await run(ctx, session, setlist_import.KIND, f"show:{past.id}:2", show_id=past.id)
    assert again.result == {"skipped": "already completed"}


async def test_import_not_found_backs_off_then_gives_up(engine: Engine, session: Session, sim_ctx) -> None:
    ctx = sim_ctx()
    await demo_database(ctx, session)
    past = session.scalars(
        select(Show).where(Show.status == "completed").order_by(Show.starts_at.desc())
    ).first()
    # The same artist on a date setlist.fm has nothing for.
    session.execute(
        update(Show)
        .where(Show.id == past.id)
        .values(local_date=past.local_date - timedelta(days=3), starts_at=past.starts_at - timedelta(days=3))
    )
    session.commit()
    _unimport(session, past.id)
    delays = []
    for attempt in range(1, 6):
        outcome = await run(ctx, session, setlist_import.KIND, f"show:{past.id}:{attempt}", show_id=past.id)
        assert outcome.status == "succeeded" and outcome.result["not_found"], outcome
        current = show(session, past.id)
        assert current.import_attempts == attempt
        if attempt < 5:
            assert current.import_status == "pending"
            delays.append((current.import_next_at - ctx.now()) / timedelta(hours=1))
            ctx.clock.t = current.import_next_at
        else:
            assert current.import_status == "not_found" and current.import_next_at is None
    assert delays == [6, 12, 24, 48]


async def test_import_provider_faults(engine: Engine, session: Session, sim_ctx, simulator) -> None:
    ctx = sim_ctx()
    await demo_database(ctx, session)
    past = session.scalars(
        select(Show).where(Show.status == "completed").order_by(Show.starts_at.desc())
    ).first()
    _unimport(session, past.id)
    search = "/setlistfm/rest/1.0/search/setlists"

    simulator.fault(search, "429", retry_after=0, count=3)  # more than the client's own retries
    limited = await run(ctx, session, setlist_import.KIND, "show:a", show_id=past.id)
    current = show(session, past.id)
    assert limited.status == "failed" and (current.import_status, current.import_attempts) == ("pending", 0)
    assert current.import_next_at == NOW + timedelta(minutes=15)  # a rate limit costs no attempt

    for n, kind in enumerate(("5xx", "malformed"), start=1):
        simulator.fault(search, kind, status=503)
        failed = await run(ctx, session, setlist_import.KIND, f"show:{kind}", show_id=past.id)
        current = show(session, past.id)
        assert failed.status == "failed" and (current.import_status, current.import_attempts) == (
            "pending",
            n,
        )

    ok = await run(ctx, session, setlist_import.KIND, "show:ok", show_id=past.id)
    assert ok.status == "succeeded" and show(session, past.id).import_status == "completed"
    assert (
        session.scalar(
            select(func.count()).select_from(ActualSetlist).where(ActualSetlist.show_id == past.id)
        )
        == 1
    )
