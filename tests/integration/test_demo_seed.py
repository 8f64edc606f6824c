"""The demo catalog loads, meets the data bar, and loading it twice changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from setlist_app.models import ActualSetlist, Artist, ArtistSong, Show, ShowStatus, Song
from setlist_app.services.demo_seed import seed_demo_catalog


def _snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every table's rows in a stable order (timestamps excluded)."""
    with engine.connect() as conn:
        return {
            table.name: sorted(
                repr(tuple(row))
                for row in conn.execute(
                    table.select().with_only_columns(
                        *(c for c in table.columns if not c.name.endswith("_at"))
                    )
                )
            )
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.mark.slow  # seeds the whole demo catalog twice
def test_seed_meets_the_data_bar_and_is_idempotent(engine: Engine) -> None:
    with Session(engine) as session:
        first = seed_demo_catalog(session)
    assert first.artists >= 20 and first.shows >= 90 and first.setlists >= 30
    before = _snapshot(engine)
    with Session(engine) as session:
        second = seed_demo_catalog(session)
    assert (second.artists, second.venues, second.shows, second.songs, second.setlists) == (0, 0, 0, 0, 0)
    assert _snapshot(engine) == before

    with Session(engine) as session:
        upcoming = session.exec(
            select(func.count()).select_from(Show).where(Show.status == ShowStatus.UPCOMING)
        ).one()
        completed = session.exec(
            select(func.count()).select_from(Show).where(Show.status == ShowStatus.COMPLETED)
        ).one()
        assert upcoming >= 60 and completed >= 30
        per_artist = session.exec(
            select(ArtistSong.artist_id, func.count()).group_by(ArtistSong.artist_id)
        ).all()
        assert len(per_artist) == session.exec(select(func.count()).select_from(Artist)).one()
        assert min(n for _, n in per_artist) >= 15
        # The catalog keeps studio songs only: no live, remix or demo versions slipped in.
        titles = session.exec(select(Song.title)).all()
        assert not [
            t
            for t in titles
            if any(w in t.lower() for w in ("(live)", "- live", "remix", "- demo", "karaoke"))
        ]
        # Every completed show's setlist is stored and matched; nobody voted on them, so none has a
        # fans' score (domain.scoring) rather than a made-up 0 %.
        scored = session.exec(select(ActualSetlist)).all()
        assert all(s.accuracy is None and s.fan_picks == 0 for s in scored)
        assert len(scored) >= 30
        assert all(s.song_count >= 10 and s.matched_count > s.song_count // 2 for s in scored)
