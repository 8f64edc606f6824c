"""Database-only crons (show status, trending, engagement, retention), scoring on tricky titles, and
the setlist.fm quota over a simulated day."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.domain.setlists import PlayedSong, store_actual_setlist
from setlist_app.domain.trending import update_artist_trending, update_show_trending
from setlist_app.models import (
    Activity,
    ActualSetlistSong,
    Artist,
    ArtistSong,
    CronRun,
    ErrorLog,
    Follow,
    Prediction,
    PredictionSong,
    Show,
    Song,
    SyncJob,
    User,
    Vote,
    WriteConflict,
)
from setlist_app.providers import request_counter
from setlist_app.providers.models import Setlist
from setlist_app.settings import Settings, get_settings
from setlist_app.sync import engagement, executors, retention, setlist_import, show_status
from setlist_app.sync.context import SyncContext
from setlist_app.sync.planners import PlanContext
from tests.fixtures.clock import NOW, FakeClock
from tests.integration.sync.helpers import add_artists


def _venue_show(session: Session, artist_id: int, tz: str, day: date, n: int) -> Show:
    from setlist_app.models import Venue

    venue = Venue(slug=f"v{n}", name=f"V{n}", city="C", country="X", country_code="XX", timezone=tz)
    session.add(venue)
    session.flush()
    show = Show(slug=f"s{n}", artist_id=artist_id, venue_id=venue.id, name="S", starts_at=NOW, local_date=day)
    session.add(show)
    session.commit()
    return show


def test_shows_complete_after_their_local_date(engine: Engine, session: Session) -> None:
    [artist_id] = add_artists(session, 1)
    # Noon UTC is already tomorrow in Auckland, still today in Honolulu.
    auckland = _venue_show(session, artist_id, "Pacific/Auckland", NOW.date(), 1)
    honolulu = _venue_show(session, artist_id, "Pacific/Honolulu", NOW.date(), 2)
    assert show_status.complete_past_shows(session, NOW) == 1
    session.commit()
    session.expire_all()
    assert session.get(Show, auckland.id).status == "completed"
    assert session.get(Show, auckland.id).import_next_at == NOW
    assert session.get(Show, honolulu.id).status == "upcoming"
    assert show_status.complete_past_shows(session, NOW + timedelta(hours=24)) == 1


def _prediction_song(session: Session, show: Show, title: str, source: str = "seed") -> PredictionSong:
    song = Song(title=title, normalized_title=title.lower())
    session.add(song)
    session.flush()
    session.add(ArtistSong(artist_id=show.artist_id, song_id=song.id, position=song.id))
    prediction = session.scalars(select(Prediction).where(Prediction.show_id == show.id)).first()
    if prediction is None:
        prediction = Prediction(show_id=show.id, status="seeded")
        session.add(prediction)
        session.flush()
    ps = PredictionSong(prediction_id=prediction.id, song_id=song.id, source=source, position=song.id)
    session.add(ps)
    session.flush()
    return ps


def test_trending_and_engagement_are_set_based_and_idempotent(engine: Engine, session: Session) -> None:
    a, b, c = add_artists(session, 3)
    show_a = _venue_show(session, a, "UTC", (NOW + timedelta(days=6)).date(), 1)
    show_b = _venue_show(session, b, "UTC", (NOW + timedelta(days=90)).date(), 2)
    for show in (show_a, show_b):
        session.execute(
            update(Show)
            .where(Show.id == show.id)
            .values(starts_at=NOW + timedelta(days=6 if show is show_a else 90))
        )
    session.add_all([User(id=1), User(id=2), User(id=3)])
    session.flush()
    ps_a = _prediction_song(session, show_a, "Song A", source="fan")
    ps_b = _prediction_song(session, show_b, "Song B")
    for user in (1, 2, 3):
        session.add(
            Vote(
                prediction_song_id=ps_b.id,
                show_id=show_b.id,
                voter=f"u:{user}",
                user_id=user,
                created_at=NOW - timedelta(hours=2),
            )
        )
    session.add(
        Vote(
            prediction_song_id=ps_a.id,
            show_id=show_a.id,
            voter="u:1",
            user_id=1,
            created_at=NOW - timedelta(days=3),
        )
    )
    session.add(Follow(user_id=1, artist_id=c, created_at=NOW - timedelta(days=1)))
    session.commit()

    counts = engagement.reconcile(session, NOW)
    assert (counts.upcoming_show_counts, counts.follower_counts) == (2, 1)
    assert (counts.show_vote_counts, counts.song_vote_counts) == (2, 2)  # drift: counters were 0
    assert counts.user_vote_counts == 3  # the three fans' own counters, likewise
    session.commit()
    assert [session.get(User, i).votes_cast for i in (1, 2, 3)] == [2, 1, 1]
    assert engagement.reconcile(session, NOW) == engagement.EngagementResult(0, 0, 0, 0, 0)

    update_artist_trending(session, NOW)
    update_show_trending(session, NOW)
    session.commit()
    session.expire_all()
    score = {i: session.get(Artist, i).trending_score for i in (a, b, c)}
    # b: 3 recent votes x2 + 0.5 base; a: 1 vote + a fan add (3) + 0.5; c: a follow (5).
    assert score == {a: 4.5, b: 6.5, c: 5.0}
    assert [session.get(Artist, i).trending_rank for i in (b, c, a)] == [1, 2, 3]
    # Shows: b has 3 recent votes (6); a has 1 vote, a fan add and is within two weeks (1 + 3 + 2).
    assert [session.get(Show, i).trending_score for i in (show_a.id, show_b.id)] == [6.0, 6.0]
    assert [session.get(Show, i).trending_rank for i in (show_a.id, show_b.id)] == [1, 2]  # sooner first
    again = update_artist_trending(session, NOW), update_show_trending(session, NOW)
    assert all(r.scores_changed == r.ranks_changed == 0 for r in again)

    # A show with vote activity in the last minutes is left alone (a vote may be in flight).
    session.execute(update(Show).where(Show.id == show_b.id).values(vote_count=99))
    session.add(Activity(kind="vote", show_id=show_b.id, created_at=NOW - timedelta(minutes=1)))
    session.commit()
    assert engagement.reconcile(session, NOW).show_vote_counts == 0
    assert engagement.reconcile(session, NOW + timedelta(minutes=10)).show_vote_counts == 1


def test_retention_deletes_old_finished_rows_only(engine: Engine, session: Session) -> None:
    old = NOW - timedelta(days=40)
    for i, state in enumerate(("succeeded", "failed", "pending")):
        session.add(
            SyncJob(
                kind="k", key=str(i), status=state, requested_by="planner:x", created_at=old, run_after=old
            )
        )
    session.add(SyncJob(kind="k", key="new", status="succeeded", requested_by="planner:x", created_at=NOW))
    session.add_all([CronRun(name="x", started_at=old), CronRun(name="x", started_at=NOW)])
    session.add_all(
        [
            ErrorLog(source="x", message="m", created_at=NOW - timedelta(days=90)),
            ErrorLog(source="x", message="m"),
        ]
    )
    session.add_all([WriteConflict(at=old), WriteConflict(at=NOW)])
    session.commit()
    assert retention.cleanup(session, NOW) == {
        "sync_jobs": 2,
        "cron_runs": 1,
        "error_log": 1,
        "write_conflicts": 1,
    }
    session.commit()
    assert sorted(session.scalars(select(SyncJob.key))) == ["2", "new"]  # a pending job is never deleted


def test_tricky_titles_accuracy_and_voter_stats(engine: Engine, session: Session) -> None:
    [artist_id] = add_artists(session, 1)
    show = _venue_show(session, artist_id, "UTC", (NOW - timedelta(days=30)).date(), 1)
    titles = ["Don't Stop Me Now", "Rock & Roll", "Mr. Brightside", "Paranoid Android", "Karma Police"]
    ps = {t: _prediction_song(session, show, t) for t in titles}
    for row in session.scalars(select(Song)):  # the catalog keys are the normalised titles
        from setlist_app.domain.titles import normalize_title

        row.normalized_title = normalize_title(row.title)
    session.add_all([User(id=1), User(id=2)])
    session.flush()
    votes = {1: ["Don't Stop Me Now", "Karma Police"], 2: ["Karma Police"]}
    for user, picks in votes.items():
        for t in picks:
            session.add(Vote(prediction_song_id=ps[t].id, show_id=show.id, voter=f"u:{user}", user_id=user))
            ps[t].vote_count += 1
    session.commit()
    played = [
        PlayedSong("Intro", tape=True),
        PlayedSong("dont stop me now (Live)"),
        PlayedSong("Rock and Roll - Remastered 2011"),
        PlayedSong("Mr Brightside", encore=1),
        PlayedSong("Paranoid Androd"),  # a typo on setlist.fm
        PlayedSong("A Song Not In The Catalog"),
        PlayedSong("Heroes", cover_artist="David Bowie"),
    ]
    setlist = store_actual_setlist(session, show, played)
    session.commit()
    rows = session.scalars(select(ActualSetlistSong).order_by(ActualSetlistSong.position)).all()
    titled = {s.id: s.title for s in session.scalars(select(Song))}
    assert [titled.get(r.song_id) for r in rows] == [None, *titles[:4], None, None]
    # All five songs were seeded; fans voted for two of them (only one of those was played).
    assert [r.was_predicted for r in rows] == [False, True, False, False, False, False, False]
    assert [r.was_seeded for r in rows] == [False, True, True, True, True, False, False]
    assert (
        rows[0].is_tape
        and rows[3].encore == 1
        and rows[6].is_cover
        and rows[5].title == "A Song Not In The Catalog"
    )
    assert (setlist.song_count, setlist.matched_count) == (6, 4)
    assert (setlist.fan_picks, setlist.predicted_count, setlist.accuracy) == (2, 1, 16.7)
    assert (setlist.seed_picks, setlist.seed_hits, setlist.seed_accuracy) == (5, 4, 66.7)
    users = {
        u.id: (u.scored_votes, u.correct_votes, u.current_streak, u.best_streak)
        for u in session.scalars(select(User))
    }
    assert users == {1: (2, 1, 1, 1), 2: (1, 0, 0, 0)}

    # A corrected setlist (Karma Police was played after all) moves the stats by the difference only.
    store_actual_setlist(session, show, [*played, PlayedSong("Karma Police")])
    session.commit()
    session.expire_all()
    users = {u.id: (u.scored_votes, u.correct_votes, u.current_streak) for u in session.scalars(select(User))}
    assert users == {1: (2, 2, 1), 2: (1, 1, 0)}


class _CountingSetlistFm:
    """setlist.fm stand-in: nothing is ever found; counts calls, in the budget too (as the real
    client's request hook does for each HTTP request)."""

    def __init__(self, clock: FakeClock, redis: Redis) -> None:
        self.calls = 0
        self.clock = clock
        self.redis = redis
        self.per_day: Counter[date] = Counter()

    async def setlists_for(self, mbid: str, on: date) -> list[Setlist]:
        self.calls += 1
        self.per_day[self.clock().date()] += 1
        await request_counter.count_provider_call(self.redis, "setlistfm", self.clock())
        return [Setlist(id="x", event_date=on, songs=[])] if self.calls % 2 else []

    async def artist_setlists(self, mbid: str, page: int = 1) -> Any:
        raise AssertionError("not used")


class _Providers:
    def __init__(self, clock: FakeClock, redis: Redis) -> None:
        self.setlistfm = _CountingSetlistFm(clock, redis)


@pytest.mark.slow  # a simulated day of crons
async def test_setlistfm_quota_respected_over_a_simulated_day(
    clock: FakeClock,
    engine: Engine,
    session: Session,
    settings: Settings,
    aredis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More completed shows want a setlist than one day's budget allows: the planners never promise
    more calls than the budget (calls made today + jobs queued), most recent shows first."""
    monkeypatch.setenv("IMPORT_MAX_AGE_DAYS", "5000")
    # Scaled down 10x to keep the suite fast (1,300 of 1,440 in production): the same planner code.
    monkeypatch.setenv("SETLISTFM_DAILY_BUDGET", "130")
    get_settings.cache_clear()
    [artist_id] = add_artists(session, 1)
    session.execute(update(Artist).values(mbid="mb-1", catalog_status="empty"))
    venue_show = _venue_show(session, artist_id, "UTC", (NOW - timedelta(days=2000)).date(), 0)
    rows = [
        {
            "slug": f"p{i}",
            "artist_id": artist_id,
            "venue_id": venue_show.venue_id,
            "name": "S",
            "starts_at": NOW - timedelta(days=i),
            "local_date": (NOW - timedelta(days=i)).date(),
            "status": "completed",
            "import_status": "pending",
            "import_attempts": 0,
            "vote_count": 0,
            "trending_score": 0.0,
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(1, 161)
    ]
    session.execute(update(Show).values(status="cancelled"))
    for i in range(0, len(rows), 400):
        session.execute(insert(Show.__table__), rows[i : i + 400])
    session.commit()
    providers = _Providers(clock, aredis)
    ctx = SyncContext(settings=settings, engine=engine, redis=aredis, providers=providers, clock=clock)
    runs = 0
    while clock() < NOW + timedelta(hours=23, minutes=59):
        with ctx.session() as s:
            await setlist_import.plan_setlist_import(PlanContext("setlist_import", s, clock(), 200, ctx))
            s.commit()
        await executors.run_due(ctx, limit=500)
        runs += 1
        clock.advance(minutes=15)
    # The budget is per UTC day: the simulated 24 h span two days, each capped at the budget.
    assert providers.setlistfm.per_day[NOW.date()] == 130
    assert max(providers.setlistfm.per_day.values()) == 130 and providers.setlistfm.calls > 130
    # Most recent first: the newest shows were tried, the oldest still wait for tomorrow's budget.
    tried = session.scalars(select(Show.starts_at).where(Show.import_attempts > 0)).all()
    untried = session.scalars(
        select(Show.starts_at).where(Show.import_attempts == 0, Show.slug != "s0")
    ).all()
    assert min(tried) > max(untried)
    assert session.scalar(select(func.count()).select_from(SyncJob).where(SyncJob.status != "succeeded")) == 0
