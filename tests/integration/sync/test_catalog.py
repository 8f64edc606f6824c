"""Catalog sync on both backends with a fake Spotify: filters, upserts, 24 h guard, breakers, planner."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import Artist, ArtistSong, Prediction, ProviderCircuit, Song, SyncJob
from setlist_app.models.base import utcnow
from setlist_app.providers.errors import BadResponse
from setlist_app.services import success_metrics
from setlist_app.settings import Settings
from setlist_app.sync import artist_writes, catalog, executors, jobs, status
from setlist_app.sync.planners import PlanContext
from tests.fixtures.clock import NOW, FakeClock
from tests.integration.sync.helpers import (
    FakeProviders,
    FakeSpotify,
    add_artists,
    add_show,
    make_ctx,
)

ALBUMS = (
    ("First Album", ["Song A", "Song B", "Song B - Live", "Interlude"]),
    ("First Album (Deluxe Edition)", ["Song A", "Song B", "Song C (Acoustic)", "Song D"]),
    ("Live at Leeds", ["Song A", "Song E"]),
)


def _artist(session: Session, artist_id: int) -> Artist:
    session.expire_all()
    return session.get(Artist, artist_id)


async def _sync(ctx: Any, session: Session, artist_id: int) -> executors.RunOutcome:
    job = catalog.request_catalog_sync(session, artist_id, requested_by="user:1", now=ctx.now())
    session.commit()
    return await executors.run_job(job.job_id, ctx)


def _titles(session: Session, artist_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Song.title)
            .join(ArtistSong, ArtistSong.song_id == Song.id)
            .where(ArtistSong.artist_id == artist_id)
            .order_by(ArtistSong.position)
        )
    )


async def test_studio_songs_deduplicated_and_upserted_once(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    spotify = FakeSpotify()
    ctx = make_ctx(engine, settings, providers=FakeProviders(spotify), clock=clock)
    [artist_id] = add_artists(session, 1)
    spotify.give("sp0", *ALBUMS)

    outcome = await _sync(ctx, session, artist_id)
    assert outcome.status == "succeeded" and outcome.result["songs"] == 3
    assert _titles(session, artist_id) == ["Song A", "Song B", "Song D"]
    artist = _artist(session, artist_id)
    assert (artist.catalog_status, artist.catalog_song_count, artist.catalog_synced_at) == ("ok", 3, NOW)
    assert spotify.calls == 4  # one album list + three album track lists

    clock.advance(hours=25)
    spotify.give("sp0", *ALBUMS, ("Second Album", ["Song F", "song a"]))
    assert (await _sync(ctx, session, artist_id)).status == "succeeded"
    assert _titles(session, artist_id) == ["Song A", "Song B", "Song D", "Song F"]
    assert session.execute(select(func.count()).select_from(Song)).scalar_one() == 4
    assert session.execute(select(func.count()).select_from(Prediction)).scalar_one() == 0  # never seeds
    assert status.get_status(session).last_success == {"catalog_sync": clock().isoformat()}


async def test_24h_guard_blocks_repeat_syncs_and_concurrent_claims(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    spotify = FakeSpotify()
    ctx = make_ctx(engine, settings, providers=FakeProviders(spotify), clock=clock)
    [artist_id] = add_artists(session, 1)
    spotify.give("sp0", ("Album", ["One"]))
    assert (await _sync(ctx, session, artist_id)).status == "succeeded"
    clock.advance(hours=23, minutes=59)
    outcome = await _sync(ctx, session, artist_id)
    assert outcome.result["skipped"].startswith("guarded") and spotify.calls == 2
    assert not status.get_status(session).last_failure

    # Twenty concurrent claims after the guard expired: exactly one wins.
    clock.advance(minutes=1)
    winners: list[Any] = []

    def claim() -> None:
        with Session(engine) as s:
            winners.append(artist_writes.claim_catalog_sync(s, artist_id, clock(), settings))
            s.commit()

    threads = [threading.Thread(target=claim) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([w for w in winners if w is not None]) == 1


async def test_artist_breaker_opens_after_three_failures(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    spotify = FakeSpotify()
    spotify.error = lambda: BadResponse("spotify", "malformed JSON")
    ctx = make_ctx(engine, settings, providers=FakeProviders(spotify), clock=clock)
    [artist_id] = add_artists(session, 1)
    spotify.give("sp0", ("Album", ["One"]))
    spotify.fail["sp0"] = 3
    for failures in (1, 2, 3):
        outcome = await _sync(ctx, session, artist_id)
        assert outcome.status == "failed" and "malformed" in outcome.error
        artist = _artist(session, artist_id)
        assert artist.catalog_failures == failures and artist.catalog_status == "failed"
        clock.advance(hours=24)
    assert artist.catalog_backoff_until == clock() - timedelta(hours=24) + timedelta(hours=72)
    opened = [r for r in caplog.records if r.getMessage() == "artist catalog breaker opened: backoff"]
    assert [r.artist_id for r in opened] == [artist_id]  # type: ignore[attr-defined]
    failed = [r for r in caplog.records if r.getMessage().startswith("sync job catalog_sync failed")]
    assert [(r.levelname, r.artist_id) for r in failed] == [("ERROR", artist_id)] * 3  # type: ignore[attr-defined]
    # In backoff: the planner skips it and a "sync now" does not reach Spotify.
    assert await _plan(ctx, session) == []
    assert (await _sync(ctx, session, artist_id)).result["skipped"].startswith("guarded")
    assert spotify.calls == 3
    clock.advance(hours=48)
    assert await _plan(ctx, session) == [artist_id]
    job = session.scalars(select(SyncJob).where(SyncJob.status == "pending")).one()
    assert (await executors.run_job(job.id, ctx)).status == "succeeded"
    artist = _artist(session, artist_id)
    assert (artist.catalog_failures, artist.catalog_backoff_until, artist.catalog_status) == (0, None, "ok")


async def test_provider_breaker_stops_calls(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    spotify = FakeSpotify()
    ctx = make_ctx(engine, settings, providers=FakeProviders(spotify), clock=clock)
    ids = add_artists(session, settings.circuit_failure_threshold + 2)
    for i in range(len(ids)):
        spotify.fail[f"sp{i}"] = 1
    for artist_id in ids[: settings.circuit_failure_threshold]:
        assert (await _sync(ctx, session, artist_id)).status == "failed"
    assert session.get(ProviderCircuit, "spotify").state == "open"
    calls = spotify.calls
    outcome = await _sync(ctx, session, ids[-1])
    assert outcome.result == {"skipped": "spotify circuit open"} and spotify.calls == calls
    assert await _plan(ctx, session) == []
    assert status.read_health(session, clock()).level in ("degraded", "down")
    assert _artist(session, ids[-1]).catalog_attempted_at is None  # the guard was not consumed
    # Past the cool-down the first job is for an artist its 24 h guard holds back: it leaves the
    # half-open probe to the next job that calls Spotify, whose answer closes the circuit.
    clock.advance(seconds=settings.circuit_cooldown_seconds + 1)
    assert (await _sync(ctx, session, ids[0])).result["skipped"].startswith("guarded")
    session.expire_all()
    assert session.get(ProviderCircuit, "spotify").state == "open" and spotify.calls == calls
    spotify.fail.clear()  # Spotify answers again
    assert (await _sync(ctx, session, ids[-1])).status == "succeeded"
    session.expire_all()
    assert session.get(ProviderCircuit, "spotify").state == "closed"


async def _plan(ctx: Any, session: Session, limit: int = 50) -> list[int]:
    plan = PlanContext("catalog_sync", session, ctx.now(), limit, ctx)
    await catalog.plan_catalog_sync(plan)
    session.commit()
    return list(
        session.scalars(
            select(SyncJob.artist_id).where(
                SyncJob.status == "pending", SyncJob.requested_by == "planner:catalog_sync"
            )
        )
    )


async def test_planner_order_limit_and_policy(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    spotify = FakeSpotify()
    ctx = make_ctx(engine, settings, providers=FakeProviders(spotify), clock=clock)
    ids = add_artists(session, 5)
    [no_spotify] = add_artists(session, 1, spotify=False, start=5)
    add_show(session, ids[3], NOW + timedelta(days=2))
    add_show(session, ids[1], NOW + timedelta(days=9))
    add_show(session, ids[4], NOW - timedelta(days=1))  # past: does not count as soonest
    assert await _plan(ctx, session, limit=3) == [ids[3], ids[1], ids[0]]
    assert sorted(await _plan(ctx, session, limit=3)) == sorted([ids[3], ids[1], ids[0], ids[2], ids[4]])
    assert no_spotify not in await _plan(ctx, session)

    # Run them: ids[0] gets songs, the rest are empty catalogs.
    spotify.give("sp0", ("Album", ["One"]))
    assert all(o.status == "succeeded" for o in await executors.run_due(ctx))
    clock.advance(hours=25)
    assert await _plan(ctx, session) == []  # ok: refreshed weekly; empty: retried after 72 h
    clock.advance(hours=48)
    assert sorted(await _plan(ctx, session)) == sorted(ids[1:])
    clock.advance(days=5)
    session.execute(update(SyncJob).where(SyncJob.status == "pending").values(status="cancelled"))
    session.commit()
    assert sorted(await _plan(ctx, session)) == sorted(ids)


async def test_artist_writes_count_conflicts_and_never_lose_updates(
    engine: Engine, session: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    [artist_id] = add_artists(session, 1)
    interfering = {"left": 2}

    def bump_popularity(artist: Artist) -> dict[str, Any]:
        # Another writer commits between our read and our conditional UPDATE. SQLite has one writer
        # at a time: once our lost UPDATE has begun our write, another connection would wait for
        # our commit, so the interfering write then goes through our own connection.
        if interfering["left"]:
            interfering["left"] -= 1
            bump = text("UPDATE artists SET version = version + 1, follower_count = 7 WHERE id = :id")
            if (
                engine.dialect.name == "sqlite"
                and session.connection().connection.driver_connection.in_transaction
            ):
                session.execute(bump, {"id": artist_id})
            else:
                with engine.begin() as conn:
                    conn.execute(bump, {"id": artist_id})
        return {"popularity": artist.popularity + 10}

    updated = artist_writes.update_artist(session, artist_id, bump_popularity, now=NOW)
    session.commit()
    assert updated.popularity == 10 and updated.version == 4
    artist = _artist(session, artist_id)
    assert (artist.popularity, artist.follower_count) == (10, 7)
    assert status.get_status(session).write_conflicts == 2
    conflicts = [r for r in caplog.records if r.getMessage() == "artist write conflict"]
    assert [r.artist_id for r in conflicts] == [artist_id, artist_id]  # type: ignore[attr-defined]

    interfering["left"] = 10
    with pytest.raises(artist_writes.ArtistWriteConflictError):
        artist_writes.update_artist(session, artist_id, bump_popularity, retries=2)
    session.rollback()
    assert status.get_status(session).write_conflicts == 5  # counted, though rolled back
    # Each with its time: the success metrics' hourly figure is exact, and red at the target.
    figures = {f.target.key: f for f in success_metrics.compute(session, utcnow(), []).figures}
    assert figures["write_conflicts_per_hour"].value == 5 and not figures["write_conflicts_per_hour"].ok
    assert artist_writes.update_artist(session, 999_999, {"popularity": 1}) is None
    with pytest.raises(ValueError):
        artist_writes.update_artist(session, artist_id, {"version": 1})


def test_racing_artist_writers_both_land_and_the_loser_counts_one_conflict(
    engine: Engine, session: Session
) -> None:
    """Two sessions read the same row version, then both write: the second waits for the first's
    lock (a row lock on Postgres, the database's one write lock on SQLite), finds the version moved,
    counts the conflict without waiting on itself, re-reads and lands."""
    [artist_id] = add_artists(session, 1)
    both_read = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def writer(values: dict[str, Any]) -> None:
        attempts: list[int] = []

        def change(_: Artist) -> dict[str, Any]:
            attempts.append(1)
            if len(attempts) == 1:  # the retry reads alone
                both_read.wait()
            return values

        try:
            with Session(engine) as s:
                artist_writes.update_artist(s, artist_id, change)
                s.commit()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(v,)) for v in ({"popularity": 50}, {"follower_count": 9})
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    artist = _artist(session, artist_id)
    assert (artist.popularity, artist.follower_count, artist.version) == (50, 9, 3)
    assert status.get_status(session).write_conflicts == 1


async def test_catalog_job_needs_an_artist(engine: Engine, session: Session, settings: Settings) -> None:
    ctx = make_ctx(engine, settings, providers=FakeProviders())
    job = jobs.request(session, catalog.KIND, "artist:none", requested_by="admin:1", now=NOW)
    session.commit()
    assert (await executors.run_job(job.job_id, ctx)).error == "catalog job without artist_id"
