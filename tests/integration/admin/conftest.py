"""Fixtures for the admin service tests: two admins, fans, and a show with a fan-added song."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models import Artist, Show, Venue
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import ArtistSong, Song
from setlist_app.models.users import User
from setlist_app.services import voting


@dataclass
class People:
    admin: Viewer
    admin2: Viewer
    fan: Viewer
    fan2: Viewer


def _user(session: Session, name: str, role: str) -> Viewer:
    user = User(email=f"{name}@setlist.test", name=name.title(), role=role)
    session.add(user)
    session.flush()
    return Viewer(user_id=user.id, role=role, name=user.name)


@pytest.fixture
def people(session: Session) -> People:
    p = People(
        admin=_user(session, "ada", "admin"),
        admin2=_user(session, "grace", "admin"),
        fan=_user(session, "sam", "user"),
        fan2=_user(session, "riley", "user"),
    )
    session.commit()
    return p


@dataclass
class FanPick:
    show_id: int
    artist_id: int
    prediction_song_id: int


@pytest.fixture
def fan_pick(session: Session, people: People) -> FanPick:
    """An upcoming show whose prediction has one fan-added song with two votes."""
    artist = Artist(slug="band", name="The Band", normalized_name="the band", spotify_id="spband")
    venue = Venue(slug="hall", name="Hall", city="City", country="US", country_code="US", timezone="UTC")
    song = Song(title="Hit", normalized_title="hit")
    session.add_all([artist, venue, song])
    session.flush()
    session.add(ArtistSong(artist_id=artist.id, song_id=song.id))
    starts = utcnow() + timedelta(days=10)
    show = Show(
        slug="band-hall",
        artist_id=artist.id,
        venue_id=venue.id,
        name="The Band at Hall",
        starts_at=starts,
        local_date=date(starts.year, starts.month, starts.day),
    )
    session.add(show)
    session.commit()
    added = voting.add_song(session, people.fan, show.id, song.id)
    voting.set_vote(session, people.fan2, added.prediction_song_id, True)
    session.commit()
    return FanPick(show.id, artist.id, added.prediction_song_id)
