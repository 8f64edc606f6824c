"""Voting under concurrency on real Postgres: counts always equal rows, limits hold, repeats are no-ops."""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.services import voting
from setlist_app.services.voting import VoteRejected
from tests.fixtures.voting import make_show, signed_in_fans


def _in_tx(engine: Engine, fn: Callable[[Session], Any]) -> Any:
    """One action = one transaction, like the app's `run_db`; a rejection rolls back."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            result = fn(session)
            session.commit()
            return result
        except VoteRejected as exc:
            session.rollback()
            return exc


def _assert_consistent(session: Session, show_id: int) -> int:
    mismatches = session.execute(
        text(
            "SELECT ps.id, ps.vote_count, count(v.id) FROM prediction_songs ps"
            " LEFT JOIN votes v ON v.prediction_song_id = ps.id GROUP BY ps.id, ps.vote_count"
            " HAVING ps.vote_count <> count(v.id)"
        )
    ).all()
    assert mismatches == []
    rows = session.execute(text("SELECT count(*) FROM votes WHERE show_id = :s"), {"s": show_id}).scalar_one()
    total = session.execute(text("SELECT vote_count FROM shows WHERE id = :s"), {"s": show_id}).scalar_one()
    assert total == rows
    return int(rows)


def _assert_feed_matches_votes(session: Session) -> None:
    """Toggles within the hour coalesce: exactly one "voted for" entry per standing vote, no others."""
    entries = session.execute(
        text(
            "SELECT coalesce('u:' || user_id, 'a:' || anon_id), show_id, song_id, kind FROM activity"
            " WHERE kind IN ('vote', 'unvote')"
        )
    ).all()
    votes = session.execute(
        text(
            "SELECT v.voter, v.show_id, ps.song_id, 'vote' FROM votes v"
            " JOIN prediction_songs ps ON ps.id = v.prediction_song_id"
        )
    ).all()
    assert sorted(map(tuple, entries)) == sorted(map(tuple, votes))


def test_fifty_voters_hammering_twenty_songs(engine: Engine, session: Session) -> None:
    f = make_show(session, seeded=20, spare=0)
    users = signed_in_fans(session, 50)
    songs = f.prediction_song_ids

    def voter(user: Viewer) -> int:
        rng = random.Random(user.user_id)
        changed = 0
        for _ in range(20):
            ps, want = rng.choice(songs), rng.random() < 0.6
            r = _in_tx(engine, lambda s, ps=ps, want=want: voting.set_vote(s, user, ps, want))
            changed += int(r.changed)
        return changed

    with ThreadPoolExecutor(max_workers=50) as pool:
        changes = sum(pool.map(voter, users))
    session.expire_all()
    rows = _assert_consistent(session, f.show_id)
    _assert_feed_matches_votes(session)
    assert rows > 0 and changes > rows


def test_identical_concurrent_requests_are_idempotent(engine: Engine, session: Session) -> None:
    f = make_show(session)
    (user,) = signed_in_fans(session, 1)
    ps = f.prediction_song_ids[0]
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(lambda _: _in_tx(engine, lambda s: voting.set_vote(s, user, ps, True)), range(20))
        )
    assert sum(r.changed for r in results) == 1
    assert {r.vote_count for r in results if r.changed} == {1}
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(lambda _: _in_tx(engine, lambda s: voting.set_vote(s, user, ps, False)), range(20))
        )
    assert sum(r.changed for r in results) == 1
    session.expire_all()
    assert _assert_consistent(session, f.show_id) == 0
    assert session.execute(text("SELECT count(*) FROM activity")).scalar_one() == 0  # taken back


def test_anonymous_limits_hold_under_concurrency(engine: Engine, session: Session) -> None:
    f = make_show(session, seeded=12, spare=8)
    anon = Viewer(anon_id="hammer")
    with ThreadPoolExecutor(max_workers=12) as pool:
        votes = list(
            pool.map(
                lambda ps: _in_tx(engine, lambda s: voting.set_vote(s, anon, ps, True)), f.prediction_song_ids
            )
        )
    with ThreadPoolExecutor(max_workers=8) as pool:
        adds = list(
            pool.map(
                lambda song: _in_tx(engine, lambda s: voting.add_song(s, anon, f.show_id, song)),
                f.spare_song_ids,
            )
        )
    assert sum(isinstance(r, voting.VoteResult) for r in votes) == 2
    assert {r.code for r in votes if isinstance(r, VoteRejected)} == {"anon_vote_limit"}
    assert sum(isinstance(r, voting.AddResult) for r in adds) == 2
    assert {r.code for r in adds if isinstance(r, VoteRejected)} == {"anon_add_limit"}
    session.expire_all()
    assert _assert_consistent(session, f.show_id) == 4  # 2 votes + the 2 adders' votes
    assert voting.allowance(session, anon, f.show_id) == voting.Allowance(0, 0)


def test_concurrent_batches_keep_counts_limits_and_never_deadlock(engine: Engine, session: Session) -> None:
    """Four vote lanes' group commits at once: mixed voters, two shows, random toggles, repeats."""
    shows = [make_show(session, seeded=8, spare=0, tag=t) for t in ("x", "y")]
    viewers = signed_in_fans(session, 6) + [Viewer(anon_id=f"crowd-{i}") for i in range(12)]
    songs = [(f.show_id, ps) for f in shows for ps in f.prediction_song_ids]

    def lane(seed: int) -> list[voting.VoteOutcome]:
        rng = random.Random(seed)
        outcomes: list[voting.VoteOutcome] = []
        for _ in range(25):
            batch = []
            for _ in range(rng.randint(1, 20)):
                show_id, ps = rng.choice(songs)
                batch.append(voting.VoteRequest(rng.choice(viewers), ps, rng.random() < 0.7, show_id))
            outcomes += _in_tx(engine, lambda s, batch=batch: voting.set_votes(s, batch, with_allowance=True))
        return outcomes

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = [o for lane_outcomes in pool.map(lane, range(4)) for o in lane_outcomes]
    assert {o.code for o in outcomes if isinstance(o, VoteRejected)} <= {"anon_vote_limit"}
    assert sum(isinstance(o, voting.VoteResult) and o.changed for o in outcomes) > 100
    session.expire_all()
    assert all(_assert_consistent(session, f.show_id) > 0 for f in shows)
    per_voter = session.execute(
        text("SELECT voter, show_id, count(*) FROM votes GROUP BY voter, show_id")
    ).all()
    assert max(n for voter, _, n in per_voter if voter.startswith("a:")) <= 2  # the free votes
    drift = session.execute(
        text(
            "SELECT u.id FROM users u LEFT JOIN votes v ON v.user_id = u.id"
            " GROUP BY u.id, u.votes_cast HAVING u.votes_cast <> count(v.id)"
        )
    ).all()
    assert drift == []
    _assert_feed_matches_votes(session)
