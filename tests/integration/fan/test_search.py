"""Search and the leaderboard at scale (50k artists and fans, 200k songs): the ranking holds on both
backends, and on Postgres the plans use the trigram and leaderboard indexes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from setlist_app.models import Song
from setlist_app.services import profiles, search

# Rows i = 1..:n with a pseudo-random x (the MINSTD generator), in SQL both backends run: SQLite
# has neither generate_series nor md5.
_SEQ = (
    "WITH RECURSIVE seq(i, x) AS (SELECT 1, CAST(48271 AS BIGINT)"
    " UNION ALL SELECT i + 1, x * 48271 % 2147483647 FROM seq WHERE i < :n) "
)
# A seven-letter word from x, of letters that spell neither "radio" nor "karma": only the three
# named bands match. Varied enough that the trigram index is the cheaper plan on Postgres.
_LETTERS = "bcefghjklmnpqstuvwxyz"
_NAME = " || ".join(
    f"substr('{_LETTERS}', CAST(x / {len(_LETTERS) ** k} % {len(_LETTERS)} AS INTEGER) + 1, 1)"
    for k in range(7)
)
_ARTISTS = (
    "INSERT INTO artists (slug, name, normalized_name, genres, popularity, follower_count,"
    " upcoming_show_count, trending_score, catalog_status, catalog_failures, catalog_song_count,"
    " version, created_at, updated_at)"
)


def _bulk(session: Session, n: int) -> None:
    """`n` artists and fans and 4n songs, plus three "radio" bands."""
    session.execute(
        text(
            f"{_ARTISTS} {_SEQ} SELECT 'gen-' || i, 'Band ' || {_NAME}, 'band ' || {_NAME},"
            " '[]', i % 100, 0, 0, 0, 'never', 0, 0, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM seq"
        ),
        {"n": n},
    )
    session.execute(
        text(
            f"INSERT INTO songs (title, normalized_title, is_studio, created_at) {_SEQ}"
            f" SELECT 'Song ' || {_NAME}, 'song ' || {_NAME}, TRUE, CURRENT_TIMESTAMP FROM seq"
        ),
        {"n": n * 4},  # song rows are narrow: a seq scan stays cheap until the table is large
    )
    session.execute(
        text(
            "INSERT INTO users (name, role, votes_cast, scored_votes, correct_votes, current_streak,"
            f" best_streak, created_at) {_SEQ} SELECT 'Fan ' || i, 'user', 0, 50, i % 40, 0, 0,"
            " CURRENT_TIMESTAMP FROM seq"
        ),
        {"n": n},
    )
    for name in ("Radiohead", "Radio Moscow", "The Radio Dept"):
        session.execute(
            text(
                f"{_ARTISTS} VALUES (:s, :n, :l, '[]', 50, 0, 0, 0, 'never', 0, 0, 1,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"s": name.lower().replace(" ", "-"), "n": name, "l": name.lower()},
        )
    session.commit()
    for table in ("artists", "songs", "users"):
        session.execute(text(f"ANALYZE {table}"))


def _plan(session: Session, stmt: object) -> str:
    compiled = stmt.compile(dialect=session.get_bind().dialect)  # type: ignore[attr-defined]
    rows = session.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
    return "\n".join(r[0] for r in rows)


@pytest.mark.slow  # bulk-loads thousands of rows
def test_search_and_leaderboard_at_scale(session: Session, db_backend: str) -> None:
    _bulk(session, 50_000)
    top = [h.title for h in search.search(session, "radio").artists][:3]
    assert set(top[:2]) == {"Radiohead", "Radio Moscow"} and top[2] == "The Radio Dept"  # prefix, then word
    board = profiles.leaderboard(session, 10)
    assert board[0].correct == 39 and board[0].rank == 1
    assert profiles.leaderboard_rank(session, 38) == 1 + 50_000 // 40  # everyone on 39 is ahead
    if db_backend == "postgresql":  # pg_trgm: fuzzy matching, and index-served plans
        _assert_postgres_plans(session)


def _assert_postgres_plans(session: Session) -> None:
    # A typo still finds the band through the trigram `%` operator.
    assert "Radiohead" in [h.title for h in search.search(session, "radiohed").artists]
    artist_plan = _plan(session, search.artist_query("radio", True, 5))
    # The song statement joins artist_songs (empty here); the title match itself must be index-served.
    song_plan = _plan(
        session, select(Song.id).where(search._match(col(Song.normalized_title), "karma", True))
    )
    venue_plan = _plan(session, search.venue_query("london", True, 5))
    assert "ix_artists_name_trgm" in artist_plan, artist_plan
    assert "ix_songs_title_trgm" in song_plan, song_plan
    assert "Seq Scan on artists" not in artist_plan
    assert "venues" in venue_plan
    rank_plan = _plan(session, text("SELECT count(*) FROM users WHERE correct_votes > 38"))
    top_plan = _plan(
        session,
        text(
            "SELECT id FROM users WHERE correct_votes > 0 AND role <> 'banned'"
            " ORDER BY correct_votes DESC, scored_votes, id LIMIT 10"
        ),
    )
    assert "ix_users_correct_votes" in rank_plan, rank_plan
    assert "ix_users_correct_votes" in top_plan, top_plan
