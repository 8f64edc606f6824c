"""Read the live state of shows from the database (the truth) and shape one snapshot per show.

Framework-free; the pusher calls `read_counts` once per tick for all dirty shows together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, text
from sqlmodel import Session


@dataclass(frozen=True)
class SongCount:
    prediction_song_id: int
    song_id: int
    title: str
    album: str
    source: str
    position: int
    votes: int


@dataclass
class ShowCounts:
    show_id: int
    total: int = 0
    songs: list[SongCount] = field(default_factory=list)


_QUERY = text(
    "SELECT p.show_id, ps.id, ps.song_id, s.title, coalesce(s.album, ''), ps.source, ps.position,"
    " ps.vote_count FROM predictions p"
    " JOIN prediction_songs ps ON ps.prediction_id = p.id AND NOT ps.hidden"
    " JOIN songs s ON s.id = ps.song_id WHERE p.show_id IN :ids"
).bindparams(bindparam("ids", expanding=True))


def read_counts(session: Session, show_ids: Iterable[int]) -> dict[int, ShowCounts]:
    """Every visible prediction song of each show with its count; the total is their sum.

    One statement, so one consistent view; summing it (rather than reading the show's own counter
    beside it) makes the total always agree with the counts shown next to it."""
    ids = sorted(set(show_ids))
    out = {show_id: ShowCounts(show_id) for show_id in ids}
    if not ids:
        return out
    for row in session.execute(_QUERY, {"ids": ids}):
        out[row[0]].songs.append(SongCount(*(row[1:])))
    for counts in out.values():
        counts.total = sum(s.votes for s in counts.songs)
        counts.songs.sort(key=lambda s: (s.position, s.prediction_song_id))  # stable display order
    return out


def ranks(songs: list[SongCount]) -> dict[int, int]:
    """prediction_song_id -> 1-based rank: most votes first, ties by seed position (as the page)."""
    order = sorted(songs, key=lambda s: (-s.votes, s.position, s.prediction_song_id))
    return {s.prediction_song_id: i for i, s in enumerate(order, start=1)}
