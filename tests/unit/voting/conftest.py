"""Voting rules on the embedded SQLite database (migrated like production): fast, no services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from setlist_app.db import make_engine
from setlist_app.migrations import upgrade_to_head


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('voting')) / 'voting.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        yield session
    with sqlite_engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name not in ("alembic_version", "sync_status"):
                conn.execute(text(f"DELETE FROM {table.name}"))
