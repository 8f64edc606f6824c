"""Domain-shaped results of the provider clients (what callers get instead of raw JSON)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class SpotifyArtist(_Result):
    id: str
    name: str
    genres: list[str] = Field(default_factory=list)
    image_url: str | None = None
    url: str | None = None


class SpotifyAlbum(_Result):
    id: str
    name: str
    album_type: str = "album"  # album | single | compilation
    album_group: str | None = None
    release_date: str | None = None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD" as Spotify gives it
    total_tracks: int = 0
    artist_ids: list[str] = Field(default_factory=list)
    image_url: str | None = None


class SpotifyTrack(_Result):
    id: str
    name: str
    album_id: str
    track_number: int = 0
    disc_number: int = 1
    duration_ms: int | None = None
    artist_ids: list[str] = Field(default_factory=list)
    isrc: str | None = None


class TmAttraction(_Result):
    id: str
    name: str
    segment: str | None = None
    genre: str | None = None
    subgenre: str | None = None
    type: str | None = None
    image_url: str | None = None
    upcoming_events: int | None = None
    spotify_id: str | None = None
    mbid: str | None = None


class TmVenue(_Result):
    id: str
    name: str
    city: str | None = None
    state: str | None = None
    country: str | None = None
    country_code: str | None = None
    timezone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None


class TmEvent(_Result):
    id: str
    name: str
    url: str | None = None
    local_date: date | None = None
    local_time: str | None = None  # "HH:MM"
    starts_at: datetime | None = None  # UTC
    timezone: str | None = None
    status_code: str | None = None  # onsale | offsale | canceled | postponed | rescheduled
    show_status: str = "upcoming"  # ShowStatus value
    segment: str | None = None
    genre: str | None = None
    subgenre: str | None = None
    type: str | None = None
    venue: TmVenue | None = None
    attractions: list[TmAttraction] = Field(default_factory=list)


class SetlistSong(_Result):
    name: str
    position: int  # 1-based over the whole show
    set_index: int = 0
    set_name: str | None = None
    encore: int = 0  # 0 = main set, 1.. = encore number
    info: str | None = None
    tape: bool = False
    cover_of: str | None = None  # original artist's name when a cover
    with_artist: str | None = None


class Setlist(_Result):
    id: str
    event_date: date
    artist_mbid: str | None = None
    artist_name: str | None = None
    venue_name: str | None = None
    city: str | None = None
    country_code: str | None = None
    tour: str | None = None
    info: str | None = None
    url: str | None = None
    version_id: str | None = None
    songs: list[SetlistSong] = Field(default_factory=list)


class SetlistPage(_Result):
    setlists: list[Setlist] = Field(default_factory=list)
    page: int = 1
    items_per_page: int = 20
    total: int = 0

    @property
    def has_more(self) -> bool:
        return self.page * self.items_per_page < self.total


class MbArtist(_Result):
    mbid: str
    name: str
    sort_name: str | None = None
    disambiguation: str | None = None
    country: str | None = None
    type: str | None = None
    score: int | None = None
