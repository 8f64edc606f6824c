"""The feed coalesces vote toggles: one entry per voter, song and show within an hour.

The bug: vote, un-vote and re-vote showed "A fan voted for X" twice.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session

from setlist_app.services import activity_feed, voting
from setlist_app.services.voting import VoteRequest
from tests.fixtures.clock import NOW, FakeClock
from tests.fixtures.voting import ANON, make_show, signed_in_fans


def _entries(session: Session) -> list[tuple[str, str]]:
    return [(item.verb, item.subject) for item in activity_feed.feed(session)]


def _kinds(session: Session) -> list[str]:
    return list(session.execute(text("SELECT kind FROM activity ORDER BY id")).scalars())


def test_vote_unvote_revote_is_one_entry(session: Session, clock: FakeClock) -> None:
    clock.t = NOW
    f = make_show(session, seeded=2)
    [fan] = signed_in_fans(session, 1)
    song = f.prediction_song_ids[0]
    for viewer in (ANON, fan):
        for want in (True, False, True):
            clock.t += timedelta(minutes=5)
            voting.set_vote(session, viewer, song, want)
            session.commit()
    title = _entries(session)[0][1]
    assert _entries(session) == [("voted for", title), ("voted for", title)]  # one per voter
    assert _kinds(session) == ["vote", "vote"]

    clock.t += timedelta(minutes=5)
    voting.set_vote(session, fan, song, False)  # taken back within the hour: the entry goes
    session.commit()
    assert _entries(session) == [("voted for", title)]


def test_toggles_an_hour_apart_stay_separate(session: Session, clock: FakeClock) -> None:
    clock.t = NOW
    f = make_show(session, seeded=1)
    song = f.prediction_song_ids[0]
    voting.set_vote(session, ANON, song, True)
    session.commit()
    clock.t += timedelta(minutes=61)
    voting.set_vote(session, ANON, song, False)  # the old entry stays; the un-vote is recorded
    clock.t += timedelta(minutes=1)
    voting.set_vote(session, ANON, song, True)
    session.commit()
    assert _kinds(session) == ["vote", "unvote", "vote"]
    assert len(_entries(session)) == 2


def test_a_toggle_within_one_batch_writes_nothing(session: Session, clock: FakeClock) -> None:
    clock.t = NOW
    f = make_show(session, seeded=2)
    a, b = f.prediction_song_ids
    outcomes = voting.set_votes(
        session, [VoteRequest(ANON, a), VoteRequest(ANON, a, want=False), VoteRequest(ANON, b)]
    )
    session.commit()
    assert [o.changed for o in outcomes] == [True, True, True]  # type: ignore[union-attr]
    assert len(_entries(session)) == 1 and _kinds(session) == ["vote"]
