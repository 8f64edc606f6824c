"""Fan pages: trigram search indexes (Postgres) and venue/follower/leaderboard lookups.

The typeahead (`setlist_app.services.search`) matches with `ILIKE` and the trigram `%` operator,
served on Postgres by GIN `gin_trgm_ops` indexes. SQLite, the embedded default, searches with
plain `LIKE` and gets only the B-tree indexes.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEXES = [
    ("ix_artists_name_trgm", "artists", "normalized_name"),
    ("ix_songs_title_trgm", "songs", "normalized_title"),
    ("ix_venues_name_trgm", "venues", "name"),
    ("ix_venues_city_trgm", "venues", "city"),
]
BTREE_INDEXES = [
    ("ix_shows_venue_starts_at", "shows", ["venue_id", "starts_at"]),
    ("ix_follows_artist_id", "follows", ["artist_id"]),
    ("ix_users_correct_votes", "users", ["correct_votes"]),
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM_INDEXES:
            op.create_index(
                name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
            )
    for name, table, columns in BTREE_INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in BTREE_INDEXES:
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _column in TRIGRAM_INDEXES:
            op.drop_index(name, table_name=table)
        # pg_trgm stays installed: harmless, and other objects may use it.
