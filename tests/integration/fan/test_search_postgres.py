"""Search on Postgres at scale: 50k artists and songs, the plan uses the trigram indexes, ranking holds."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, col, select

from setlist_app.models import Song
from setlist_app.services import profiles, search


def _bulk(session: Session, n: int) -> None:
    session.execute(
        text(
            "INSERT INTO artists (slug, name, normalized_name, genres, popularity, follower_count,"
            " upcoming_show_count, trending_score, catalog_status, catalog_failures, catalog_song_count,"
            " version, created_at, updated_at)"
            " SELECT 'gen-' || i, 'Band ' || substr(md5(i::text), 1, 8), 'band ' || substr(md5(i::text), 1, 8), '[]',"
            " i % 100, 0, 0, 0, 'never', 0, 0, 1, now(), now() FROM generate_series(1, :n) i"
        ),
        {"n": n},
    )
    session.execute(
        text(
            "INSERT INTO songs (title, normalized_title, is_studio, created_at)"
            " SELECT 'Song ' || substr(md5(i::text), 1, 8), 'song ' || substr(md5(i::text), 1, 8), true, now()"
            " FROM generate_series(1, :n) i"
        ),
        {"n": n * 4},  # song rows are narrow: a seq scan stays cheap until the table is large
    )
    session.execute(
        text(
            "INSERT INTO users (name, role, votes_cast, scored_votes, correct_votes, current_streak,"
            " best_streak, created_at) SELECT 'Fan ' || i, 'user', 0, 50, i % 40, 0, 0, now()"
            " FROM generate_series(1, :n) i"
        ),
        {"n": n},
    )
    for name in ("Radiohead", "Radio Moscow", "The Radio Dept"):
        session.execute(
            text(
                "INSERT INTO artists (slug, name, normalized_name, genres, popularity, follower_count,"
                " upcoming_show_count, trending_score, catalog_status, catalog_failures, catalog_song_count,"
                " version, created_at, updated_at) VALUES (:s, :n, :l, '[]', 50, 0, 0, 0, 'never',"
                " 0, 0, 1, now(), now())"
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


def test_typeahead_uses_trigram_indexes_at_scale(session: Session) -> None:
    _bulk(session, 50_000)
    artist_plan = _plan(session, search.artist_query("radio", True, 5))
    # The song statement joins artist_songs (empty here); the title match itself must be index-served.
    song_plan = _plan(
        session, select(Song.id).where(search._match(col(Song.normalized_title), "karma", True))
    )
    venue_plan = _plan(session, search.venue_query("london", True, 5))
    assert "ix_artists_name_trgm" in artist_plan, artist_plan
    assert "ix_songs_title_trgm" in song_plan, song_plan
    assert "Seq Scan on artists" not in artist_plan
    top = [h.title for h in search.search(session, "radio").artists][:3]
    assert set(top[:2]) == {"Radiohead", "Radio Moscow"} and top[2] == "The Radio Dept"  # prefix, then word
    assert "venues" in venue_plan
    # Fuzzy: a typo still finds the band through the trigram `%` operator.
    assert "Radiohead" in [h.title for h in search.search(session, "radiohed").artists]


def test_leaderboard_and_rank_use_the_index(session: Session) -> None:
    _bulk(session, 50_000)
    rank_plan = "\n".join(
        r[0] for r in session.execute(text("EXPLAIN SELECT count(*) FROM users WHERE correct_votes > 38"))
    )
    top_plan = "\n".join(
        r[0]
        for r in session.execute(
            text(
                "EXPLAIN SELECT id FROM users WHERE correct_votes > 0 AND role <> 'banned'"
                " ORDER BY correct_votes DESC, scored_votes, id LIMIT 10"
            )
        )
    )
    assert "ix_users_correct_votes" in rank_plan, rank_plan
    assert "ix_users_correct_votes" in top_plan, top_plan
    board = profiles.leaderboard(session, 10)
    assert board[0].correct == 39 and board[0].rank == 1
