"""Users' prediction accuracy, updated incrementally when a show's setlist is scored.

Only the users who voted on that show are touched (one aggregate query, one UPDATE per voter with
`x = x + delta`); nobody's history is rescanned. Re-scoring a show (a corrected setlist) applies
the difference between the old and the new result, so counts never double. A streak is the number
of consecutive scored shows on which the user had at least one correct vote; it moves only the first
time a show is scored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select, update
from sqlmodel import Session

from setlist_app.models import ActualSetlistSong, PredictionSong, User, Vote

_USERS = User.__table__


@dataclass(frozen=True)
class VoterScore:
    scored: int  # the user's votes on the show
    correct: int  # of those, votes for songs that were played


def show_scores(session: Session, show_id: int, setlist_id: int | None) -> dict[int, VoterScore]:
    """Per signed-in voter of the show: votes cast and votes for played songs (tapes excluded)."""
    if setlist_id is None:
        return {}
    played = exists().where(
        ActualSetlistSong.setlist_id == setlist_id,
        ActualSetlistSong.song_id == PredictionSong.song_id,
        ActualSetlistSong.is_tape == False,  # noqa: E712
    )
    rows = session.execute(
        select(Vote.user_id, func.count(), func.sum(case((played, 1), else_=0)))
        .join(PredictionSong, PredictionSong.id == Vote.prediction_song_id)
        .where(and_(Vote.show_id == show_id, Vote.user_id.is_not(None)))
        .group_by(Vote.user_id)
    ).all()
    return {int(user_id): VoterScore(int(n), int(hits or 0)) for user_id, n, hits in rows}


def apply_scores(
    session: Session, before: dict[int, VoterScore], after: dict[int, VoterScore], *, first_scoring: bool
) -> int:
    """Move each voter's totals by (after - before); on a first scoring also move streaks.

    Returns the number of users updated. The caller commits (same transaction as the setlist).
    """
    updated = 0
    for user_id in sorted(before.keys() | after.keys()):  # a stable order avoids deadlocks
        old, new = before.get(user_id, VoterScore(0, 0)), after.get(user_id, VoterScore(0, 0))
        values: dict[str, object] = {}
        if new.scored != old.scored:
            values["scored_votes"] = _USERS.c.scored_votes + (new.scored - old.scored)
        if new.correct != old.correct:
            values["correct_votes"] = _USERS.c.correct_votes + (new.correct - old.correct)
        if first_scoring and user_id in after:
            if new.correct > 0:
                values["current_streak"] = _USERS.c.current_streak + 1
                values["best_streak"] = case(
                    (_USERS.c.current_streak + 1 > _USERS.c.best_streak, _USERS.c.current_streak + 1),
                    else_=_USERS.c.best_streak,
                )
            else:
                values["current_streak"] = 0
        if values:
            session.execute(update(_USERS).where(_USERS.c.id == user_id).values(**values))
            updated += 1
    return updated
