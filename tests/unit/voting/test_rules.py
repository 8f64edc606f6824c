"""Voting rules (DESIGN.md §4) and their messages, on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.domain.voting_rules import AnonTally
from setlist_app.services import voting
from setlist_app.services.voting import VoteRejected
from tests.fixtures.voting import ANON, ANON2, make_show, signed_in_fan, vote_counts

USER = Viewer(user_id=None, anon_id=None)


def test_vote_toggle_counts_and_activity(db: Session) -> None:
    f = make_show(db)
    ps = f.prediction_song_ids[0]
    r = voting.set_vote(db, ANON, ps, True, show_id=f.show_id)
    db.commit()
    assert (r.voted, r.changed, r.vote_count) == (True, True, 1)
    assert voting.my_votes(db, ANON, f.show_id) == [ps]
    r = voting.set_vote(db, ANON, ps, False)
    db.commit()
    assert (r.voted, r.changed, r.vote_count) == (False, True, 0)
    songs, rows, total, activity = vote_counts(db, f.show_id)
    # The un-vote took its vote's feed entry back (coalescing: test_activity_coalescing.py).
    assert songs[ps] == 0 and rows == 0 and total == 0 and activity == 0


def test_repeated_requests_are_idempotent(db: Session) -> None:
    f = make_show(db)
    ps = f.prediction_song_ids[0]
    user = signed_in_fan(db)
    results = [voting.set_vote(db, user, ps, True) for _ in range(3)]
    db.commit()
    assert [r.changed for r in results] == [True, False, False]
    assert all(r.vote_count == 1 for r in results)
    assert [voting.set_vote(db, user, ps, False).changed for _ in range(2)] == [True, False]
    db.commit()
    songs, rows, total, activity = vote_counts(db, f.show_id)
    assert (songs[ps], rows, total, activity) == (0, 0, 0, 0)  # the un-vote took the vote's entry back


def test_anonymous_vote_limit_and_message(db: Session) -> None:
    f = make_show(db, seeded=4)
    a, b, c, _ = f.prediction_song_ids
    voting.set_vote(db, ANON, a, True)
    voting.set_vote(db, ANON, b, True)
    assert voting.allowance(db, ANON, f.show_id) == voting.Allowance(0, 2)
    with pytest.raises(VoteRejected) as exc:
        voting.set_vote(db, ANON, c, True)
    assert exc.value.code == "anon_vote_limit" and exc.value.needs_sign_in
    assert (
        exc.value.message == "You've used your 2 free votes for this show. Sign in to keep voting. It's free."
    )
    # Repeating a vote already cast at the limit is a no-op, not an error; unvoting frees a vote.
    assert voting.set_vote(db, ANON, a, True).changed is False
    voting.set_vote(db, ANON, a, False)
    assert voting.set_vote(db, ANON, c, True).changed
    # Another anonymous visitor has their own allowance.
    assert voting.set_vote(db, ANON2, c, True).vote_count == 2


def test_signed_in_users_have_no_show_limit(db: Session) -> None:
    f = make_show(db, seeded=5)
    user = signed_in_fan(db)
    for ps in f.prediction_song_ids:
        voting.set_vote(db, user, ps, True)
    assert voting.allowance(db, user, f.show_id) == voting.Allowance(None, None)
    assert len(voting.my_votes(db, user, f.show_id)) == 5


def test_no_identity_and_banned_are_refused(db: Session) -> None:
    f = make_show(db)
    with pytest.raises(VoteRejected) as exc:
        voting.set_vote(db, Viewer(), f.prediction_song_ids[0], True)  # forged/missing cookie
    assert exc.value.code == "no_identity"
    assert "Reload the page" in exc.value.message
    with pytest.raises(VoteRejected) as exc:
        voting.set_vote(db, Viewer(user_id=7, role="banned"), f.prediction_song_ids[0], True)
    assert exc.value.code == "banned"


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (
            "completed",
            "completed",
            "This show has already happened, so voting is closed. See how the fans did below.",
        ),
        ("cancelled", "cancelled", "This show was cancelled, so voting is closed."),
        ("postponed", "postponed", "This show was postponed. Voting reopens when it has a new date."),
    ],
)
def test_votes_and_adds_only_on_upcoming_shows(db: Session, status: str, code: str, message: str) -> None:
    f = make_show(db, status=status)
    for action in (
        lambda: voting.set_vote(db, ANON, f.prediction_song_ids[0], True),
        lambda: voting.set_vote(db, ANON, f.prediction_song_ids[0], False),
        lambda: voting.add_song(db, ANON, f.show_id, f.spare_song_ids[0]),
    ):
        with pytest.raises(VoteRejected) as exc:
            action()
        assert (exc.value.code, exc.value.message) == (code, message)
    assert voting.closed_reason(db, f.show_id) == message
    assert vote_counts(db, f.show_id)[1:] == (0, 0, 0)


def test_started_show_is_closed() -> None:
    now = datetime(2026, 5, 1, 20, tzinfo=UTC)
    voting.check_open("upcoming", now + timedelta(minutes=1), now)
    with pytest.raises(VoteRejected) as exc:
        voting.check_open("upcoming", now, now)
    assert exc.value.message == "Voting closed when the show started."


def test_anonymous_tally_refuses_past_the_limit_and_frees_on_unvote() -> None:
    tally = AnonTally({1, 2})
    assert tally.take(2, True, 2)  # a repeat vote on a counted song
    assert not tally.take(3, True, 2)
    assert tally.counted == {1, 2}
    assert tally.take(1, False, 2) and tally.take(3, True, 2)
    assert tally.counted == {2, 3}


def test_unknown_or_foreign_song_is_refused(db: Session) -> None:
    f = make_show(db, tag="a")
    g = make_show(db, tag="b")
    for ps, show in ((999_999, None), (g.prediction_song_ids[0], f.show_id)):
        with pytest.raises(VoteRejected) as exc:
            voting.set_vote(db, ANON, ps, True, show_id=show)
        assert exc.value.code == "unknown_song"


def test_add_song_casts_the_adders_vote(db: Session) -> None:
    f = make_show(db)
    song = f.spare_song_ids[0]
    r = voting.add_song(db, ANON, f.show_id, song)
    db.commit()
    assert r.added and r.vote.voted and r.vote.vote_count == 1
    assert r.prediction_song_id in voting.my_votes(db, ANON, f.show_id)
    kinds = [k for (k,) in db.execute(text("SELECT kind FROM activity"))]
    assert kinds == ["add_song"]  # one activity row per fan action
    # Adding it again (race with the picker) adds nothing and keeps the single vote.
    again = voting.add_song(db, ANON2, f.show_id, song)
    assert not again.added and again.prediction_song_id == r.prediction_song_id and again.vote.vote_count == 2
    pos = db.execute(text("SELECT position FROM prediction_songs WHERE id = :i"), {"i": r.prediction_song_id})
    assert pos.scalar_one() == 4  # after the 3 seeded songs


def test_add_limits_and_catalog(db: Session) -> None:
    f = make_show(db, spare=3)
    other = make_show(db, tag="z")
    with pytest.raises(VoteRejected) as exc:
        voting.add_song(db, ANON, f.show_id, other.spare_song_ids[0])
    assert exc.value.code == "not_in_catalog"
    voting.add_song(db, ANON, f.show_id, f.spare_song_ids[0])
    voting.add_song(db, ANON, f.show_id, f.spare_song_ids[1])
    # The adds' own votes do not use the free votes.
    assert voting.allowance(db, ANON, f.show_id) == voting.Allowance(2, 0)
    with pytest.raises(VoteRejected) as exc:
        voting.add_song(db, ANON, f.show_id, f.spare_song_ids[2])
    assert exc.value.code == "anon_add_limit"
    assert exc.value.message == "You've added 2 songs to this show. Sign in to add more. It's free."


def test_hidden_song_cannot_be_voted_or_re_added(db: Session) -> None:
    f = make_show(db)
    r = voting.add_song(db, ANON, f.show_id, f.spare_song_ids[0])
    db.execute(text("UPDATE prediction_songs SET hidden = true WHERE id = :i"), {"i": r.prediction_song_id})
    with pytest.raises(VoteRejected) as exc:
        voting.set_vote(db, ANON2, r.prediction_song_id, True)
    assert exc.value.code == "unknown_song"
    with pytest.raises(VoteRejected) as exc:
        voting.add_song(db, ANON2, f.show_id, f.spare_song_ids[0])
    assert exc.value.code == "removed"


def test_a_signed_in_fans_vote_counter_follows_votes_and_repeats_change_nothing(db: Session) -> None:
    f = make_show(db)
    a, b, _ = f.prediction_song_ids
    user = signed_in_fan(db)
    for psid, want in [(a, True), (a, True), (b, True), (a, False), (a, False)]:
        voting.set_vote(db, user, psid, want)
    voting.set_vote(db, ANON, a, True)  # anonymous votes have no user counter
    db.commit()
    assert _votes_cast(db) == 1


def _votes_cast(db: Session) -> int:
    return int(db.execute(text("SELECT votes_cast FROM users WHERE id = 1")).scalar_one())


def test_picker_catalog_lists_studio_songs(db: Session) -> None:
    f = make_show(db, seeded=2, spare=2)
    db.execute(text("UPDATE songs SET is_studio = false WHERE id = :i"), {"i": f.spare_song_ids[1]})
    titles = [s.title for s in voting.picker_catalog(db, f.show_id)]
    assert titles == ["Song a0", "Song a1", "Song a2"]
