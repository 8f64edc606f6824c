"""The embedded default's SQLite connections: WAL with its recommended sync level, foreign keys on,
and a busy timeout long enough for the worker and the app writing at once."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from setlist_app.db import make_engine


def test_sqlite_connections_are_set_up_for_concurrent_writers(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        with engine.connect() as conn:
            pragma = {
                name: conn.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    # synchronous 1 is NORMAL: in WAL mode a commit is durable against a crash of the app
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 30000}


def test_a_savepoint_that_reads_then_writes_waits_for_another_writer_instead_of_failing(
    tmp_path: Path,
) -> None:
    """A transaction that a savepoint opens reads first and writes later (sign-in's "find the
    account by email, else create it"). In WAL mode SQLite cannot upgrade such a reader whose
    snapshot another connection's commit has made stale: it answers "database is locked" at once,
    without waiting out the busy timeout. So the savepoint's transaction takes the write lock when
    it begins, and the other writer waits for it instead."""
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (v TEXT)"))

        def other_writer() -> None:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES ('other')"))

        with Session(engine) as session:
            with session.begin_nested():
                assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
                writer = threading.Thread(target=other_writer)
                writer.start()
                writer.join(timeout=0.5)
                waited = writer.is_alive()
                session.execute(text("INSERT INTO t VALUES ('savepoint')"))
            session.commit()
        writer.join(timeout=30)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT v FROM t ORDER BY rowid")).scalars().all()
    finally:
        engine.dispose()
    assert waited, "the other writer committed inside the savepoint's transaction"
    assert rows == ["savepoint", "other"]
