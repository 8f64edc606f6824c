"""The embedded default's SQLite connections: WAL with its recommended sync level, foreign keys on,
and a busy timeout long enough for the worker and the app writing at once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

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
