"""Catalog sync: the planner that picks artists needing a catalog, and the executor that fetches it.

The executor performs one artist: provider breaker check, the 24 h guard claimed atomically,
Spotify albums → tracks, studio songs only (one per title), upserted by Spotify id into songs and
artist_songs, the artist updated through `artist_writes`. It never seeds predictions and never
requests jobs (prediction seeding is a separate planner that waits for catalogs).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session

from setlist_app.db import insert_for
from setlist_app.domain.catalog_filters import studio_catalog
from setlist_app.domain.titles import normalize_title
from setlist_app.models.catalog import Artist, ArtistSong, CatalogStatus, Song
from setlist_app.models.sync import JobStatus, ProviderCircuit, SyncJob
from setlist_app.providers import breaker
from setlist_app.providers.errors import ProviderError
from setlist_app.providers.models import SpotifyAlbum, SpotifyTrack
from setlist_app.sync import artist_writes, jobs, kinds
from setlist_app.sync._sql import next_upcoming_show_at
from setlist_app.sync.context import SyncContext
from setlist_app.sync.executors import executor
from setlist_app.sync.planners import PlanContext, planner

KIND = kinds.CATALOG_SYNC
PROVIDER = "spotify"
_ARTISTS = Artist.__table__
_SONGS = Song.__table__
_ARTIST_SONGS = ArtistSong.__table__
_JOBS = SyncJob.__table__

_log = logging.getLogger(__name__)


def job_key(artist_id: int) -> str:
    return f"artist:{artist_id}"


def request_catalog_sync(
    session: Session, artist_id: int, *, requested_by: str, now: datetime | None = None
) -> jobs.RequestResult:
    """ "Sync now" from a user or admin: deduplicated; the executor's 24 h guard still applies."""
    return jobs.request(
        session, KIND, job_key(artist_id), requested_by=requested_by, artist_id=artist_id, now=now
    )


# -- planner -------------------------------------------------------------------------------------


def provider_open(session: Session, provider: str, now: datetime) -> bool:
    """Is the provider's circuit open and still cooling down? (Read-only; never takes the probe.)"""
    table = ProviderCircuit.__table__
    row = session.execute(
        select(table.c.state, table.c.retry_at).where(table.c.provider == provider)
    ).one_or_none()
    return row is not None and row.state != "closed" and row.retry_at is not None and row.retry_at > now


def needs_catalog(p: PlanContext) -> Any:
    """SQL filter: artists due a catalog sync under the guard, breaker and refresh policy."""
    s, now = p.sync.settings, p.now
    guard = now - timedelta(hours=s.catalog_min_interval_hours)
    attempted = _ARTISTS.c.catalog_attempted_at
    return and_(
        _ARTISTS.c.spotify_id.is_not(None),  # enrichment (a later planner) fills it first
        breaker.catalog_sync_allowed(now),
        or_(attempted.is_(None), attempted <= guard),
        or_(
            _ARTISTS.c.catalog_status.in_([CatalogStatus.NEVER, CatalogStatus.FAILED, CatalogStatus.SYNCING]),
            and_(
                _ARTISTS.c.catalog_status == CatalogStatus.EMPTY,
                attempted <= now - timedelta(hours=s.catalog_empty_retry_hours),
            ),
            and_(
                _ARTISTS.c.catalog_status == CatalogStatus.OK,
                _ARTISTS.c.catalog_synced_at <= now - timedelta(days=s.catalog_refresh_days),
            ),
        ),
        ~exists().where(
            _JOBS.c.kind == KIND,
            _JOBS.c.artist_id == _ARTISTS.c.id,
            _JOBS.c.status.in_([JobStatus.PENDING.value, JobStatus.RUNNING.value]),
        ),
    )


@planner(
    KIND,
    interval_seconds=900,
    limit_per_run=25,  # 100 an hour: the audit's ceiling for catalog syncs (DESIGN.md §12)
    description="Fetch song catalogs (studio songs) for artists that need one, soonest shows first",
)
async def plan_catalog_sync(p: PlanContext) -> int:
    if p.remaining == 0 or provider_open(p.session, PROVIDER, p.now):
        return 0
    next_show = next_upcoming_show_at(_ARTISTS.c.id, p.now)
    ids = p.session.execute(
        select(_ARTISTS.c.id)
        .where(needs_catalog(p))
        .order_by(next_show.asc().nulls_last(), _ARTISTS.c.id)
        .limit(p.remaining)
    ).scalars()
    count = 0
    for artist_id in ids:
        p.request(KIND, job_key(artist_id), artist_id=artist_id)
        count += 1
    return count


# -- executor ------------------------------------------------------------------------------------


def _failure_values(now: datetime, error: str) -> Any:
    def changes(artist: Artist) -> dict[str, Any]:
        failures = artist.catalog_failures + 1
        opened = failures >= breaker.CATALOG_FAILURE_LIMIT
        if failures == breaker.CATALOG_FAILURE_LIMIT:
            _log.warning(
                "artist catalog breaker opened: backoff", extra={"artist_id": artist.id, "error": error}
            )
        return {
            "catalog_status": CatalogStatus.FAILED.value,
            "catalog_failures": failures,
            "catalog_backoff_until": now + breaker.CATALOG_BACKOFF
            if opened
            else artist.catalog_backoff_until,
        }

    return changes


async def _fetch(ctx: SyncContext, spotify_id: str) -> tuple[list[tuple[SpotifyAlbum, SpotifyTrack]], int]:
    """Every (album, track) of the artist and the number of client calls made (the client counts
    each HTTP request in the budget, pages and retries included)."""
    spotify = ctx.providers.spotify
    albums = await spotify.artist_albums(spotify_id)
    items: list[tuple[SpotifyAlbum, SpotifyTrack]] = []
    for album in albums:
        tracks = await spotify.album_tracks(album.id)
        # Compilations and collaborations carry other artists' tracks: keep this artist's.
        items.extend((album, t) for t in tracks if not t.artist_ids or spotify_id in t.artist_ids)
    return items, 1 + len(albums)


def _upsert_catalog(
    session: Session, artist_id: int, catalog: Iterable[tuple[SpotifyAlbum, SpotifyTrack]], now: datetime
) -> int:
    """Songs upserted by Spotify id; a title the artist already has keeps its song row."""
    known = dict(
        session.execute(
            select(_SONGS.c.normalized_title, _SONGS.c.id)
            .join(_ARTIST_SONGS, _ARTIST_SONGS.c.song_id == _SONGS.c.id)
            .where(_ARTIST_SONGS.c.artist_id == artist_id)
        ).all()
    )
    song_ids: list[int] = []
    for album, track in catalog:
        title_key = normalize_title(track.name)
        song_id = known.get(title_key)
        if song_id is None:
            values = {
                "title": track.name[:500],
                "normalized_title": title_key[:500],
                "album": album.name[:500],
                "album_type": album.album_type[:32],
                "release_date": (album.release_date or "")[:10] or None,
                "spotify_id": track.id,
                "isrc": track.isrc,
                "duration_ms": track.duration_ms,
                "is_studio": True,
            }
            stmt = insert_for(session, _SONGS).values(**values, created_at=now)
            stmt = stmt.on_conflict_do_update(
                index_elements=["spotify_id"],
                set_={k: stmt.excluded[k] for k in ("title", "album", "album_type", "release_date", "isrc")},
            ).returning(_SONGS.c.id)
            song_id = session.execute(stmt).scalar_one()
            known[title_key] = song_id
        if song_id not in song_ids:
            song_ids.append(song_id)
    for position, song_id in enumerate(song_ids):
        stmt = insert_for(session, _ARTIST_SONGS).values(
            artist_id=artist_id, song_id=song_id, position=position
        )
        session.execute(
            stmt.on_conflict_do_update(index_elements=["artist_id", "song_id"], set_={"position": position})
        )
    return len(song_ids)


@executor(KIND)
async def sync_catalog(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    """Fetch and store one artist's studio catalog."""
    if job.artist_id is None:
        raise jobs.JobFailed("catalog job without artist_id")
    now = ctx.now()
    policy = breaker.CircuitPolicy.from_settings(ctx.settings)
    with ctx.session() as session:
        # The artist's guard before the circuit, in one transaction: a guarded artist that won the
        # half-open probe would make no call, and Spotify's circuit would stay half-open, every call
        # blocked, until the probe's lease ran out. Blocked by the circuit, the claim is undone.
        artist = artist_writes.claim_catalog_sync(session, job.artist_id, now, ctx.settings)
        if artist is None or artist.spotify_id is None:
            return {"skipped": "guarded (synced within 24 h, in backoff, or no Spotify id)"}
        if not breaker.allow_request(session, PROVIDER, now, policy, commit=False):
            session.rollback()
            return {"skipped": "spotify circuit open"}
        probe = breaker.probing(session, PROVIDER)
        session.commit()

    try:
        with breaker.released_if_unanswered(probe, PROVIDER, ctx.session, ctx.now):
            items, calls = await _fetch(ctx, artist.spotify_id)
    except ProviderError as exc:
        with ctx.session() as session:
            # An artist that failed before fails on its own: its breaker, not Spotify's, counts it.
            failing = artist.catalog_failures > 0
            breaker.record_outcome(session, PROVIDER, ctx.now(), exc, policy, key_failing=failing)
            artist_writes.update_artist(
                session, artist.id, _failure_values(ctx.now(), str(exc)), now=ctx.now()
            )
            session.commit()
        raise jobs.JobFailed(str(exc), retry=False) from exc

    catalog = studio_catalog(items)
    done = ctx.now()
    with ctx.session() as session:
        count = _upsert_catalog(session, artist.id, catalog, done)
        artist_writes.update_artist(
            session,
            artist.id,
            {
                "catalog_status": (CatalogStatus.OK if count else CatalogStatus.EMPTY).value,
                "catalog_synced_at": done,
                "catalog_failures": 0,
                "catalog_backoff_until": None,
                "catalog_song_count": count,
            },
            now=done,
        )
        session.commit()
        breaker.record_outcome(session, PROVIDER, done, None, policy)
    return {"songs": count, "tracks_seen": len(items), "calls": calls}
