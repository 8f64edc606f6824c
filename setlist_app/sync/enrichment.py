"""Artist enrichment: Spotify id, images and genres; MusicBrainz MBID (which setlist.fm needs).

Run by a planner for artists never enriched (or not for a month), artists with upcoming shows first;
pages never call a provider. The executor fills only what is missing or provider-owned, through the
one artist write path, and never steals an id another artist already holds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from setlist_app.domain.titles import normalize_name
from setlist_app.models.catalog import Artist
from setlist_app.models.sync import SyncJob
from setlist_app.providers.errors import NotFound, ProviderError
from setlist_app.settings import get_settings
from setlist_app.sync import artist_writes, jobs, kinds
from setlist_app.sync._sql import next_upcoming_show_at
from setlist_app.sync.context import SyncContext
from setlist_app.sync.domain import (
    ProviderBlocked,
    call_provider,
    no_active_job,
    provider_ready,
    retrying,
)
from setlist_app.sync.executors import executor
from setlist_app.sync.planners import PlanContext, planner

KIND = kinds.ARTIST_ENRICHMENT
_ARTISTS = Artist.__table__


def job_key(artist_id: int) -> str:
    return f"artist:{artist_id}"


@planner(
    KIND,
    interval_seconds=600,
    limit_per_run=25,
    description="Add Spotify ids/images and MusicBrainz ids to artists (upcoming shows first)",
)
async def plan_enrichment(p: PlanContext) -> int:
    if p.remaining == 0 or not provider_ready(p, "spotify", "musicbrainz"):
        return 0
    stale = p.now - timedelta(days=get_settings().enrichment_refresh_days)
    next_show = next_upcoming_show_at(_ARTISTS.c.id, p.now)
    ids = p.session.execute(
        select(_ARTISTS.c.id)
        .where(
            or_(_ARTISTS.c.enriched_at.is_(None), _ARTISTS.c.enriched_at <= stale),
            no_active_job(KIND, "artist_id", _ARTISTS.c.id),
        )
        .order_by(_ARTISTS.c.enriched_at.asc().nulls_first(), next_show.asc().nulls_last(), _ARTISTS.c.id)
        .limit(p.remaining)
    ).scalars()
    count = 0
    for artist_id in ids:
        p.request(KIND, job_key(artist_id), artist_id=artist_id)
        count += 1
    return count


def _holder(session: Session, column: Any, value: str) -> int | None:
    return session.execute(select(_ARTISTS.c.id).where(column == value)).scalar_one_or_none()


async def _spotify(ctx: SyncContext, artist: Artist, retry: bool) -> dict[str, Any]:
    """Spotify id by exact name (when missing), then image and genres from the artist."""
    client = ctx.providers.spotify
    values: dict[str, Any] = {}
    spotify_id = artist.spotify_id
    if spotify_id is None:
        found = await call_provider(ctx, "spotify", client.search_artists, artist.name, 10, key_failing=retry)
        match = next((a for a in found if normalize_name(a.name) == artist.normalized_name), None)
        if match is None:
            return values
        with ctx.session() as session:
            if _holder(session, _ARTISTS.c.spotify_id, match.id) not in (None, artist.id):
                return values  # another artist row has it: leave the duplicate for an admin
        spotify_id = values["spotify_id"] = match.id
    try:
        info = await call_provider(ctx, "spotify", client.get_artist, spotify_id, key_failing=retry)
    except NotFound:
        return values
    if info.image_url:
        values["image_url"] = info.image_url[:1000]
    if info.genres:
        values["genres"] = list(info.genres)[:10]
    return values


async def _musicbrainz(ctx: SyncContext, artist: Artist, retry: bool) -> dict[str, Any]:
    """The MBID of the best exact-name match with a confident score."""
    found = await call_provider(
        ctx, "musicbrainz", ctx.providers.musicbrainz.search_artist, artist.name, 5, key_failing=retry
    )
    floor = get_settings().musicbrainz_min_score
    match = next(
        (a for a in found if normalize_name(a.name) == artist.normalized_name and (a.score or 100) >= floor),
        None,
    )
    if match is None:
        return {}
    with ctx.session() as session:
        if _holder(session, _ARTISTS.c.mbid, match.mbid) not in (None, artist.id):
            return {}
    return {"mbid": match.mbid}


@executor(KIND)
async def enrich_artist(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    """Fill one artist's Spotify and MusicBrainz data."""
    if job.artist_id is None:
        raise jobs.JobFailed("enrichment job without artist_id")
    with ctx.session() as session:
        artist = session.get(Artist, job.artist_id)
    if artist is None:
        return {"skipped": "artist deleted"}
    values: dict[str, Any] = {}
    blocked: list[str] = []
    for part in (_spotify, _musicbrainz):
        if part is _musicbrainz and artist.mbid:
            continue
        try:
            values.update(await part(ctx, artist, retrying(job)))
        except ProviderBlocked as exc:
            blocked.append(exc.provider)
        except ProviderError as exc:
            raise jobs.JobFailed(str(exc), retry=True) from exc
    if not blocked:
        values["enriched_at"] = ctx.now()  # otherwise the planner asks again once the circuit closes
    if values:
        with ctx.session() as session:
            artist_writes.update_artist(session, artist.id, _only_missing_ids(values), now=ctx.now())
            session.commit()
    return {"updated": sorted(k for k in values if k != "enriched_at"), "blocked": blocked}


def _only_missing_ids(values: dict[str, Any]) -> Any:
    """Ids are set only where still empty (a concurrent writer may have set them meanwhile)."""

    def changes(current: Artist) -> dict[str, Any]:
        out = dict(values)
        for key in ("spotify_id", "mbid"):
            if key in out and getattr(current, key) is not None:
                del out[key]
        return out

    return changes
