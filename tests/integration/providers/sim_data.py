"""A small deterministic catalog for the provider tests (same shapes as simulator/data)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from simulator.catalog import Catalog

TODAY = datetime.now(UTC).date()
ARTIST_SPOTIFY = "4Z8W4fKeB5YxbusRsdQVPb"
ARTIST_TM = "K8vZ9171ob7"
ARTIST_MBID = "a74b1b7f-71a5-4011-9441-d0b5e4122711"
OTHER_SPOTIFY = "0OdUWJ0sBjDrqHygGUXeCF"
BIG_ALBUM = "1BigAlbumIdxxxxxxxxxxx"


def _album(i: int, kind: str, tracks: int, name: str | None = None, spotify_id: str | None = None) -> dict:
    return {
        "name": name or f"Record {i}",
        "spotify_id": spotify_id or f"alb{i:03d}".ljust(22, "x"),
        "album_type": kind,
        "release_date": f"{2000 + i}-03-01",
        "tracks": [{"name": f"Song {i}-{t}", "duration_ms": 180_000 + t} for t in range(1, tracks + 1)],
    }


def artists() -> list[dict[str, Any]]:
    albums = [_album(i, "album" if i % 3 else "single", 3) for i in range(1, 13)]
    albums.append(_album(20, "album", 60, "Everything", BIG_ALBUM))
    albums.append(_album(21, "album", 2, "Live at Leeds"))
    return [
        {
            "slug": "the-testers",
            "name": "The Testers",
            "spotify_id": ARTIST_SPOTIFY,
            "ticketmaster_id": ARTIST_TM,
            "mbid": ARTIST_MBID,
            "genres": ["alternative rock"],
            "albums": albums,
        },
        {
            "slug": "beyonce",
            "name": "Beyoncé",
            "spotify_id": OTHER_SPOTIFY,
            "ticketmaster_id": "K8vZ917G7x0",
            "mbid": "859d0860-d480-4efd-970c-c05d5f1776b8",
            "genres": ["pop"],
            "albums": [_album(30, "album", 2, "Renaissance", "alb030".ljust(22, "y"))],
        },
    ]


def venues() -> list[dict[str, Any]]:
    return [
        {
            "ticketmaster_id": f"KovZpZA{i}",
            "name": f"Arena {i}",
            "city": f"City {i}",
            "state": "NY",
            "country": "United States Of America",
            "country_code": "US",
            "timezone": "America/New_York",
            "latitude": 40.7 + i / 100,
            "longitude": -74.0,
        }
        for i in range(3)
    ] + [
        {
            "ticketmaster_id": "KovZ9177UK",
            "name": "O2",
            "city": "London",
            "country": "Great Britain",
            "country_code": "GB",
            "timezone": "Europe/London",
        }
    ]


WINDOW_START = datetime.combine(TODAY + timedelta(days=100), datetime.min.time(), UTC)


def shows() -> list[dict[str, Any]]:
    out = []
    for i in range(30):  # 30 upcoming US shows inside a 30-day window: needs window splitting
        day = (WINDOW_START + timedelta(days=i)).date()
        out.append(
            {
                "ticketmaster_id": f"vvG1show{i:03d}",
                "artist": "the-testers",
                "venue": f"KovZpZA{i % 3}",
                "local_date": day.isoformat(),
                "local_time": "19:30",
                "status": "onsale",
                "name": "The Testers: World Tour",
            }
        )
    out.append(
        {
            "ticketmaster_id": "vvG1cancel",
            "artist": "the-testers",
            "venue": "KovZ9177UK",
            "local_date": (TODAY + timedelta(days=20)).isoformat(),
            "local_time": "20:00",
            "status": "canceled",
        }
    )
    out.append(
        {
            "ticketmaster_id": "vvG1past",
            "artist": "the-testers",
            "venue": "KovZpZA0",
            "local_date": (TODAY - timedelta(days=10)).isoformat(),
            "local_time": "20:00",
            "status": "offsale",
        }
    )
    return out


def setlists() -> list[dict[str, Any]]:
    out = [
        {
            "id": "63d5f2a7",
            "artist": "the-testers",
            "show": "vvG1past",
            "tour": "World Tour",
            "sets": [
                {
                    "songs": [
                        {"name": "Intro Tape", "tape": True},
                        {"name": "Song 1-1"},
                        {"name": "Heroes", "cover": {"name": "David Bowie"}},
                        {"name": ""},
                    ]
                },
                {"name": "Encore", "encore": 1, "songs": [{"name": "Song 2-2", "info": "acoustic"}]},
            ],
        }
    ]
    for i in range(24):  # older setlists: 25 in all -> two pages of 20
        day = date(2024, 1, 1) + timedelta(days=i * 7)
        out.append(
            {
                "id": f"1bd{i:05d}",
                "artist": "the-testers",
                "event_date": day.isoformat(),
                "sets": [{"songs": [{"name": f"Song {i % 12 + 1}-1"}]}],
            }
        )
    return out


def noise_events() -> list[dict[str, Any]]:
    day = (TODAY + timedelta(days=40)).isoformat()
    return [
        {
            "ticketmaster_id": "vvG1fest",
            "name": "Summer Sound Festival 2026",
            "venue": "KovZpZA1",
            "local_date": day,
            "artists": ["the-testers"],
            "attractions": ["Band A", "Band B", "Band C", "Band D"],
        },
        {
            "ticketmaster_id": "vvG1park",
            "name": "PARKING: The Testers",
            "venue": "KovZpZA1",
            "local_date": day,
            "artists": ["the-testers"],
            "segment": "Miscellaneous",
        },
    ]


def catalog() -> Catalog:
    return Catalog.from_raw(artists(), venues(), shows(), setlists(), noise_events())
