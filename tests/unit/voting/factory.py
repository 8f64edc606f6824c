"""Minimal catalog for voting tests, built through the models (no demo data needed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from setlist_app.domain.predictions import seed_prediction
from setlist_app.models import (
    Artist,
    ArtistSong,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    Song,
    Venue,
    utcnow,
)


@dataclass
class VotingFixture:
    show_id: int
    artist_id: int
    prediction_song_ids: list[int]
    spare_song_ids: list[int]  # in the catalog, not yet in the prediction


def make_show(
    session: Session,
    *,
    seeded: int = 3,
    spare: int = 3,
    status: str = ShowStatus.UPCOMING,
    days: int = 30,
    tag: str = "a",
) -> VotingFixture:
    """An artist with `seeded + spare` studio songs and a show whose prediction holds `seeded`."""
    artist = Artist(slug=f"artist-{tag}", name=f"Artist {tag}", normalized_name=f"artist {tag}")
    venue = Venue(
        slug=f"venue-{tag}",
        name="Hall",
        city="Town",
        country="UK",
        country_code="GB",
        timezone="Europe/London",
    )
    session.add_all([artist, venue])
    session.flush()
    starts = utcnow() + timedelta(days=days)
    show = Show(
        slug=f"show-{tag}",
        artist_id=artist.id,
        venue_id=venue.id,
        name=f"Artist {tag} live",
        starts_at=starts,
        local_date=date(starts.year, starts.month, starts.day),
        status=status,
    )
    songs = [
        Song(title=f"Song {tag}{i}", normalized_title=f"song {tag}{i}", album="Album")
        for i in range(seeded + spare)
    ]
    session.add(show)
    session.add_all(songs)
    session.flush()
    session.add_all(
        ArtistSong(artist_id=artist.id, song_id=s.id, position=i)
        for i, s in enumerate(songs)  # type: ignore[arg-type]
    )
    session.flush()
    seed_prediction(session, show.id, [s.id for s in songs[:seeded]])  # type: ignore[arg-type, misc]
    session.commit()
    ps_ids = [
        ps.id
        for ps in session.exec(
            select(PredictionSong)
            .join(Prediction, Prediction.id == PredictionSong.prediction_id)
            .where(Prediction.show_id == show.id)
            .order_by(PredictionSong.position)
        )
    ]
    return VotingFixture(
        show_id=show.id,  # type: ignore[arg-type]
        artist_id=artist.id,  # type: ignore[arg-type]
        prediction_song_ids=ps_ids,  # type: ignore[arg-type]
        spare_song_ids=[s.id for s in songs[seeded:]],  # type: ignore[misc]
    )
