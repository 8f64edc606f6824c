"""Shared helpers for the sync pipeline tests (integration and simulation)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app import clock as app_clock
from setlist_app.models import Artist, Show, SyncJob, Venue
from setlist_app.settings import Settings
from setlist_app.sync.context import SyncContext


def make_ctx(engine: Engine, settings: Settings, redis: Any = None, providers: Any = None, clock: Any = None):
    return SyncContext(
        settings=settings, engine=engine, redis=redis, providers=providers, clock=clock or app_clock.now
    )


def add_artists(session: Session, n: int, *, spotify: bool = True, start: int = 0) -> list[int]:
    """Create artists `a<i>` with Spotify ids `sp<i>` (unless spotify=False); returns ids."""
    ids = []
    for i in range(start, start + n):
        artist = Artist(
            slug=f"a{i}",
            name=f"Artist {i}",
            normalized_name=f"artist {i}",
            spotify_id=f"sp{i}" if spotify else None,
        )
        session.add(artist)
        session.flush()
        ids.append(artist.id)
    session.commit()
    return ids


def add_show(session: Session, artist_id: int, starts_at: datetime) -> int:
    venue = session.scalars(select(Venue).limit(1)).first()
    if venue is None:
        venue = Venue(slug="v", name="Venue", city="City", country="US", country_code="US", timezone="UTC")
        session.add(venue)
        session.flush()
    show = Show(
        slug=f"s{artist_id}-{starts_at:%Y%m%d%H%M}",
        artist_id=artist_id,
        venue_id=venue.id,
        name="Show",
        starts_at=starts_at,
        local_date=date(starts_at.year, starts_at.month, starts_at.day),
    )
    session.add(show)
    session.commit()
    return show.id


def job_count(session: Session, **filters: Any) -> int:
    stmt = select(func.count()).select_from(SyncJob)
    for name, value in filters.items():
        stmt = stmt.where(getattr(SyncJob, name) == value)
    return session.execute(stmt).scalar_one()


class FakeSpotify:
    """Spotify stand-in keyed by Spotify id: a catalog, empty, failing, or hanging forever.

    `albums[sp]` is a list of (album name, [track titles]); `fail[sp]` is how many next calls fail.
    """

    def __init__(self) -> None:
        self.albums: dict[str, list[tuple[str, list[str]]]] = {}
        self.fail: dict[str, int] = {}
        self.error: Any = None  # exception factory for failures
        self.hang: set[str] = set()
        self.calls = 0
        self.calls_by_artist: dict[str, int] = {}

    def give(self, spotify_id: str, *albums: tuple[str, list[str]]) -> None:
        self.albums[spotify_id] = list(albums)

    async def artist_albums(self, spotify_id: str) -> list[Any]:
        from setlist_app.providers.errors import Unavailable
        from setlist_app.providers.models import SpotifyAlbum

        self.calls += 1
        self.calls_by_artist[spotify_id] = self.calls_by_artist.get(spotify_id, 0) + 1
        if spotify_id in self.hang:
            import asyncio

            await asyncio.Event().wait()
        if self.fail.get(spotify_id, 0) > 0:
            self.fail[spotify_id] -= 1
            raise (self.error or (lambda: Unavailable("spotify", "HTTP 503", status=503)))()
        return [
            SpotifyAlbum(
                id=f"{spotify_id}-al{i}", name=name, release_date=f"{2000 + i}", artist_ids=[spotify_id]
            )
            for i, (name, _) in enumerate(self.albums.get(spotify_id, []))
        ]

    async def album_tracks(self, album_id: str) -> list[Any]:
        from setlist_app.providers.models import SpotifyTrack

        self.calls += 1
        spotify_id, _, index = album_id.rpartition("-al")
        _, titles = self.albums[spotify_id][int(index)]
        return [
            SpotifyTrack(id=f"{album_id}-t{n}", name=title, album_id=album_id, track_number=n + 1)
            for n, title in enumerate(titles)
        ]


class FakeProviders:
    def __init__(self, spotify: FakeSpotify | None = None) -> None:
        self.spotify = spotify or FakeSpotify()

    async def aclose(self) -> None:
        return None
