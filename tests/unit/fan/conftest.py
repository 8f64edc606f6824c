"""Fan services on the embedded SQLite database (migrated like production) with the demo catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.db import make_engine
from setlist_app.migrations import upgrade_to_head
from setlist_app.services.demo_seed import seed_demo_catalog


@pytest.fixture(scope="package")
def fan_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fan')) / 'fan.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with Session(engine) as s:
        seed_demo_catalog(s)
        s.commit()
    yield engine
    engine.dispose()


@pytest.fixture
def db(fan_engine: Engine) -> Iterator[Session]:
    """A session whose changes are rolled back after the test (the demo catalog stays)."""
    with fan_engine.connect() as conn:
        trans = conn.begin()
        with Session(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint") as s:
            yield s
        trans.rollback()
