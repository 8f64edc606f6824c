"""`SongRow` is built from `SONG_CONTEXTS`' columns by position: their names and order must agree."""

from __future__ import annotations

import re

from sqlalchemy.dialects import postgresql, sqlite

from setlist_app.services.voting.statements import SONG_CONTEXTS, SongRow


def _labels(sql: str) -> list[str]:
    columns = re.search(r"SELECT (.*?) FROM ", sql, re.S)
    assert columns is not None
    return [re.split(r"\s+AS\s+|\.", c.strip(), flags=re.I)[-1] for c in columns.group(1).split(",")]


def test_song_contexts_columns_match_song_row_fields() -> None:
    for dialect in (sqlite.dialect(), postgresql.psycopg.dialect()):
        assert _labels(SONG_CONTEXTS.sql(dialect)) == list(SongRow._fields)
