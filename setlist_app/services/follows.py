"""Following artists: one statement each way, and the activity row in the same transaction."""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlmodel import Session

from setlist_app.models import Activity, Follow, utcnow

# Bound through the column type: SQLite stores timestamps as text, and an untyped datetime would be
# written in another format than the column's (the two then compare apart).
_AT = bindparam("at", type_=Follow.__table__.c.created_at.type)  # type: ignore[attr-defined]


def is_following(session: Session, user_id: int | None, artist_id: int) -> bool:
    if user_id is None:
        return False
    row = session.execute(
        text("SELECT 1 FROM follows WHERE user_id = :u AND artist_id = :a"), {"u": user_id, "a": artist_id}
    ).first()
    return row is not None


def follower_count(session: Session, artist_id: int) -> int:
    """Fans following the artist (index on follows.artist_id)."""
    return int(
        session.execute(
            text("SELECT count(*) FROM follows WHERE artist_id = :a"), {"a": artist_id}
        ).scalar_one()
    )


def set_follow(session: Session, user_id: int, artist_id: int, want: bool) -> bool:
    """Make the user follow (or not) the artist; True when something changed. The caller commits.

    Idempotent: repeating it changes nothing and writes no second activity row.
    """
    if want:
        changed = session.execute(
            text(
                "INSERT INTO follows (user_id, artist_id, created_at) VALUES (:u, :a, :at)"
                " ON CONFLICT (user_id, artist_id) DO NOTHING RETURNING user_id"
            ).bindparams(_AT),
            {"u": user_id, "a": artist_id, "at": utcnow()},
        ).first()
    else:
        changed = session.execute(
            text("DELETE FROM follows WHERE user_id = :u AND artist_id = :a RETURNING user_id"),
            {"u": user_id, "a": artist_id},
        ).first()
    if changed is None:
        return False
    session.add(Activity(kind="follow" if want else "unfollow", user_id=user_id, artist_id=artist_id))
    session.flush()
    return True
