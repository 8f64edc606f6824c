"""Per-artist sync state and "sync now" (deduplicated through the sync gateway)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist
from setlist_app.models.sync import SyncJob
from setlist_app.services.admin.audit import AdminError, perform
from setlist_app.services.admin.paging import Page, page_bounds
from setlist_app.sync import catalog
from setlist_app.sync.catalog import request_catalog_sync

_ARTISTS = Artist.__table__
_JOBS = SyncJob.__table__


@dataclass(frozen=True)
class ArtistSyncRow:
    id: int
    name: str
    slug: str
    spotify_id: str
    catalog_status: str
    catalog_song_count: int
    attempted_at: datetime | None
    synced_at: datetime | None
    failures: int
    backoff_until: datetime | None
    upcoming_shows: int
    job_id: int | None  # the latest catalog job
    job_status: str
    job_error: str

    def breaker_open(self, now: datetime) -> bool:
        return self.backoff_until is not None and self.backoff_until > now


def search(session: Session, query: str = "", *, page: int = 1, page_size: int = 20) -> Page[ArtistSyncRow]:
    """Artists by name fragment (all when empty), with their latest catalog-sync job."""
    where = []
    text = query.strip()
    if text:
        where.append(_ARTISTS.c.name.icontains(text, autoescape=True))
    total = session.execute(select(func.count()).select_from(_ARTISTS).where(*where)).scalar_one()
    offset, limit = page_bounds(page, page_size)
    # The latest job by a correlated subquery, not a LATERAL join: SQLite has no LATERAL.
    latest = _JOBS.alias("latest")
    latest_id = (
        select(_JOBS.c.id)
        .where(_JOBS.c.kind == catalog.KIND, _JOBS.c.artist_id == _ARTISTS.c.id)
        .order_by(_JOBS.c.created_at.desc(), _JOBS.c.id.desc())
        .limit(1)
        .correlate(_ARTISTS)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            _ARTISTS,
            latest.c.id.label("job_id"),
            latest.c.status.label("job_status"),
            latest.c.error.label("job_error"),
        )
        .select_from(_ARTISTS.outerjoin(latest, latest.c.id == latest_id))
        .where(*where)
        .order_by(_ARTISTS.c.name, _ARTISTS.c.id)
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        ArtistSyncRow(
            id=r.id,
            name=r.name,
            slug=r.slug,
            spotify_id=r.spotify_id or "",
            catalog_status=r.catalog_status,
            catalog_song_count=r.catalog_song_count,
            attempted_at=r.catalog_attempted_at,
            synced_at=r.catalog_synced_at,
            failures=r.catalog_failures,
            backoff_until=r.catalog_backoff_until,
            upcoming_shows=r.upcoming_show_count,
            job_id=r.job_id,
            job_status=r.job_status or "",
            job_error=r.job_error or "",
        )
        for r in rows
    ]
    return Page(items, total, page, page_size)


@dataclass(frozen=True)
class SyncNowOutcome:
    job_id: int
    created: bool

    @property
    def message(self) -> str:
        if self.created:
            return "Catalog sync queued"
        return "A sync is already queued for this artist"

    def __str__(self) -> str:
        return f"job {self.job_id} {'queued' if self.created else 'already queued'}"


def sync_now(session: Session, actor: Viewer, artist_id: int) -> SyncNowOutcome:
    """Request a catalog sync; a second request while one is pending/running returns that job."""

    def run() -> SyncNowOutcome:
        artist = session.get(Artist, int(artist_id))
        if artist is None:
            raise AdminError(f"Artist {artist_id} does not exist")
        if not artist.spotify_id:
            raise AdminError(f"{artist.name} has no Spotify id yet, so there is no catalog to sync")
        result = request_catalog_sync(session, artist.id, requested_by=f"admin:{actor.user_id}", now=utcnow())
        return SyncNowOutcome(result.job_id, result.created)

    return perform(
        session,
        actor,
        "artist.sync_now",
        run,
        target=f"artist:{artist_id}",
        arguments={"artist_id": artist_id},
    )
