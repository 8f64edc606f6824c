"""The demo crowd votes and adds songs through the real vote path, with its rules.

Proves: demo fans are clearly demo accounts; their actions are vote and add rows with activity,
counters moved by SQL and each change published live (the show's sequence number); they act only on
upcoming shows (a completed show is never chosen, and a vote on a show that closed is refused);
the per-voter rate limit stops them like any fan; nothing the crowd does creates a job.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from sqlalchemy import func, select, text, update
from sqlmodel import Session

from setlist_app.crowd import Crowd
from setlist_app.domain.setlists import PlayedSong, store_actual_setlist
from setlist_app.live import publisher
from setlist_app.models import Activity, Show, ShowStatus, SyncJob, User, Vote
from setlist_app.services import voting
from setlist_app.services.demo_crowd import DEMO_DOMAIN, DEMO_SUFFIX, crowd_shows, ensure_fans, perform
from setlist_app.services.profiles import leaderboard
from setlist_app.settings import Settings, get_settings
from tests.fixtures.voting import make_show, vote_counts


@pytest_asyncio.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushdb()  # the rate limiter's windows of an earlier test
    yield client
    await client.flushdb()
    await client.aclose()


def crowd_settings(**overrides: object) -> Settings:
    return get_settings().model_copy(update={"demo_crowd_fans": 3, "demo_crowd_shows": 3, **overrides})


async def test_crowd_acts_through_the_vote_path_on_upcoming_shows_only(
    session: Session, redis: Redis
) -> None:
    upcoming = make_show(session, seeded=4, spare=6, tag="a")
    closed = make_show(session, seeded=4, spare=2, tag="b", status=ShowStatus.COMPLETED, days=-2)
    crowd = Crowd(redis, crowd_settings(), random.Random(7))

    done = [await crowd.step() for _ in range(25)]

    assert all(a is not None and a.show_id == upcoming.show_id for a in done)
    session.expire_all()
    fans = session.scalars(select(User)).all()
    assert len(fans) == 3 and all(
        u.name.endswith(DEMO_SUFFIX) and str(u.email).endswith(f"@{DEMO_DOMAIN}") for u in fans
    )
    songs, rows, total, activity = vote_counts(session, upcoming.show_id)
    assert rows == total == sum(songs.values()) > 0  # counters moved with the rows
    assert session.scalar(select(func.count()).select_from(Vote).where(Vote.show_id == closed.show_id)) == 0
    kinds = dict(session.execute(select(Activity.kind, func.count()).group_by(Activity.kind)).all())
    adds = sum(1 for a in done if a is not None and a.song_id is not None)
    assert adds > 0 and kinds.get("add_song") == adds and activity == len(done)
    assert {u for (u,) in session.execute(select(Vote.user_id))} <= {u.id for u in fans}
    # Each change was announced to the live pushers after commit, as a browser vote is.
    assert int(await redis.get(publisher.seq_key(upcoming.show_id)) or 0) == len(done)
    assert session.scalar(select(func.count()).select_from(SyncJob)) == 0

    # Once the show is over and its setlist in, the leaderboard scores the demo fans like anyone.
    show = session.get(Show, upcoming.show_id)
    show.status = ShowStatus.COMPLETED
    played = session.execute(text("SELECT title FROM songs ORDER BY id")).scalars().all()
    store_actual_setlist(session, show, [PlayedSong(t) for t in played])
    session.commit()
    board = leaderboard(session)
    assert board and {row.user_id for row in board} <= {u.id for u in fans}


async def test_a_show_that_closed_refuses_the_crowd(session: Session, redis: Redis) -> None:
    show = make_show(session, seeded=3, spare=0)
    crowd = Crowd(redis, crowd_settings(), random.Random(1))
    action = await crowd.step()
    assert action is not None
    session.execute(update(Show).where(Show.id == show.show_id).values(status=ShowStatus.COMPLETED))
    session.commit()
    assert crowd_shows(session, 3) == [] and await crowd.step() is None  # never chosen again
    with pytest.raises(voting.VoteRejected) as refused:  # and a vote already chosen is refused
        perform(session, action)
    assert refused.value.code == "completed"
    session.rollback()
    assert vote_counts(session, show.show_id)[1] == 1


async def test_the_rate_limit_stops_a_demo_fan(session: Session, redis: Redis) -> None:
    show = make_show(session, seeded=6, spare=0)
    crowd = Crowd(redis, crowd_settings(demo_crowd_fans=1, vote_rate_per_minute=2), random.Random(3))
    results = [await crowd.step() for _ in range(4)]
    assert [r is not None for r in results] == [True, True, False, False]
    assert vote_counts(session, show.show_id)[1] == 2


def test_demo_fans_are_created_once(session: Session) -> None:
    first = ensure_fans(session, 14)
    session.commit()
    again = ensure_fans(session, 14)
    assert [v.user_id for v in first] == [v.user_id for v in again]
    names = session.execute(text("SELECT name FROM users ORDER BY id")).scalars().all()
    assert len(set(names)) == 14 and names[0] == "Mia (demo fan)" and names[12] == "Mia2 (demo fan)"
