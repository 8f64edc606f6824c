"""The ONE code path for artist updates (DESIGN.md §6 "serialized writes").

Every write is `UPDATE artists ... WHERE id = :id AND version = :v` and bumps `version`; a lost race
is counted in sync_status.write_conflicts (once the caller's transaction ends), re-read and retried
a bounded number of times, and if it still loses it raises so the caller's job fails and is
retried — a write is never silently lost.
The predecessor had 6.9K conflicts from concurrent read-modify-write patches of the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist, CatalogStatus
from setlist_app.settings import Settings, get_settings
from setlist_app.sync import status

_ARTISTS = Artist.__table__
Changes = dict[str, Any] | Callable[[Artist], dict[str, Any]]

_log = logging.getLogger(__name__)


class ArtistWriteConflictError(RuntimeError):
    """The artist row kept changing under us for every retry."""


def _load(session: Session, artist_id: int) -> Artist | None:
    # Core select, not the identity map: each retry must see the latest committed row.
    row = session.execute(select(_ARTISTS).where(_ARTISTS.c.id == artist_id)).one_or_none()
    return Artist.model_validate(dict(row._mapping)) if row is not None else None


def update_artist(
    session: Session,
    artist_id: int,
    changes: Changes,
    *,
    now: datetime | None = None,
    retries: int | None = None,
) -> Artist | None:
    """Apply `changes` (values, or a function of the current row) with optimistic concurrency.

    Returns the updated artist, or None if the artist does not exist. The caller commits.
    """
    retries = get_settings().sync_write_retries if retries is None else retries
    now = now or utcnow()
    for _ in range(retries + 1):
        current = _load(session, artist_id)
        if current is None:
            return None
        values = changes(current) if callable(changes) else dict(changes)
        if "version" in values or "id" in values:
            raise ValueError("id and version are managed by update_artist")
        row = session.execute(
            update(_ARTISTS)
            .where(_ARTISTS.c.id == artist_id, _ARTISTS.c.version == current.version)
            .values(**values, version=current.version + 1, updated_at=now)
            .returning(*_ARTISTS.c)
        ).one_or_none()
        if row is not None:
            return Artist.model_validate(dict(row._mapping))
        status.count_write_conflict_after(session)
        _log.warning("artist write conflict", extra={"artist_id": artist_id, "version": current.version})
    raise ArtistWriteConflictError(f"artist {artist_id} changed concurrently {retries + 1} times")


def claim_catalog_sync(
    session: Session, artist_id: int, now: datetime, settings: Settings | None = None
) -> Artist | None:
    """The 24 h guard, checked and set in ONE statement; None when the artist may not sync now.

    Allowed when the artist has a Spotify id, its breaker is closed, and its last attempt is older
    than the guard — or it is stuck in `syncing` longer than a job lease (the worker crashed).
    """
    settings = settings or get_settings()
    guard = now - timedelta(hours=settings.catalog_min_interval_hours)
    crashed = now - timedelta(seconds=settings.sync_lease_seconds)
    row = session.execute(
        update(_ARTISTS)
        .where(
            _ARTISTS.c.id == artist_id,
            _ARTISTS.c.spotify_id.is_not(None),
            or_(_ARTISTS.c.catalog_backoff_until.is_(None), _ARTISTS.c.catalog_backoff_until <= now),
            or_(
                _ARTISTS.c.catalog_attempted_at.is_(None),
                _ARTISTS.c.catalog_attempted_at <= guard,
                and_(
                    _ARTISTS.c.catalog_status == CatalogStatus.SYNCING.value,
                    _ARTISTS.c.catalog_attempted_at <= crashed,
                ),
            ),
        )
        .values(
            catalog_status=CatalogStatus.SYNCING.value,
            catalog_attempted_at=now,
            version=_ARTISTS.c.version + 1,
            updated_at=now,
        )
        .returning(*_ARTISTS.c)
    ).one_or_none()
    return Artist.model_validate(dict(row._mapping)) if row is not None else None
