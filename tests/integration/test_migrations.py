"""Migrations build the whole schema from empty Postgres and SQLite and undo it cleanly."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import setlist_app.models  # noqa: F401
from setlist_app.db import make_engine
from setlist_app.migrations import downgrade_to_base, is_at_head, upgrade_to_head
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
    name = f"setlist_mig_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        _roundtrip(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


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
