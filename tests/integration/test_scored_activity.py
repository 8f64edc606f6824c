"""Scoring a show's setlist writes a feed entry for each fan who called a played song, once."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, select

from setlist_app.domain.setlists import SCORED_KIND, PlayedSong, store_actual_setlist
from setlist_app.models import (
    Activity,
    Artist,
    ArtistSong,
    Prediction,
    PredictionSong,
    Show,
    Song,
    User,
    Venue,
    Vote,
)


def test_scoring_records_accurate_predictions_once(session: Session) -> None:
    artist = Artist(slug="a", name="A", normalized_name="a")
    venue = Venue(slug="v", name="V", city="C", country="X", country_code="XX", timezone="UTC")
    hit, miss = (
        Song(title="Hit Song", normalized_title="hit song"),
        Song(title="Other", normalized_title="other"),
    )
    right, wrong = User(email="r@x.test", name="Right"), User(email="w@x.test", name="Wrong")
    session.add_all([artist, venue, hit, miss, right, wrong])
    session.flush()
    show = Show(
        slug="s",
        artist_id=artist.id,
        venue_id=venue.id,
        name="S",
        status="completed",
        starts_at=datetime(2026, 11, 1, tzinfo=UTC),
        local_date=date(2026, 11, 1),
    )
    session.add_all(
        [
            show,
            ArtistSong(artist_id=artist.id, song_id=hit.id),
            ArtistSong(artist_id=artist.id, song_id=miss.id, position=1),
        ]
    )
    session.flush()
    prediction = Prediction(show_id=show.id)
    session.add(prediction)
    session.flush()
    ps_hit = PredictionSong(prediction_id=prediction.id, song_id=hit.id, vote_count=1)
    ps_miss = PredictionSong(prediction_id=prediction.id, song_id=miss.id, vote_count=1)
    session.add_all([ps_hit, ps_miss])
    session.flush()
    session.add_all(
        [
            Vote(prediction_song_id=ps_hit.id, show_id=show.id, voter=f"u:{right.id}", user_id=right.id),
            Vote(prediction_song_id=ps_miss.id, show_id=show.id, voter=f"u:{wrong.id}", user_id=wrong.id),
        ]
    )
    session.flush()

    played = [PlayedSong("Hit Song (Live)"), PlayedSong("Something New")]
    store_actual_setlist(session, show, played, setlistfm_id="abc")
    store_actual_setlist(session, show, played, setlistfm_id="abc")  # a re-import: no second entry
    session.commit()

    rows = session.exec(select(Activity).where(Activity.kind == SCORED_KIND)).all()
    assert [(r.user_id, r.show_id, r.data) for r in rows] == [
        (right.id, show.id, {"scored": 1, "correct": 1})
    ]
