"""Catalog filters: which Spotify tracks are studio songs, and one entry per song title.

Pure functions over the provider domain types, table-tested in tests/unit/providers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from setlist_app.domain.titles import normalize_title
from setlist_app.providers.models import SpotifyAlbum, SpotifyTrack

_NON_STUDIO_WORDS = (
    r"live|remix(?:ed)?|rmx|mix|edit|acoustic|unplugged|demo|instrumental|karaoke|commentary|a cappella|"
    r"acapella|rehearsal|session|sped up|slowed|voice memo|interview|intro|outro|interlude|skit|reprise"
)
# Words are judged only in a version suffix ("Song - Live", "Song (Acoustic)"), so "Live Forever" stays.
_SUFFIX_PART = re.compile(
    r"(?:\s[-\u2013\u2014]\s(?P<dash>.+)$)|[(\[](?P<bracket>[^)\]]+)[)\]]", re.IGNORECASE
)
_NON_STUDIO = re.compile(rf"\b(?:{_NON_STUDIO_WORDS})\b", re.IGNORECASE)
_STUDIO_MIX = re.compile(r"\b(?:original|album|stereo|mono|\d{4})\s+mix\b|\bremaster", re.IGNORECASE)
_BARE_FILLER = re.compile(
    r"^\s*(?:intro|outro|interlude|skit|prelude|segue)\b(?:\s*(?:#?\d+|[ivx]+))?\s*(?:[:(\-\u2013\u2014]|$)",
    re.IGNORECASE,
)
_LIVE_ALBUM = re.compile(
    r"[(\[]\s*live\b|\blive\s+(?:at|from|in|on|aus)\b|^live$|\s[-\u2013\u2014]\s*live\b"
    r"|\bunplugged\b|\bin concert\b"
    r"|\blive\s+(?:album|recordings?|sessions?)\b|^live\s*[:!]",
    re.IGNORECASE,
)
_DELUXE_ALBUM = re.compile(
    r"\b(?:deluxe|expanded|anniversary|special|collector'?s|bonus|tour|platinum|super|complete|edition)\b",
    re.IGNORECASE,
)
_REMASTER_ALBUM = re.compile(r"\bremaster", re.IGNORECASE)


def is_live_album(name: str) -> bool:
    """ "Live at Leeds", "MTV Unplugged", "Album (Live)" — but not "Live Through This"."""
    return bool(_LIVE_ALBUM.search(name))


def is_deluxe_album(name: str) -> bool:
    return bool(_DELUXE_ALBUM.search(name))


def is_remaster_album(name: str) -> bool:
    return bool(_REMASTER_ALBUM.search(name))


def is_studio_title(title: str) -> bool:
    """False for live/remix/edit/acoustic/demo/instrumental/karaoke/commentary versions and fillers."""
    if _BARE_FILLER.search(title):
        return False
    for match in _SUFFIX_PART.finditer(title):
        part = match.group("dash") or match.group("bracket") or ""
        if _NON_STUDIO.search(part) and not _STUDIO_MIX.search(part):
            return False
    return True


def is_studio_track(title: str, album_name: str = "", album_type: str | None = None) -> bool:
    """Studio song: a studio title on a non-live album (compilations count as albums)."""
    return is_studio_title(title) and not is_live_album(album_name)


def _preference(album: SpotifyAlbum, track: SpotifyTrack) -> tuple[int, int, int, str, int, int]:
    """Lower is better: album over single/compilation, non-deluxe, non-remaster, earliest."""
    kind = {"album": 0, "single": 1}.get(album.album_type, 2)
    return (
        kind,
        int(is_deluxe_album(album.name)),
        int(is_remaster_album(album.name)),
        album.release_date or "9999",
        track.disc_number,
        track.track_number,
    )


def studio_catalog(
    items: Iterable[tuple[SpotifyAlbum, SpotifyTrack]],
) -> list[tuple[SpotifyAlbum, SpotifyTrack]]:
    """Studio songs, one per normalised title (best version kept), ordered by release then position."""
    best: dict[str, tuple[SpotifyAlbum, SpotifyTrack]] = {}
    for album, track in items:
        if not is_studio_track(track.name, album.name, album.album_type):
            continue
        key = normalize_title(track.name)
        if not key:
            continue
        current = best.get(key)
        if current is None or _preference(album, track) < _preference(*current):
            best[key] = (album, track)
    return sorted(
        best.values(),
        key=lambda pair: (
            pair[0].release_date or "9999",
            pair[0].id,
            pair[1].disc_number,
            pair[1].track_number,
        ),
    )


def select_studio_tracks(albums: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`studio_catalog` over raw album dicts (demo data shape: albums with tracks) -> flat track dicts.

    Each result has name, spotify_id, album, album_type, release_date, isrc, duration_ms.
    """
    pairs = []
    for a_index, raw in enumerate(albums):
        album = SpotifyAlbum(
            id=str(raw.get("spotify_id") or raw.get("id") or f"album-{a_index}"),
            name=str(raw.get("name") or raw.get("title") or ""),
            album_type=str(raw.get("album_type") or raw.get("type") or "album").lower(),
            release_date=str(raw["release_date"]) if raw.get("release_date") else None,
        )
        for t_index, track in enumerate(raw.get("tracks", []), start=1):
            pairs.append(
                (
                    album,
                    SpotifyTrack(
                        id=str(track.get("spotify_id") or track.get("id") or f"{album.id}-{t_index}"),
                        name=str(track.get("name") or track.get("title") or ""),
                        album_id=album.id,
                        track_number=int(track.get("track_number") or t_index),
                        disc_number=int(track.get("disc_number") or 1),
                        duration_ms=track.get("duration_ms"),
                        isrc=track.get("isrc"),
                    ),
                )
            )
    return [
        {
            "name": track.name,
            "spotify_id": track.id,
            "album": album.name,
            "album_type": album.album_type,
            "release_date": album.release_date,
            "isrc": track.isrc,
            "duration_ms": track.duration_ms,
        }
        for album, track in studio_catalog(pairs)
    ]
