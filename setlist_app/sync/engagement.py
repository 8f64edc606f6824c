"""Engagement counts: upcoming shows and followers per artist; vote counters reconciled.

Counters are maintained atomically where they change (`x = x + 1` in the vote transaction); this
cron recomputes them with set-based UPDATEs that touch only rows that drifted, and reports how many
did. Vote counters of a show with any vote activity in the last few minutes are left alone: a vote
transaction in flight could otherwise be counted from a stale snapshot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlmodel import Session

from setlist_app.models import (
    Activity,
    Artist,
    Follow,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    User,
    Vote,
)
from setlist_app.sync.planners import PlanContext, planner

QUIET = timedelta(minutes=5)
_A, _S, _F, _V = Artist.__table__, Show.__table__, Follow.__table__, Vote.__table__
_P, _PS, _ACT, _U = Prediction.__table__, PredictionSong.__table__, Activity.__table__, User.__table__


@dataclass(frozen=True)
class EngagementResult:
    upcoming_show_counts: int
    follower_counts: int
    show_vote_counts: int
    song_vote_counts: int
    user_vote_counts: int


def _count(table: Any, *where: Any) -> Any:
    """Correlated `(SELECT count(*) FROM table WHERE ...)`."""
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


def reconcile(session: Session, now: datetime) -> EngagementResult:
    """Recompute the counters; returns how many rows of each kind were corrected. Caller commits."""
    upcoming = _count(
        _S, _S.c.artist_id == _A.c.id, _S.c.status == ShowStatus.UPCOMING.value, _S.c.starts_at >= now
    )
    shows = session.execute(
        update(_A).where(_A.c.upcoming_show_count != upcoming).values(upcoming_show_count=upcoming)
    ).rowcount
    followers = _count(_F, _F.c.artist_id == _A.c.id)
    follows = session.execute(
        update(_A).where(_A.c.follower_count != followers).values(follower_count=followers)
    ).rowcount

    def quiet(show_id: Any) -> Any:
        return ~exists().where(_ACT.c.show_id == show_id, _ACT.c.created_at >= now - QUIET)

    show_votes = _count(_V, _V.c.show_id == _S.c.id)
    show_fixed = session.execute(
        update(_S).where(_S.c.vote_count != show_votes, quiet(_S.c.id)).values(vote_count=show_votes)
    ).rowcount
    song_votes = _count(_V, _V.c.prediction_song_id == _PS.c.id)
    song_show = select(_P.c.show_id).where(_P.c.id == _PS.c.prediction_id).correlate(_PS).scalar_subquery()
    song_fixed = session.execute(
        update(_PS).where(_PS.c.vote_count != song_votes, quiet(song_show)).values(vote_count=song_votes)
    ).rowcount
    user_votes = _count(_V, _V.c.user_id == _U.c.id)
    user_quiet = ~exists().where(_ACT.c.user_id == _U.c.id, _ACT.c.created_at >= now - QUIET)
    user_fixed = session.execute(
        update(_U).where(_U.c.votes_cast != user_votes, user_quiet).values(votes_cast=user_votes)
    ).rowcount
    return EngagementResult(shows, follows, show_fixed, song_fixed, user_fixed)


@planner(
    "engagement_counts",
    interval_seconds=1800,
    limit_per_run=0,  # database only: creates no jobs
    essential=True,
    description="Recompute upcoming-show and follower counts; reconcile vote counters",
)
async def plan_engagement(p: PlanContext) -> int:
    return sum(asdict(reconcile(p.session, p.now)).values())
