"""Trending scores and ranks for artists and shows, computed by a handful of set-based UPDATEs.

Score = recent engagement (votes, with the last day counting double; fans' song adds count 3; new
follows 5 for artists) plus a small base for what is coming up (artists: 0.5 per upcoming show;
shows: +2 when the show is within two weeks). Ranks 1..n go to positive scores only. Every
statement only touches rows whose value changes, so a quiet hour writes almost nothing — the
predecessor patched every row from a full-table scan. Runs on Postgres and SQLite alike.

The trending columns are written only here (never read-modify-written elsewhere), so these bulk
updates need not go through `artist_writes`' row versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select, union_all, update
from sqlmodel import Session

from setlist_app.models import Artist, Follow, Prediction, PredictionSong, Show, ShowStatus, Vote

WINDOW = timedelta(days=7)
RECENT = timedelta(days=1)
VOTE, RECENT_VOTE, ADD, FOLLOW = 1.0, 2.0, 3.0, 5.0
UPCOMING_SHOW_BASE = 0.5
SOON, SOON_BONUS = timedelta(days=14), 2.0

_A, _S, _V = Artist.__table__, Show.__table__, Vote.__table__
_P, _PS, _F = Prediction.__table__, PredictionSong.__table__, Follow.__table__


@dataclass(frozen=True)
class TrendingResult:
    scores_changed: int
    ranks_changed: int


def _vote_points(now: datetime) -> ColumnElement[float]:
    return case((_V.c.created_at >= now - RECENT, literal(RECENT_VOTE)), else_=literal(VOTE))


def _show_points(now: datetime) -> Any:
    """(show_id, points) of the last week's votes and fan adds."""
    votes = select(_V.c.show_id.label("show_id"), _vote_points(now).label("pts")).where(
        _V.c.created_at >= now - WINDOW
    )
    adds = (
        select(_P.c.show_id.label("show_id"), literal(ADD).label("pts"))
        .join(_PS, _PS.c.prediction_id == _P.c.id)
        .where(_PS.c.source == "fan", _PS.c.created_at >= now - WINDOW)
    )
    return union_all(votes, adds).subquery()


def _apply_scores(session: Session, table: Any, key: Any, points: Any, base: Any, eligible: Any) -> int:
    """score = points + base for eligible rows with points, base for the other eligible rows,
    0 for the rest — each UPDATE limited to rows whose score changes."""
    agg = select(points.c.key, func.sum(points.c.pts).label("pts")).group_by(points.c.key).subquery()
    score = table.c.trending_score
    changed = session.execute(
        update(table)
        .where(key == agg.c.key, eligible, score != agg.c.pts + base)
        .values(trending_score=agg.c.pts + base)
    ).rowcount
    changed += session.execute(
        update(table)
        .where(eligible, key.not_in(select(agg.c.key)), score != base)
        .values(trending_score=base)
    ).rowcount
    changed += session.execute(update(table).where(~eligible, score != 0).values(trending_score=0.0)).rowcount
    return changed


def _apply_ranks(session: Session, table: Any, order: list[Any], eligible: Any) -> int:
    """Ranks 1..n by score for eligible rows with a positive score; NULL for the rest."""
    positive = eligible & (table.c.trending_score > 0)
    ranked = (
        select(table.c.id, func.row_number().over(order_by=order).label("rnk")).where(positive).subquery()
    )
    rank = table.c.trending_rank
    changed = session.execute(
        update(table)
        .where(table.c.id == ranked.c.id, rank.is_distinct_from(ranked.c.rnk))
        .values(trending_rank=ranked.c.rnk)
    ).rowcount
    changed += session.execute(
        update(table).where(~positive, rank.is_not(None)).values(trending_rank=None)
    ).rowcount
    return changed


def update_artist_trending(session: Session, now: datetime) -> TrendingResult:
    """Recompute every artist's trending score and rank. The caller commits."""
    shows = _show_points(now)
    from_shows = select(_S.c.artist_id.label("key"), shows.c.pts).join(_S, _S.c.id == shows.c.show_id)
    follows = select(_F.c.artist_id.label("key"), literal(FOLLOW).label("pts")).where(
        _F.c.created_at >= now - WINDOW
    )
    points = union_all(from_shows, follows).subquery()
    base = _A.c.upcoming_show_count * UPCOMING_SHOW_BASE
    eligible = _A.c.id.is_not(None)  # every artist takes part
    scores = _apply_scores(session, _A, _A.c.id, points, base, eligible)
    order = [_A.c.trending_score.desc(), _A.c.popularity.desc(), _A.c.id]
    return TrendingResult(scores, _apply_ranks(session, _A, order, eligible))


def update_show_trending(session: Session, now: datetime) -> TrendingResult:
    """Recompute upcoming shows' scores and ranks; other shows drop to 0 / no rank."""
    shows = _show_points(now)
    points = select(shows.c.show_id.label("key"), shows.c.pts).subquery()
    base = case((_S.c.starts_at <= now + SOON, literal(SOON_BONUS)), else_=literal(0.0))
    eligible = (_S.c.status == ShowStatus.UPCOMING.value) & (_S.c.starts_at >= now)
    scores = _apply_scores(session, _S, _S.c.id, points, base, eligible)
    order = [_S.c.trending_score.desc(), _S.c.starts_at, _S.c.id]
    return TrendingResult(scores, _apply_ranks(session, _S, order, eligible))
