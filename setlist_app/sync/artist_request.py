"""A fan's "find this artist" request: look the name up on Ticketmaster and import its shows.

The request itself (search page) only creates a deduplicated `discover_artist` job through the
gateway; this executor performs it. It creates the artist, its venues and upcoming shows (the same
upsert code as market discovery) and never requests other jobs: enrichment and the catalog follow
from their planners.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from setlist_app.domain.titles import normalize_name
from setlist_app.models.catalog import Artist
from setlist_app.models.sync import SyncJob
from setlist_app.providers.errors import NotFound, ProviderError
from setlist_app.providers.models import TmAttraction
from setlist_app.sync import jobs, kinds
from setlist_app.sync.context import SyncContext
from setlist_app.sync.discovery import PROVIDER, DiscoveryReport, _upsert_artist, apply_events
from setlist_app.sync.domain import ProviderBlocked, call_provider, retrying
from setlist_app.sync.executors import executor


def best_match(name: str, attractions: list[TmAttraction]) -> TmAttraction | None:
    """The music attraction whose name matches the request; else the first music result."""
    music = [a for a in attractions if not a.segment or a.segment.lower() == "music"]
    wanted = normalize_name(name)
    return next((a for a in music if normalize_name(a.name) == wanted), music[0] if music else None)


@executor(kinds.DISCOVER_ARTIST)
async def discover_requested_artist(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    # The key is "name:<normalized name>"; the payload keeps the name as the fan typed it.
    name = str(job.payload.get("name") or job.key.removeprefix("name:")).strip()
    if not name:
        raise jobs.JobFailed("a discovery request needs a name")
    try:
        retry = retrying(job)
        found = await call_provider(
            ctx, PROVIDER, ctx.providers.ticketmaster.search_attractions, name, 5, key_failing=retry
        )
        attraction = best_match(name, found)
        if attraction is None:
            return {"found": False}
        events = await call_provider(
            ctx, PROVIDER, ctx.providers.ticketmaster.events_for_attraction, attraction.id, key_failing=retry
        )
    except ProviderBlocked as exc:
        raise jobs.JobFailed("Ticketmaster is unavailable right now", retry=True) from exc
    except NotFound:
        return {"found": False}
    except ProviderError as exc:
        raise jobs.JobFailed(str(exc), retry=True) from exc
    now = ctx.now()
    with ctx.session() as session:
        report = apply_events(
            session, [e for e in events if e.attractions[:1] and e.attractions[0].id == attraction.id], now
        )
        if not session.execute(select(Artist.id).where(Artist.ticketmaster_id == attraction.id)).first():
            _upsert_artist(session, attraction, now, DiscoveryReport())  # known, but no shows yet
        slug = session.execute(
            select(Artist.slug).where(Artist.ticketmaster_id == attraction.id)
        ).scalar_one()
        session.commit()
    return {"found": True, "artist_slug": slug, **report.as_dict()}
