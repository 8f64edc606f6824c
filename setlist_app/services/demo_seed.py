"""Load the bundled demo catalog (simulator/data) straight into the database, idempotently.

This is the fast path for tests and for a first look; the sync pipeline imports the same data from
the local simulator the slow, real way. Running it twice changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from setlist_app.domain.catalog_filters import select_studio_tracks
from setlist_app.domain.predictions import rank_for_seeding, seed_prediction
from setlist_app.domain.setlists import PlayedSong, catalog_index, store_actual_setlist
from setlist_app.domain.titles import normalize_name, normalize_title, slugify
from setlist_app.models import (
    ActualSetlist,
    Artist,
    ArtistSong,
    CatalogStatus,
    ImportStatus,
    Show,
    ShowStatus,
    Song,
    Venue,
    utcnow,
)
from simulator import demo_data
from simulator.demo_data import DATA_DIR

_TM_STATUS = {
    "canceled": ShowStatus.CANCELLED,
    "cancelled": ShowStatus.CANCELLED,
    "postponed": ShowStatus.POSTPONED,
}


@dataclass
class SeedReport:
    artists: int = 0
    venues: int = 0
    shows: int = 0
    songs: int = 0
    setlists: int = 0
    predictions_seeded: int = 0


def seed_demo_catalog(
    session: Session, *, data_dir: Path = DATA_DIR, today: date | None = None
) -> SeedReport:
    """Upsert artists, venues, songs, shows, past setlists and seeded predictions; the demo's dates
    are anchored to `today` (default: the app clock's day), as the simulator anchors them."""
    today = today or utcnow().date()

    def load_json(name: str) -> list[dict[str, Any]]:
        return demo_data.read(name, data_dir, today)

    report = SeedReport()
    artists = {a["slug"]: _upsert_artist(session, a, report) for a in load_json("artists.json")}
    venues = {v["ticketmaster_id"]: _upsert_venue(session, v, report) for v in load_json("venues.json")}
    session.flush()
    for raw in load_json("artists.json"):
        _load_catalog(session, artists[raw["slug"]], raw, report)
    shows = {
        s["ticketmaster_id"]: _upsert_show(
            session, s, artists[s["artist"]], venues[s["venue"]], today, report
        )
        for s in load_json("shows.json")
    }
    session.flush()
    setlists = load_json("setlists.json")
    _store_play_counts(session, artists, setlists)
    for raw in setlists:
        show = shows.get(raw.get("show") or "")
        if show is not None and show.status == ShowStatus.COMPLETED:
            _store_setlist(session, show, raw, report)
    _seed_predictions(session, artists.values(), report)
    for artist in artists.values():
        artist.upcoming_show_count = sum(
            1 for s in shows.values() if s.artist_id == artist.id and s.status == ShowStatus.UPCOMING
        )
        session.add(artist)
    session.commit()
    return report


def _upsert_artist(session: Session, raw: dict[str, Any], report: SeedReport) -> Artist:
    artist = session.exec(select(Artist).where(Artist.ticketmaster_id == raw["ticketmaster_id"])).first()
    if artist is None:
        artist = Artist(slug=raw["slug"], name=raw["name"], normalized_name=normalize_name(raw["name"]))
        report.artists += 1
    artist.spotify_id = raw.get("spotify_id")
    artist.ticketmaster_id = raw["ticketmaster_id"]
    artist.mbid = raw.get("mbid")
    artist.genres = list(raw.get("genres", []))
    artist.popularity = int(raw.get("popularity", 0))
    artist.image_url = raw.get("image_url")
    session.add(artist)
    return artist


def _upsert_venue(session: Session, raw: dict[str, Any], report: SeedReport) -> Venue:
    venue = session.exec(select(Venue).where(Venue.ticketmaster_id == raw["ticketmaster_id"])).first()
    if venue is None:
        venue = Venue(
            slug=raw.get("slug") or slugify(f"{raw['name']} {raw['city']}"),
            name=raw["name"],
            city=raw["city"],
            country=raw["country"],
            country_code=raw["country_code"],
            timezone=raw["timezone"],
            ticketmaster_id=raw["ticketmaster_id"],
        )
        report.venues += 1
    venue.state = raw.get("state")
    venue.latitude = raw.get("latitude")
    venue.longitude = raw.get("longitude")
    venue.capacity = raw.get("capacity")
    session.add(venue)
    return venue


def _load_catalog(session: Session, artist: Artist, raw: dict[str, Any], report: SeedReport) -> None:
    tracks = select_studio_tracks(raw.get("albums", []))
    linked = set(session.exec(select(ArtistSong.song_id).where(ArtistSong.artist_id == artist.id)))
    for position, track in enumerate(tracks, start=1):
        song = session.exec(select(Song).where(Song.spotify_id == track["spotify_id"])).first()
        if song is None:
            song = Song(
                title=track["name"],
                normalized_title=normalize_title(track["name"]),
                album=track["album"],
                album_type=track["album_type"],
                release_date=track.get("release_date"),
                spotify_id=track["spotify_id"],
                isrc=track.get("isrc"),
                duration_ms=track.get("duration_ms"),
            )
            session.add(song)
            session.flush()
            report.songs += 1
        if song.id not in linked:
            session.add(ArtistSong(artist_id=artist.id, song_id=song.id, position=position))
            linked.add(song.id)
    artist.catalog_status = CatalogStatus.OK if tracks else CatalogStatus.EMPTY
    artist.catalog_song_count = len(linked)
    artist.catalog_synced_at = artist.catalog_synced_at or utcnow()
    session.add(artist)
    session.flush()


def _upsert_show(
    session: Session, raw: dict[str, Any], artist: Artist, venue: Venue, today: date, report: SeedReport
) -> Show:
    local_date = date.fromisoformat(raw["local_date"])
    local_time = raw.get("local_time") or "20:00"
    starts_at = datetime.combine(local_date, time.fromisoformat(local_time), ZoneInfo(venue.timezone))
    status = _TM_STATUS.get(raw.get("status", ""), ShowStatus.UPCOMING)
    if status == ShowStatus.UPCOMING and local_date < today:
        status = ShowStatus.COMPLETED
    show = session.exec(select(Show).where(Show.ticketmaster_id == raw["ticketmaster_id"])).first()
    if show is None:
        show = Show(
            slug=slugify(f"{artist.slug} {venue.city} {local_date.isoformat()}"),
            artist_id=artist.id,
            venue_id=venue.id,
            name=raw.get("name") or artist.name,
            starts_at=starts_at,
            local_date=local_date,
            ticketmaster_id=raw["ticketmaster_id"],
        )
        report.shows += 1
    show.local_time = local_time
    show.starts_at = starts_at
    show.status = status
    show.ticket_url = raw.get("url")
    session.add(show)
    return show


def _store_play_counts(session: Session, artists: dict[str, Artist], setlists: list[dict[str, Any]]) -> None:
    """artist_songs.play_count = how often the song appears in the artist's known setlists."""
    for slug, artist in artists.items():
        index = catalog_index(session, artist.id)
        counts: Counter[int] = Counter()
        for raw in setlists:
            if raw["artist"] != slug:
                continue
            for song in _played(raw):
                song_id = None if song.tape else index.get(normalize_title(song.title))
                if song_id is not None:
                    counts[song_id] += 1
        for link in session.exec(select(ArtistSong).where(ArtistSong.artist_id == artist.id)):
            link.play_count = counts.get(link.song_id, 0)
            session.add(link)
    session.flush()


def _played(raw: dict[str, Any]) -> list[PlayedSong]:
    return [
        PlayedSong(
            title=song["name"],
            set_index=set_index,
            set_name=s.get("name"),
            encore=int(s.get("encore") or 0),
            tape=bool(song.get("tape")),
            cover_artist=(song.get("cover") or {}).get("name"),
            info=song.get("info"),
        )
        for set_index, s in enumerate(raw.get("sets", []))
        for song in s.get("songs", [])
    ]


def _store_setlist(session: Session, show: Show, raw: dict[str, Any], report: SeedReport) -> None:
    if session.exec(select(ActualSetlist.id).where(ActualSetlist.show_id == show.id)).first() is not None:
        return
    store_actual_setlist(session, show, _played(raw), setlistfm_id=raw["id"], tour_name=raw.get("tour"))
    show.setlistfm_id = raw["id"]
    show.import_status = ImportStatus.COMPLETED
    session.add(show)
    report.setlists += 1


def _seed_predictions(session: Session, artists: Any, report: SeedReport) -> None:
    for artist in artists:
        links = session.exec(
            select(ArtistSong).where(ArtistSong.artist_id == artist.id).order_by(ArtistSong.position)
        ).all()
        if not links:
            continue
        ranked = rank_for_seeding(
            {link.song_id: link.play_count for link in links}, [link.song_id for link in links]
        )
        shows = session.exec(
            select(Show).where(Show.artist_id == artist.id, Show.status == ShowStatus.UPCOMING)
        ).all()
        for show in shows:
            if seed_prediction(session, show.id, ranked):
                report.predictions_seeded += 1
