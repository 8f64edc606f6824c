"""Artists, venues, shows and songs: the catalog that the sync pipeline keeps current."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from setlist_app.models.base import created_at_field, json_field, trigram_index, utcnow


class CatalogStatus(StrEnum):
    NEVER = "never"
    SYNCING = "syncing"
    OK = "ok"
    EMPTY = "empty"
    FAILED = "failed"


class ShowStatus(StrEnum):
    UPCOMING = "upcoming"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class ImportStatus(StrEnum):
    PENDING = "pending"
    IMPORTING = "importing"
    COMPLETED = "completed"
    NOT_FOUND = "not_found"
    FAILED = "failed"


class Artist(SQLModel, table=True):
    __tablename__ = "artists"
    __table_args__ = (trigram_index("ix_artists_name_trgm", "normalized_name"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(max_length=300)
    normalized_name: str = Field(max_length=300, index=True)
    spotify_id: str | None = Field(default=None, max_length=64, unique=True)
    ticketmaster_id: str | None = Field(default=None, max_length=64, unique=True)
    mbid: str | None = Field(default=None, max_length=64, unique=True)
    genres: list[str] = json_field(list)
    image_url: str | None = Field(default=None, max_length=1000)
    popularity: int = 0
    follower_count: int = 0
    upcoming_show_count: int = 0
    trending_score: float = 0.0
    trending_rank: int | None = None
    catalog_status: str = Field(default=CatalogStatus.NEVER, max_length=16)
    catalog_attempted_at: datetime | None = None
    catalog_synced_at: datetime | None = None
    catalog_failures: int = 0
    catalog_backoff_until: datetime | None = None
    catalog_song_count: int = 0
    enriched_at: datetime | None = None
    # Optimistic concurrency: every artist write goes through one path that bumps it.
    version: int = Field(default=1, nullable=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow)


class Venue(SQLModel, table=True):
    __tablename__ = "venues"
    __table_args__ = (
        trigram_index("ix_venues_name_trgm", "name"),
        trigram_index("ix_venues_city_trgm", "city"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, unique=True, index=True)
    name: str = Field(max_length=300)
    city: str = Field(max_length=200, index=True)
    state: str | None = Field(default=None, max_length=100)
    country: str = Field(max_length=100)
    country_code: str = Field(max_length=2)
    timezone: str = Field(max_length=64)
    latitude: float | None = None
    longitude: float | None = None
    capacity: int | None = None
    ticketmaster_id: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = created_at_field()


class Show(SQLModel, table=True):
    __tablename__ = "shows"
    __table_args__ = (
        Index("ix_shows_status_starts_at", "status", "starts_at"),
        Index("ix_shows_artist_starts_at", "artist_id", "starts_at"),
        # Second de-duplication key after the provider id (DESIGN.md §6 discovery).
        UniqueConstraint("artist_id", "venue_id", "local_date", name="uq_shows_artist_venue_date"),
        Index("ix_shows_venue_starts_at", "venue_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=300, unique=True, index=True)
    artist_id: int = Field(foreign_key="artists.id", ondelete="CASCADE")
    venue_id: int = Field(foreign_key="venues.id")
    name: str = Field(max_length=500)
    starts_at: datetime
    local_date: date
    local_time: str | None = Field(default=None, max_length=5)
    status: str = Field(default=ShowStatus.UPCOMING, max_length=16)
    ticketmaster_id: str | None = Field(default=None, max_length=64, unique=True)
    setlistfm_id: str | None = Field(default=None, max_length=64, unique=True)
    ticket_url: str | None = Field(default=None, max_length=1000)
    import_status: str = Field(default=ImportStatus.PENDING, max_length=16)
    import_attempts: int = 0
    import_next_at: datetime | None = None
    vote_count: int = 0
    trending_score: float = 0.0
    trending_rank: int | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow)


class Song(SQLModel, table=True):
    __tablename__ = "songs"
    __table_args__ = (trigram_index("ix_songs_title_trgm", "normalized_title"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=500)
    normalized_title: str = Field(max_length=500, index=True)
    album: str | None = Field(default=None, max_length=500)
    album_type: str | None = Field(default=None, max_length=32)
    release_date: str | None = Field(default=None, max_length=10)
    spotify_id: str | None = Field(default=None, max_length=64, unique=True)
    isrc: str | None = Field(default=None, max_length=16, index=True)
    duration_ms: int | None = None
    is_studio: bool = True
    created_at: datetime = created_at_field()


class ArtistSong(SQLModel, table=True):
    """An artist's catalog entry; `position` is the catalog order used as seeding fallback."""

    __tablename__ = "artist_songs"

    artist_id: int = Field(foreign_key="artists.id", primary_key=True, ondelete="CASCADE")
    song_id: int = Field(foreign_key="songs.id", primary_key=True, ondelete="CASCADE")
    position: int = 0
    play_count: int = 0
