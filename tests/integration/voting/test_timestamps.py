"""Timestamps written by raw SQL (votes, fan adds, predictions, follows) compare like the typed
column on both backends: on SQLite, where a timestamp is text, an untyped bind stored
'… 12:00:00+00:00' where the column stores '… 12:00:00.000000', so the row fell outside
`created_at >= <that moment>` and trending dropped it at its window's edge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session

from setlist_app.domain.trending import RECENT, WINDOW, update_artist_trending, update_show_trending
from setlist_app.models import Artist, Follow, Prediction, PredictionSong, Show, Vote
from setlist_app.services import follows, voting
from tests.fixtures.clock import NOW, FakeClock
from tests.fixtures.voting import make_show, signed_in_fans


def test_raw_sql_timestamps_compare_like_typed_ones(session: Session, clock: FakeClock) -> None:
    clock.t = NOW - timedelta(hours=1)  # the catalog and fans exist; the actions happen at NOW
    f = make_show(session, seeded=1, spare=1)
    bare = make_show(session, seeded=0, spare=1, tag="b")  # its prediction is created by the add
    session.execute(delete(Prediction).where(Prediction.show_id == bare.show_id))
    session.commit()
    fan, adder, follower = signed_in_fans(session, 3)
    clock.t = NOW
    voting.set_vote(session, fan, f.prediction_song_ids[0], True)
    voting.add_song(session, adder, f.show_id, f.spare_song_ids[0])
    voting.add_song(session, adder, bare.show_id, bare.spare_song_ids[0])
    follows.set_follow(session, follower.user_id, f.artist_id, True)
    session.commit()

    written_now = {
        table.__name__: session.scalar(select(func.count()).select_from(table).where(table.created_at >= NOW))
        for table in (Vote, PredictionSong, Prediction, Follow)
    }
    assert written_now == {"Vote": 3, "PredictionSong": 2, "Prediction": 1, "Follow": 1}

    # At the edge of trending's windows: a vote exactly a day old still counts double (2), a fan
    # add counts 3 (with the adder's vote); a follow exactly a week old still counts 5.
    update_show_trending(session, NOW + RECENT)
    update_artist_trending(session, NOW + WINDOW)
    session.commit()
    session.expire_all()
    assert session.get(Show, f.show_id).trending_score == 2 + 3 + 2
    assert session.get(Artist, f.artist_id).trending_score == 1 + 3 + 1 + 5
