"""`set_votes`: many votes in one transaction, each with its own outcome (on SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models import ShowStatus
from setlist_app.services import voting
from setlist_app.services.voting import VoteRejected, VoteRequest, VoteResult
from tests.fixtures.voting import ANON, ANON2, make_show, signed_in_fan, vote_counts


def _codes(outcomes: list[voting.VoteOutcome]) -> list[str]:
    return [o.code if isinstance(o, VoteRejected) else ("+" if o.changed else "=") for o in outcomes]


def test_a_refused_vote_leaves_the_rest_of_its_batch_stored(db: Session) -> None:
    f = make_show(db, seeded=4)
    closed = make_show(db, seeded=1, status=ShowStatus.COMPLETED, days=-2, tag="done")
    a, b, c, d = f.prediction_song_ids
    user = signed_in_fan(db)
    outcomes = voting.set_votes(
        db,
        [
            VoteRequest(ANON, a),
            VoteRequest(Viewer(), a),  # no identity
            VoteRequest(ANON, b),
            VoteRequest(user, closed.prediction_song_ids[0]),  # a completed show
            VoteRequest(ANON, c),  # the third free vote
            VoteRequest(user, a, show_id=closed.show_id),  # another show's song, via this page
            VoteRequest(ANON2, c),
            VoteRequest(user, d),
            VoteRequest(user, 999_999),  # gone
        ],
        with_allowance=True,
    )
    db.commit()
    assert _codes(outcomes) == [
        "+", "no_identity", "+", "completed", "anon_vote_limit", "unknown_song", "+", "+", "unknown_song",
    ]  # fmt: skip
    songs, rows, total, activity = vote_counts(db, f.show_id)
    assert (songs[a], songs[b], songs[c], songs[d]) == (1, 1, 1, 1)
    assert rows == total == activity == 4
    assert outcomes[0].allowance == voting.Allowance(0, 2)  # type: ignore[union-attr]
    assert outcomes[6].allowance == voting.Allowance(1, 2)  # type: ignore[union-attr]
    assert outcomes[7].allowance == voting.Allowance(None, None)  # type: ignore[union-attr]
    assert (
        db.execute(text("SELECT votes_cast FROM users WHERE id = :u"), {"u": user.user_id}).scalar_one() == 1
    )


def test_one_voters_requests_see_each_other_in_the_order_sent(db: Session) -> None:
    f = make_show(db, seeded=4)
    a, b, c, d = f.prediction_song_ids
    # An unvote frees a free vote for a later request; a repeat changes nothing; the third counted
    # vote is refused whatever its song id (d > c, b: sent order, not id order).
    outcomes = voting.set_votes(
        db,
        [
            VoteRequest(ANON, d),
            VoteRequest(ANON, b),
            VoteRequest(ANON, d, want=False),
            VoteRequest(ANON, c),
            VoteRequest(ANON, c),
            VoteRequest(ANON, a),
        ],
        with_allowance=True,
    )
    db.commit()
    assert _codes(outcomes) == ["+", "+", "+", "+", "=", "anon_vote_limit"]
    assert [o.voted for o in outcomes if isinstance(o, VoteResult)] == [True, True, False, True, True]
    assert sorted(voting.my_votes(db, ANON, f.show_id)) == sorted([b, c])
    songs, rows, total, activity = vote_counts(db, f.show_id)
    assert (songs[a], songs[b], songs[c], songs[d], rows, total) == (0, 1, 1, 0, 2, 2)
    # vote b, vote c: d's vote and un-vote cancel out in the feed; the repeat and the refusal wrote nothing
    assert activity == 2
    # Every result carries the song's count with the whole batch applied.
    assert outcomes[0].vote_count == 0 and outcomes[3].vote_count == 1  # type: ignore[union-attr]
    assert outcomes[-2].allowance == voting.Allowance(0, 2)  # type: ignore[union-attr]


def test_many_voters_on_one_song_move_its_counter_once(db: Session) -> None:
    f = make_show(db, seeded=2)
    a, b = f.prediction_song_ids
    voters = [Viewer(anon_id=f"crowd-{i}") for i in range(30)]
    updates: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE PREDICTION_SONGS SET VOTE_COUNT = VOTE_COUNT"):
            updates.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        outcomes = voting.set_votes(
            db, [VoteRequest(v, a, show_id=f.show_id) for v in voters] + [VoteRequest(ANON, b)]
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    db.commit()
    assert len(updates) == 2  # one counter update per song for 31 votes
    assert all(isinstance(o, VoteResult) and o.changed and o.vote_count == 30 for o in outcomes[:30])
    songs, rows, total, _ = vote_counts(db, f.show_id)
    assert (songs[a], songs[b], rows, total) == (30, 1, 31, 31)
    # Unvoting half of them in the next batch.
    voting.set_votes(db, [VoteRequest(v, a, want=False) for v in voters[:15]])
    db.commit()
    songs, rows, total, _ = vote_counts(db, f.show_id)
    assert (songs[a], rows, total) == (15, 16, 16)
