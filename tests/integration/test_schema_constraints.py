"""The unique constraints the voting and sync rules rely on hold in the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from setlist_app.models import Artist, Prediction, PredictionSong, Show, Song, SyncJob, Venue, Vote


def _show(session: Session) -> Show:
    artist = Artist(slug="a", name="A", normalized_name="a", spotify_id="sp1", ticketmaster_id="tm1")
    venue = Venue(slug="v", name="V", city="C", country="X", country_code="XX", timezone="UTC")
    session.add_all([artist, venue])
    session.flush()
    show = Show(
        slug="s",
        artist_id=artist.id,
        venue_id=venue.id,
        name="S",
        starts_at=datetime(2027, 1, 1, tzinfo=UTC),
        local_date=date(2027, 1, 1),
    )
    session.add(show)
    session.flush()
    return show


def _expect_conflict(session: Session, *rows: object) -> None:
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add_all(rows)
        session.flush()


def test_one_vote_per_voter_per_prediction_song(session: Session) -> None:
    show = _show(session)
    song = Song(title="T", normalized_title="t")
    prediction = Prediction(show_id=show.id)
    session.add_all([song, prediction])
    session.flush()
    ps = PredictionSong(prediction_id=prediction.id, song_id=song.id)
    session.add(ps)
    session.flush()
    session.add(Vote(prediction_song_id=ps.id, show_id=show.id, voter="a:x"))
    session.flush()
    _expect_conflict(session, Vote(prediction_song_id=ps.id, show_id=show.id, voter="a:x"))
    _expect_conflict(session, PredictionSong(prediction_id=prediction.id, song_id=song.id))
    _expect_conflict(session, Prediction(show_id=show.id))


def test_provider_ids_are_unique(session: Session) -> None:
    _show(session)
    _expect_conflict(session, Artist(slug="b", name="B", normalized_name="b", spotify_id="sp1"))
    _expect_conflict(session, Artist(slug="c", name="C", normalized_name="c", ticketmaster_id="tm1"))
    _expect_conflict(
        session,
        Song(title="T", normalized_title="t", spotify_id="x"),
        Song(title="U", normalized_title="u", spotify_id="x"),
    )


def test_single_flight_index_allows_one_active_job_per_kind_and_key(session: Session) -> None:
    session.add(SyncJob(kind="catalog", key="artist:1", requested_by="test"))
    session.flush()
    _expect_conflict(session, SyncJob(kind="catalog", key="artist:1", requested_by="test", status="running"))
    # Finished jobs do not block a new one.
    session.add(SyncJob(kind="catalog", key="artist:2", requested_by="test", status="succeeded"))
    session.add(SyncJob(kind="catalog", key="artist:2", requested_by="test", status="failed"))
    session.add(SyncJob(kind="catalog", key="artist:2", requested_by="test"))
    session.flush()
