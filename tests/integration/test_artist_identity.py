"""Both paths that create artists name them by one rule (domain/identity.py): Ticketmaster
discovery and a fan's Spotify import give the same slugs and name keys."""

from __future__ import annotations

from sqlmodel import Session, select

from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist
from setlist_app.models.users import User
from setlist_app.providers.models import SpotifyArtist, TmAttraction
from setlist_app.services import spotify_import
from setlist_app.settings import get_settings
from setlist_app.sync.discovery import DiscoveryReport, _upsert_artist


def test_discovery_and_spotify_import_name_artists_alike(session: Session) -> None:
    fan = User(email="fan@setlist.test", name="Fan")
    session.add(fan)
    session.flush()
    now = utcnow()
    _upsert_artist(session, TmAttraction(id="tm-low", name="Low"), now, DiscoveryReport())
    twins = [SpotifyArtist(id="sp-low-1", name="LOW"), SpotifyArtist(id="sp-low-2", name="Low!")]
    spotify_import.save_import(session, get_settings(), fan.id or 0, "", twins, [], now)
    _upsert_artist(session, TmAttraction(id="tm-sigur", name="Sigur Rós"), now, DiscoveryReport())
    spotify_import.save_import(
        session, get_settings(), fan.id or 0, "", [SpotifyArtist(id="sp-sr", name="Sigur Ros")], [], now
    )
    session.commit()

    rows = session.exec(select(Artist.slug, Artist.normalized_name).order_by(Artist.id)).all()
    assert [tuple(r) for r in rows] == [
        ("low", "low"),
        ("low-2", "low"),
        ("low-3", "low"),
        ("sigur-ros", "sigur ros"),
        ("sigur-ros-2", "sigur ros"),
    ]
