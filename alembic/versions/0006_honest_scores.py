"""Honest predictions: the fans' prediction and the seeded baseline scored apart; activity coalescing.

`actual_setlists.predicted_count`/`accuracy` (and `predictions.accuracy`) now score only the songs
fans voted for; the seeded baseline gets its own columns, and each played song says whether it was
seeded. Existing setlists are re-scored from what is stored (the same rule as `domain.scoring`).
A partial index on `activity.anon_id` lets an anonymous fan's un-vote find the vote entry it
coalesces with.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ANON = sa.text("anon_id IS NOT NULL")
_SETLIST_COLUMNS = ["fan_picks", "seed_picks", "seed_hits", "seed_accuracy"]

# Re-score stored setlists: a played song is a fan hit when fans voted for it, a seed hit when it
# was seeded; picks are counted from the show's (visible) prediction songs.
_PREDICTION_SONGS = (
    "FROM prediction_songs ps JOIN predictions p ON p.id = ps.prediction_id"
    " WHERE p.show_id = actual_setlists.show_id AND NOT ps.hidden"
)
_RESCORE = [
    "UPDATE actual_setlist_songs SET was_seeded = EXISTS (SELECT 1 FROM prediction_songs ps"
    " JOIN predictions p ON p.id = ps.prediction_id JOIN actual_setlists st ON st.show_id = p.show_id"
    " WHERE st.id = actual_setlist_songs.setlist_id AND ps.song_id = actual_setlist_songs.song_id"
    " AND ps.source = 'seed' AND NOT ps.hidden) AND NOT is_tape",
    "UPDATE actual_setlist_songs SET was_predicted = (was_predicted AND prediction_votes > 0)",
    "UPDATE actual_setlists SET"
    f" fan_picks = (SELECT count(*) {_PREDICTION_SONGS} AND ps.vote_count > 0),"
    f" seed_picks = (SELECT count(*) {_PREDICTION_SONGS} AND ps.source = 'seed'),"
    " predicted_count = (SELECT count(*) FROM actual_setlist_songs a"
    "  WHERE a.setlist_id = actual_setlists.id AND a.was_predicted AND NOT a.is_tape),"
    " seed_hits = (SELECT count(*) FROM actual_setlist_songs a"
    "  WHERE a.setlist_id = actual_setlists.id AND a.was_seeded AND NOT a.is_tape)",
    "UPDATE actual_setlists SET"
    " accuracy = CASE WHEN fan_picks > 0 AND song_count > 0"
    "  THEN round(100.0 * predicted_count / song_count, 1) END,"
    " seed_accuracy = CASE WHEN seed_picks > 0 AND song_count > 0"
    "  THEN round(100.0 * seed_hits / song_count, 1) END",
    "UPDATE predictions SET accuracy = (SELECT st.accuracy FROM actual_setlists st"
    " WHERE st.show_id = predictions.show_id)",
]


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite >= 3.35 too): a batch "move and copy" of actual_setlists would drop
    # the old table, and its ON DELETE CASCADE would empty actual_setlist_songs. The server defaults
    # stay (they fill existing rows; the ORM always writes the columns itself).
    for name in _SETLIST_COLUMNS[:3]:
        op.add_column("actual_setlists", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("actual_setlists", sa.Column("seed_accuracy", sa.Float(), nullable=True))
    op.add_column(
        "actual_setlist_songs",
        sa.Column("was_seeded", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    for statement in _RESCORE:
        op.execute(statement)
    op.create_index(
        "ix_activity_anon_id", "activity", ["anon_id"], postgresql_where=_ANON, sqlite_where=_ANON
    )


def downgrade() -> None:
    # The old columns keep the fans' scores: the old rule's numbers are not recomputed.
    op.drop_index("ix_activity_anon_id", table_name="activity")
    op.drop_column("actual_setlist_songs", "was_seeded")
    for name in reversed(_SETLIST_COLUMNS):
        op.drop_column("actual_setlists", name)
