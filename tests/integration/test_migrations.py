"""Migrations build the whole schema from empty Postgres and SQLite and undo it cleanly."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, MetaData, Table, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import setlist_app.models  # noqa: F401
from setlist_app.db import make_engine
from setlist_app.migrations import downgrade_to_base, is_at_head, upgrade_to_head
from setlist_app.models import utcnow
from tests.conftest import PG_ADMIN_URL


def _roundtrip(url: str) -> None:
    upgrade_to_head(url)
    assert is_at_head(url)
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, phase, health FROM sync_status")).all() == [
                (1, "idle", "ok")
            ]
    finally:
        engine.dispose()
    downgrade_to_base(url)
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade_to_head(url)  # and back up again: downgrade left nothing behind that blocks it
    assert is_at_head(url)


def test_migrations_roundtrip_on_empty_postgres() -> None:
    with _empty_postgres() as url:
        _roundtrip(url)


def test_migrations_roundtrip_on_empty_sqlite(tmp_path: Path) -> None:
    _roundtrip(f"sqlite:///{tmp_path / 'app.db'}")


def _declared_for(dialect: str) -> Callable[..., bool]:
    """Alembic `include_object`: skip what the models create on Postgres only (the GIN trigram
    indexes, `trigram_index`) when comparing another database."""

    def include(obj: Any, _name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        return dialect == "postgresql" or type_ != "index" or not obj.dialect_options["postgresql"]["using"]

    return include


def test_models_match_migrations(engine: Engine) -> None:
    """Autogenerate finds nothing to do: models and migrations describe the same schema."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _declared_for(conn.dialect.name)})
        assert compare_metadata(context, SQLModel.metadata) == []


def _insert(conn: Connection, table: str, **values: Any) -> int:
    """Insert a row as the schema of the moment has it: NOT NULL columns not given get a neutral value."""
    reflected = Table(table, MetaData(), autoload_with=conn)
    neutral: dict[type, Any] = {int: 0, float: 0.0, bool: False, str: "x"}
    for column in reflected.columns:
        if column.name not in values and not column.nullable and not column.primary_key:
            kind = column.type
            values[column.name] = [] if isinstance(kind, JSON) else neutral.get(kind.python_type, utcnow())
    return int(conn.execute(reflected.insert().values(**values).returning(reflected.c.id)).scalar_one())


@contextmanager
def _empty_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards)."""
    name = f"setlist_mig_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_stored_setlists_are_rescored_apart_by_the_migration(backend: str, tmp_path: Path) -> None:
    """0006 re-scores setlists stored before it: seeded songs nobody voted for are no fan prediction."""
    if backend == "postgresql":
        with _empty_postgres() as url:
            _rescored(url)
    else:
        _rescored(f"sqlite:///{tmp_path / 'app.db'}")


def _rescored(url: str) -> None:
    upgrade_to_head(url, "0002")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            artist = _insert(conn, "artists", slug="a", name="A", normalized_name="a")
            venue = _insert(conn, "venues", slug="v", name="V", city="C", country="X", country_code="XX")
            songs = [_insert(conn, "songs", title=t, normalized_title=t) for t in ("one", "two", "three")]
            quiet, loud = (
                _insert(
                    conn,
                    "shows",
                    slug=s,
                    artist_id=artist,
                    venue_id=venue,
                    name=s,
                    status="completed",
                    local_date=utcnow().date() - timedelta(days=days),
                )
                for days, s in ((2, "quiet"), (1, "loud"))
            )
            for show, votes in ((quiet, (0, 0, 0)), (loud, (3, 0, 1))):
                prediction = _insert(conn, "predictions", show_id=show)
                for song, n in zip(songs, votes, strict=True):
                    source = "fan" if song == songs[2] else "seed"
                    _insert(
                        conn,
                        "prediction_songs",
                        prediction_id=prediction,
                        song_id=song,
                        source=source,
                        vote_count=n,
                    )
                # The old scoring: every predicted song played was a hit, votes or not.
                setlist = _insert(
                    conn, "actual_setlists", show_id=show, song_count=2, predicted_count=2, accuracy=100.0
                )
                for position, (song, n) in enumerate(zip(songs[:2], votes, strict=False), start=1):
                    _insert(
                        conn, "actual_setlist_songs", setlist_id=setlist, position=position, title="t",
                        song_id=song, was_predicted=True, prediction_votes=n,
                    )  # fmt: skip
                conn.execute(text("UPDATE predictions SET accuracy = 100.0 WHERE show_id = :s"), {"s": show})
        upgrade_to_head(url)
        with engine.connect() as conn:
            scores = conn.execute(
                text(
                    "SELECT s.slug, st.fan_picks, st.predicted_count, st.accuracy, st.seed_picks, st.seed_hits,"
                    " st.seed_accuracy, p.accuracy FROM actual_setlists st JOIN shows s ON s.id = st.show_id"
                    " JOIN predictions p ON p.show_id = s.id ORDER BY s.slug"
                )
            ).all()
            marks = conn.execute(
                text(
                    "SELECT was_predicted, was_seeded FROM actual_setlist_songs ORDER BY setlist_id, position"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in scores] == [
        ("loud", 2, 1, 50.0, 2, 2, 100.0, 50.0),  # fans voted "one" (played) and "three" (not)
        ("quiet", 0, 0, None, 2, 2, 100.0, None),  # nobody voted: no fans' score, only the baseline
    ]
    assert [tuple(m) for m in marks] == [(0, 1), (0, 1), (1, 1), (0, 1)]  # quiet's songs, then loud's
