"""Prediction seeding: upcoming shows of artists WITH a catalog get ~10 likely songs.

The planner picks artists that have a catalog and upcoming shows whose prediction is not seeded yet.
Shows of artists without a catalog keep their prediction in `waiting_catalog` — they wait for the
catalog planner's normal schedule and never cause a sync (the predecessor's cascade).

The executor reads the artist's most recent setlists on setlist.fm (one call), ranks catalog songs
by recency-weighted play counts (domain.predictions), falls back to catalog order, stores the
plain counts for the artist page, and seeds every waiting show. Seeding only ever adds songs: fans'
songs and votes are untouched.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlmodel import Session

from setlist_app.domain.predictions import rank_for_seeding, recency_weighted_counts, seed_prediction
from setlist_app.domain.setlists import catalog_index
from setlist_app.domain.titles import TitleMatcher
from setlist_app.models.catalog import Artist, ArtistSong, CatalogStatus, ImportStatus, Show, ShowStatus
from setlist_app.models.sync import SyncJob
from setlist_app.models.voting import Prediction, PredictionStatus
from setlist_app.providers.errors import NotFound, ProviderError
from setlist_app.providers.models import Setlist
from setlist_app.settings import get_settings
from setlist_app.sync import jobs, kinds
from setlist_app.sync.context import SyncContext
from setlist_app.sync.domain import (
    ProviderBlocked,
    call_provider,
    first_run_active,
    has_provider,
    no_active_job,
    provider_ready,
    retrying,
    setlistfm_budget_left,
)
from setlist_app.sync.executors import executor
from setlist_app.sync.planners import PlanContext, planner

KIND = kinds.PREDICTION_SEED
_ARTISTS = Artist.__table__
_SHOWS = Show.__table__
_PREDICTIONS = Prediction.__table__
_LINKS = ArtistSong.__table__


def job_key(artist_id: int) -> str:
    return f"artist:{artist_id}"


def _waiting_shows(now: datetime, *, backfill: bool = False) -> Any:
    """Upcoming shows whose prediction is missing or not seeded yet.

    `backfill` (first run only) adds recently completed shows whose setlist is not imported yet, so
    the demo has scored predictions: they are seeded from the setlists played BEFORE them.
    """
    upcoming = (_SHOWS.c.status == ShowStatus.UPCOMING.value) & (_SHOWS.c.starts_at >= now)
    if backfill:
        upcoming = upcoming | (
            (_SHOWS.c.status == ShowStatus.COMPLETED.value)
            & (_SHOWS.c.import_status != ImportStatus.COMPLETED.value)
            & (_SHOWS.c.local_date >= (now - timedelta(days=get_settings().first_run_lookback_days)).date())
        )
    return (
        select(_SHOWS.c.id, _SHOWS.c.artist_id, _SHOWS.c.starts_at, _SHOWS.c.local_date)
        .outerjoin(_PREDICTIONS, _PREDICTIONS.c.show_id == _SHOWS.c.id)
        .where(
            upcoming,
            or_(_PREDICTIONS.c.id.is_(None), _PREDICTIONS.c.status != PredictionStatus.SEEDED.value),
        )
    )


@planner(
    "prediction_seeding",
    interval_seconds=600,
    limit_per_run=25,
    description="Seed predictions of upcoming shows whose artist has a catalog (others wait)",
)
async def plan_seeding(p: PlanContext) -> int:
    # Needs setlist.fm for ranking; without it (or over budget) shows wait rather than seed worse.
    if p.remaining == 0 or not provider_ready(p, "setlistfm"):
        return 0
    limit = min(p.remaining, await setlistfm_budget_left(p.sync, p.session, p.now))
    waiting = _waiting_shows(p.now, backfill=first_run_active(p.session)).subquery()
    ids = p.session.execute(
        select(waiting.c.artist_id)
        .join(_ARTISTS, _ARTISTS.c.id == waiting.c.artist_id)
        .where(
            _ARTISTS.c.catalog_status == CatalogStatus.OK.value,
            no_active_job(KIND, "artist_id", waiting.c.artist_id),
        )
        .group_by(waiting.c.artist_id)
        .order_by(func.min(waiting.c.starts_at), waiting.c.artist_id)
        .limit(limit)
    ).scalars()
    count = 0
    for artist_id in ids:
        p.request(KIND, job_key(artist_id), artist_id=artist_id)
        count += 1
    return count


async def _recent_setlists(ctx: SyncContext, job: SyncJob, artist: Artist) -> list[Setlist] | None:
    """The artist's latest setlists; None = unknown (no MBID, provider down on the last attempt)."""
    if not artist.mbid or not has_provider(ctx, "setlistfm"):
        return None
    try:
        page = await call_provider(
            ctx, "setlistfm", ctx.providers.setlistfm.artist_setlists, artist.mbid, key_failing=retrying(job)
        )
    except NotFound:
        return []
    except (ProviderBlocked, ProviderError) as exc:
        if job.attempts < job.max_attempts:
            raise jobs.JobFailed(str(exc), retry=True) from exc
        return None  # out of retries: seed in catalog order rather than leave fans with nothing
    return [s for s in page.setlists if any(not song.tape for song in s.songs)]


Performances = list[tuple[date, list[int]]]


def _performances(session: Session, artist_id: int, setlists: list[Setlist]) -> Performances:
    """(date, catalog song ids played) per setlist; covers and tapes do not count."""
    matcher = TitleMatcher(catalog_index(session, artist_id))
    out = []
    for setlist in setlists:
        played = [matcher.match(s.name) for s in setlist.songs if not s.tape and not s.cover_of]
        out.append((setlist.event_date, [song_id for song_id in played if song_id is not None]))
    return out


def _plain_counts(performances: Performances) -> dict[int, int]:
    counts: dict[int, int] = {}
    for _, song_ids in performances:
        for song_id in set(song_ids):
            counts[song_id] = counts.get(song_id, 0) + 1
    return counts


def _ranking(performances: Performances, order: list[int], on: date) -> list[int]:
    """The seed songs for a show on `on`, from the setlists played before that day."""
    cfg = get_settings()
    earlier = [(day, ids) for day, ids in performances if day < on]
    weighted = recency_weighted_counts(earlier, on, cfg.seed_recency_half_life_days)
    return rank_for_seeding(weighted, order, cfg.seed_song_count)


@executor(KIND)
async def seed_artist_shows(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    """Seed every waiting upcoming show of one artist."""
    if job.artist_id is None:
        raise jobs.JobFailed("seeding job without artist_id")
    with ctx.session() as session:
        artist = session.get(Artist, job.artist_id)
    if artist is None or artist.catalog_status != CatalogStatus.OK:
        return {"skipped": "no catalog yet"}
    setlists = await _recent_setlists(ctx, job, artist)
    now = ctx.now()
    with ctx.session() as session:
        order = list(
            session.execute(
                select(_LINKS.c.song_id)
                .where(_LINKS.c.artist_id == artist.id)
                .order_by(_LINKS.c.position, _LINKS.c.song_id)
            ).scalars()
        )
        performances = _performances(session, artist.id, setlists) if setlists else []
        if setlists is not None:
            plain = _plain_counts(performances)
            session.execute(
                update(_LINKS)
                .where(_LINKS.c.artist_id == artist.id)
                .values(play_count=case(plain, value=_LINKS.c.song_id, else_=0) if plain else 0)
            )
        shows = session.execute(
            _waiting_shows(now, backfill=first_run_active(session))
            .where(_SHOWS.c.artist_id == artist.id)
            .order_by(_SHOWS.c.starts_at)
        ).all()
        upcoming = _ranking(performances, order, now.date() + timedelta(days=1))
        added = 0
        for show in shows:
            past = show.local_date <= now.date()
            ranked = _ranking(performances, order, show.local_date) if past else upcoming
            added += seed_prediction(session, show.id, ranked)
        session.commit()
    return {
        "shows": len(shows),
        "songs_added": added,
        "ranked_by": "setlists" if any(ids for _, ids in performances) else "catalog order",
        "setlists": len(setlists or []),
    }
