"""The demo catalog behind the simulator, loaded from simulator/data/*.json and indexed.

Shapes (written by the data bundle): artists have albums with tracks; shows reference an artist slug
and a venue Ticketmaster id; setlists reference an artist slug and a show Ticketmaster id; noise
events are Ticketmaster-style listings the app must filter out. Missing ids are derived
deterministically so the same data always yields the same API answers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from simulator import demo_data
from simulator.demo_data import DATA_DIR
from simulator.text import fold

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def derived_id(*parts: str, length: int = 22) -> str:
    """A stable base62 id (Spotify-like) from any strings."""
    number = int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest(), "big")
    chars = []
    for _ in range(length):
        number, rest = divmod(number, 62)
        chars.append(_B62[rest])
    return "".join(chars)


def parse_day(value: Any) -> date | None:
    """ISO (2024-05-01) or setlist.fm (01-05-2024) dates."""
    if not value:
        return None
    text = str(value)[:10]
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class Track:
    id: str
    name: str
    track_number: int
    disc_number: int
    duration_ms: int
    isrc: str | None


@dataclass
class Album:
    id: str
    name: str
    album_type: str
    release_date: str
    tracks: list[Track]


@dataclass
class Artist:
    slug: str
    name: str
    spotify_id: str
    ticketmaster_id: str
    mbid: str
    genres: list[str]
    albums: list[Album]
    raw: dict[str, Any]


@dataclass
class Catalog:
    artists: list[Artist] = field(default_factory=list)
    venues: dict[str, dict[str, Any]] = field(default_factory=dict)  # ticketmaster id -> raw
    shows: list[dict[str, Any]] = field(default_factory=list)
    setlists: list[dict[str, Any]] = field(default_factory=list)
    noise_events: list[dict[str, Any]] = field(default_factory=list)
    # How far the demo's "today" is from the wall clock's: 0 unless the catalog was anchored to
    # another day (a test at a date years away), so the fake APIs keep time with their data.
    shift: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        self.by_slug = {a.slug: a for a in self.artists}
        self.by_spotify = {a.spotify_id: a for a in self.artists}
        self.by_tm = {a.ticketmaster_id: a for a in self.artists}
        self.by_mbid = {a.mbid: a for a in self.artists}
        self.albums = {al.id: (a, al) for a in self.artists for al in a.albums}
        self.shows_by_tm = {s["ticketmaster_id"]: s for s in self.shows}

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR, today: date | None = None) -> Catalog:
        """The catalog in `data_dir`, its dates anchored to `today` (default: the wall-clock day)."""

        def read(name: str) -> list[dict[str, Any]]:
            return demo_data.read(name, data_dir, today)

        catalog = cls.from_raw(
            read("artists.json"),
            read("venues.json"),
            read("shows.json"),
            read("setlists.json"),
            read("noise_events.json"),
        )
        catalog.shift = (today - demo_data.load_day()) if today else timedelta(0)
        return catalog

    def now(self) -> datetime:
        """The simulated providers' current time: the wall clock, moved to the catalog's anchor day."""
        return datetime.now(UTC) + self.shift

    @classmethod
    def from_raw(
        cls,
        artists: list[dict[str, Any]],
        venues: list[dict[str, Any]],
        shows: list[dict[str, Any]],
        setlists: list[dict[str, Any]],
        noise_events: list[dict[str, Any]] | None = None,
    ) -> Catalog:
        return cls(
            artists=[_artist(raw) for raw in artists],
            venues={v["ticketmaster_id"]: v for v in venues},
            shows=list(shows),
            setlists=[_with_date(s, {x["ticketmaster_id"]: x for x in shows}) for s in setlists],
            noise_events=list(noise_events or []),
        )

    def search_artists(self, query: str) -> list[Artist]:
        """Artists whose normalised name contains the normalised query (exact matches first)."""
        key = fold(query)
        hits = [a for a in self.artists if key and key in fold(a.name)]
        return sorted(hits, key=lambda a: (fold(a.name) != key, a.name))

    def setlists_of(self, artist: Artist) -> list[dict[str, Any]]:
        """An artist's setlists, newest first."""
        own = [s for s in self.setlists if s.get("artist") == artist.slug and s.get("_date")]
        return sorted(own, key=lambda s: (s["_date"], s.get("id", "")), reverse=True)


def _with_date(raw: dict[str, Any], shows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    show = shows.get(raw.get("show") or "")
    day = parse_day(raw.get("event_date") or raw.get("date") or (show or {}).get("local_date"))
    return {**raw, "_date": day, "_show": show}


def _artist(raw: dict[str, Any]) -> Artist:
    slug = raw["slug"]
    albums = []
    for a_index, album in enumerate(raw.get("albums", [])):
        name = album.get("name") or album.get("title") or f"Album {a_index + 1}"
        album_id = album.get("spotify_id") or album.get("id") or derived_id(slug, "album", name)
        tracks = []
        for t_index, track in enumerate(album.get("tracks", []), start=1):
            title = track.get("name") or track.get("title") or f"Track {t_index}"
            tracks.append(
                Track(
                    id=track.get("spotify_id")
                    or track.get("id")
                    or derived_id(album_id, "track", str(t_index)),
                    name=title,
                    track_number=int(track.get("track_number") or t_index),
                    disc_number=int(track.get("disc_number") or 1),
                    duration_ms=int(track.get("duration_ms") or 200_000),
                    isrc=track.get("isrc"),
                )
            )
        albums.append(
            Album(
                id=album_id,
                name=name,
                album_type=(album.get("album_type") or album.get("type") or "album").lower(),
                release_date=str(album.get("release_date") or album.get("year") or "2000"),
                tracks=tracks,
            )
        )
    return Artist(
        slug=slug,
        name=raw["name"],
        spotify_id=raw.get("spotify_id") or derived_id(slug, "artist"),
        ticketmaster_id=raw.get("ticketmaster_id") or "K8vZ9" + derived_id(slug, "tm", length=8),
        mbid=raw.get("mbid") or _uuid(slug),
        genres=list(raw.get("genres", [])),
        albums=albums,
        raw=raw,
    )


def _uuid(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
