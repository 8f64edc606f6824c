"""The SQL of voting, built once, and how it runs inside the caller's transaction.

Building a `text()` (a regex over the SQL) plus the ORM session's execution layer cost more CPU than
the database round trip, so every statement is a module constant run on the session's connection.
Each `Statement` keeps its own compiled SQL per dialect (for psycopg pipelines), so the cache lives
as long as the statement and cannot be handed another statement's SQL.

Raw SQL keeps each step one statement; typed so SQLite hands back aware datetimes too, and
timestamps are bound through the column type: SQLite stores them as text, and an untyped datetime
becomes '… 12:00:00+00:00' where the column writes '… 12:00:00.000000' (the two compare apart).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, text
from sqlalchemy.engine import Dialect, Result
from sqlalchemy.sql import Executable
from sqlmodel import Session

from setlist_app.models import Activity, Show

_STARTS_AT = Show.__table__.c.starts_at.type  # type: ignore[attr-defined]
_AT = bindparam("at", type_=_STARTS_AT)


class Statement:
    """A statement built once, with its SQL compiled once per dialect on first use."""

    __slots__ = ("_sql", "clause")

    def __init__(self, clause: Executable) -> None:
        self.clause = clause
        self._sql: dict[str, str] = {}

    def sql(self, dialect: Dialect) -> str:
        """The statement as this dialect's SQL (psycopg: `%(name)s` parameters)."""
        sql = self._sql.get(dialect.name)
        if sql is None:
            sql = self._sql[dialect.name] = str(self.clause.compile(dialect=dialect))  # type: ignore[attr-defined]
        return sql


Step = tuple[Statement, Any]  # a statement and its parameters


class SongRow(NamedTuple):
    """A prediction song with its show: what a vote on it is checked against (`SONG_CONTEXTS`)."""

    prediction_song_id: int
    prediction_id: int
    song_id: int
    hidden: bool
    added_by_anon: str | None
    added_by_user_id: int | None
    show_id: int
    artist_id: int
    status: str
    starts_at: datetime


# Columns named and ordered as `SongRow`'s fields.
SONG_CONTEXTS = Statement(
    text(
        "SELECT ps.id AS prediction_song_id, ps.prediction_id, ps.song_id, ps.hidden, ps.added_by_anon,"
        " ps.added_by_user_id, s.id AS show_id, s.artist_id, s.status, s.starts_at"
        " FROM prediction_songs ps JOIN predictions p ON p.id = ps.prediction_id"
        " JOIN shows s ON s.id = p.show_id WHERE ps.id IN :ids"
    )
    .bindparams(bindparam("ids", expanding=True))
    .columns(starts_at=_STARTS_AT)
)
LOCK_PG = Statement(text("SELECT pg_advisory_xact_lock(:a, :b)"))
LOCK_SQLITE = Statement(text("UPDATE shows SET vote_count = vote_count WHERE id = :s"))
INSERT_VOTE = Statement(
    text(
        "INSERT INTO votes (prediction_song_id, show_id, voter, user_id, created_at)"
        " VALUES (:ps, :s, :v, :u, :at)"
        " ON CONFLICT (prediction_song_id, voter) DO NOTHING RETURNING id"
    ).bindparams(_AT)
)
DELETE_VOTE = Statement(text("DELETE FROM votes WHERE prediction_song_id = :ps AND voter = :v RETURNING id"))
SONG_COUNT = Statement(text("SELECT vote_count FROM prediction_songs WHERE id = :ps"))
BUMP_SONG = Statement(
    text("UPDATE prediction_songs SET vote_count = vote_count + :d WHERE id = :ps RETURNING vote_count")
)
BUMP_SHOW = Statement(text("UPDATE shows SET vote_count = vote_count + :d WHERE id = :s"))
BUMP_USER = Statement(text("UPDATE users SET votes_cast = votes_cast + :d WHERE id = :u"))
INSERT_ACTIVITY = Statement(insert(Activity.__table__))  # type: ignore[arg-type]
# An un-vote takes back the voter's recent "voted for" entry on that song instead of adding its own
# (`batch.COALESCE_WINDOW`): the user's, or the anonymous one this browser wrote before signing in
# (merged votes stay anonymous in the feed). Served by ix_activity_user_id and ix_activity_anon_id.
TAKE_BACK_VOTE = Statement(
    text(
        "DELETE FROM activity WHERE kind = 'vote' AND show_id = :s AND song_id = :song"
        " AND created_at >= :since AND (user_id = :u OR (user_id IS NULL AND anon_id = :a)) RETURNING id"
    ).bindparams(bindparam("since", type_=Activity.__table__.c.created_at.type))  # type: ignore[attr-defined]
)

# An anonymous voter's votes on a show that count against the allowance (not on songs they added),
# and the songs they added to it.
_COUNTED_VOTES_SQL = (
    "SELECT v.prediction_song_id FROM votes v JOIN prediction_songs ps ON ps.id = v.prediction_song_id"
    " WHERE v.show_id = :s AND v.voter = :v AND (ps.added_by_anon IS NULL OR ps.added_by_anon <> :anon)"
)
_ANON_ADDS_SQL = (
    "SELECT count(*) FROM prediction_songs ps JOIN predictions p ON p.id = ps.prediction_id"
    " WHERE p.show_id = :s AND ps.added_by_anon = :anon"
)
COUNTED_VOTES = Statement(text(_COUNTED_VOTES_SQL))
ANON_ADDS = Statement(text(_ANON_ADDS_SQL))
ALLOWANCE_USED = Statement(
    text(
        f"SELECT (SELECT count(*) FROM ({_COUNTED_VOTES_SQL}) c) AS used_votes, ({_ANON_ADDS_SQL}) AS used_adds"
    )
)

# Adding a song (`adds.add_song`).
SHOW_STATE = Statement(
    text("SELECT status, starts_at, artist_id FROM shows WHERE id = :s").columns(starts_at=_STARTS_AT)
)
IN_CATALOG = Statement(
    text(
        "SELECT 1 FROM artist_songs a JOIN songs s ON s.id = a.song_id"
        " WHERE a.artist_id = :artist AND a.song_id = :song AND s.is_studio"
    )
)
ENSURE_PREDICTION = Statement(
    text(
        "INSERT INTO predictions (show_id, status, created_at) VALUES (:s, 'waiting_catalog', :at)"
        " ON CONFLICT (show_id) DO NOTHING"
    ).bindparams(_AT)
)
PREDICTION_ID = Statement(text("SELECT id FROM predictions WHERE show_id = :s"))
PREDICTION_SONG = Statement(
    text("SELECT id, hidden FROM prediction_songs WHERE prediction_id = :p AND song_id = :song")
)
INSERT_PREDICTION_SONG = Statement(
    text(
        "INSERT INTO prediction_songs (prediction_id, song_id, source, added_by_user_id, added_by_anon,"
        " vote_count, position, hidden, created_at)"
        " SELECT :p, :song, 'fan', :u, :a, 0, coalesce(max(position), 0) + 1, false, :at"
        " FROM prediction_songs WHERE prediction_id = :p"
        " ON CONFLICT (prediction_id, song_id) DO NOTHING RETURNING id"
    ).bindparams(_AT)
)

# Reads for the show page (`queries`).
MY_VOTES = Statement(
    text("SELECT prediction_song_id FROM votes WHERE show_id = :s AND voter = :v ORDER BY id")
)
PICKER_CATALOG = Statement(
    text(
        "SELECT s.id AS song_id, s.title, coalesce(s.album, '') AS album FROM shows sh"
        " JOIN artist_songs a ON a.artist_id = sh.artist_id JOIN songs s ON s.id = a.song_id"
        " WHERE sh.id = :s AND s.is_studio ORDER BY a.position, s.title"
    )
)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def run(session: Session, statement: Statement, params: Any) -> Result[Any]:
    """Run a statement on the session's connection (inside its transaction), skipping the ORM."""
    return session.connection().execute(statement.clause, params)  # type: ignore[call-overload]


def run_all(session: Session, steps: Sequence[Step]) -> list[list[tuple[Any, ...]]]:
    """Run statements in order, in the session's transaction; each one's rows.

    On Postgres they travel in one psycopg pipeline: one round trip instead of one per statement
    (a batch of 50 anonymous votes: 0.56 → 0.24 ms of CPU per vote), and one wait for this
    thread's turn at the GIL, which a busy backend's event loop holds most of the time.
    """
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name != "postgresql":
        results = [conn.execute(statement.clause, params) for statement, params in steps]  # type: ignore[call-overload]
        return [[tuple(row) for row in r] if r.returns_rows else [] for r in results]
    driver = conn.connection.driver_connection
    with driver.pipeline():  # type: ignore[union-attr]
        cursors = [driver.execute(statement.sql(dialect), params) for statement, params in steps]  # type: ignore[union-attr]
    return [[tuple(row) for row in c.fetchall()] if c.description else [] for c in cursors]


def column(rows: list[tuple[Any, ...]]) -> list[Any]:
    """The only column of a one-column read."""
    return [row[0] for row in rows]


def scalar(rows: list[tuple[Any, ...]]) -> Any:
    """The one value of a one-row, one-column read."""
    return rows[0][0]


def voter_lock(postgres: bool, show_id: int, voter: str) -> Step:
    """The statement that serialises one voter's allowance checks on one show until the transaction
    ends (on SQLite it takes the database write lock, so the reads after it cannot go stale)."""
    if postgres:
        return LOCK_PG, {"a": show_id, "b": zlib.crc32(voter.encode()) - 2**31}  # hash() is salted
    return LOCK_SQLITE, {"s": show_id}
