"""Ticketmaster discovery: touring music artists, their shows and venues, and status changes.

The planner asks for one job per market (country); the executor reads every music event of that
market in [now - lookback, now + horizon), drops festivals, tribute acts, non-music listings and
residencies (domain.event_filters), and upserts artists, venues and shows in three short
transactions (artists and venues in Ticketmaster id order, so concurrent scans of overlapping
markets cannot deadlock; one the database still reports is retried by `transactions.write`).
Shows are matched by Ticketmaster id first, then by artist + venue + local date (the second
de-duplication key), and cancellations, postponements and reschedules are applied to shows we
already have. New shows get their community prediction row in `waiting_catalog` state; nothing here
requests other jobs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select, update
from sqlmodel import Session

from setlist_app.db import insert_for
from setlist_app.domain import identity
from setlist_app.domain.event_filters import classify_event, residency_event_ids
from setlist_app.domain.titles import slugify
from setlist_app.models.catalog import Artist, ImportStatus, Show, ShowStatus, Venue
from setlist_app.models.voting import Prediction, PredictionStatus
from setlist_app.providers.errors import NotFound, ProviderError
from setlist_app.providers.models import TmAttraction, TmEvent, TmVenue
from setlist_app.providers.ticketmaster import MUSIC_SEGMENT_ID, show_status_for
from setlist_app.settings import get_settings
from setlist_app.sync import artist_writes, jobs, kinds, transactions
from setlist_app.sync.context import SyncContext
from setlist_app.sync.domain import (
    ProviderBlocked,
    call_provider,
    first_run_active,
    provider_ready,
    retrying,
)
from setlist_app.sync.executors import executor
from setlist_app.sync.planners import PlanContext, planner

KIND = kinds.TM_DISCOVERY
PROVIDER = "ticketmaster"
_ARTISTS = Artist.__table__
_VENUES = Venue.__table__
_SHOWS = Show.__table__
_PREDICTIONS = Prediction.__table__
T = TypeVar("T")


@planner(
    "ticketmaster_discovery",
    interval_seconds=6 * 3600,
    limit_per_run=50,
    description="Discover touring music artists, shows and venues on Ticketmaster (one job per market)",
)
async def plan_discovery(p: PlanContext) -> int:
    if not provider_ready(p, PROVIDER):
        return 0
    start, end = discovery_window(p.session, p.now)
    payload = {"start": start.isoformat(), "end": end.isoformat()}
    countries = get_settings().discovery_countries[: p.remaining]
    for country in countries:
        p.request(KIND, f"market:{country}", payload={**payload, "country": country})
    return len(countries)


def discovery_window(session: Session, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of a scan: recent past (long in the first run, for setlists) to the horizon."""
    cfg = get_settings()
    lookback = cfg.first_run_lookback_days if first_run_active(session) else cfg.discovery_lookback_days
    start = datetime.combine((now - timedelta(days=lookback)).date(), time(0), UTC)
    return start, now + timedelta(days=cfg.discovery_horizon_days)


@executor(KIND)
async def discover_market(ctx: SyncContext, job: Any) -> dict[str, Any]:
    """Import one market's music events."""
    with ctx.session() as session:
        start, end = discovery_window(session, ctx.now())  # an admin "run" may carry no window
    try:
        country = str(job.payload.get("country") or job.key.removeprefix("market:")).upper()
        start = datetime.fromisoformat(job.payload["start"]) if "start" in job.payload else start
        end = datetime.fromisoformat(job.payload["end"]) if "end" in job.payload else end
    except ValueError as exc:
        raise jobs.JobFailed(f"bad discovery payload: {exc}") from exc
    if len(country) != 2:
        raise jobs.JobFailed(f"bad market {country!r}")
    try:
        events = await call_provider(
            ctx,
            PROVIDER,
            ctx.providers.ticketmaster.events_in_window,
            MUSIC_SEGMENT_ID,
            country,
            start,
            end,
            key_failing=retrying(job),
        )
    except ProviderBlocked:
        return {"skipped": "ticketmaster circuit open"}
    except NotFound:
        events = []
    except ProviderError as exc:
        raise jobs.JobFailed(str(exc), retry=True) from exc
    now = ctx.now()
    report = DiscoveryReport(events=len(events))
    kept = select_events(events, report)

    async def phase(fn: Callable[[Session, DiscoveryReport], T]) -> T:
        """One short transaction, retried whole on a deadlock: its counts are kept once it commits."""
        part = DiscoveryReport()

        def attempt(session: Session) -> T:
            nonlocal part
            part = DiscoveryReport()
            return fn(session, part)

        result = await transactions.write(ctx, attempt)
        report.merge(part)
        return result

    artists = await phase(lambda s, r: upsert_artists(s, kept, now, r))
    venues = await phase(lambda s, r: upsert_venues(s, kept, now, r))
    await phase(lambda s, r: upsert_shows(s, kept, artists, venues, now, r))
    return report.as_dict()


# -- applying events -----------------------------------------------------------------------------


@dataclass
class DiscoveryReport:
    events: int = 0
    kept: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    artists_created: int = 0
    venues_created: int = 0
    shows_created: int = 0
    shows_updated: int = 0
    status_changes: int = 0
    duplicates: int = 0

    def merge(self, other: DiscoveryReport) -> None:
        """Add another report's counts (a phase's, once its transaction committed)."""
        for name, value in other.__dict__.items():
            if name == "skipped":
                self.skipped.update(other.skipped)
            elif name != "events":
                setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "skipped"}
        return {**out, "skipped": dict(self.skipped)}


def apply_events(session: Session, events: list[TmEvent], now: datetime) -> DiscoveryReport:
    """Filter and upsert a batch of Ticketmaster events in one transaction; the caller commits."""
    report = DiscoveryReport(events=len(events))
    kept = select_events(events, report)
    artists = upsert_artists(session, kept, now, report)
    venues = upsert_venues(session, kept, now, report)
    upsert_shows(session, kept, artists, venues, now, report)
    return report


def select_events(events: list[TmEvent], report: DiscoveryReport) -> list[TmEvent]:
    """The events to import, in the provider's order; the others are counted by reason."""
    residency = residency_event_ids(events)
    min_upcoming = get_settings().discovery_min_upcoming_events
    kept = []
    for event in events:
        verdict = classify_event(event)
        reasons = list(verdict.reasons)
        if event.id in residency:
            reasons.append("residency")
        headliner = event.attractions[0] if event.attractions else None
        if headliner is None:
            reasons.append("no_artist")
        elif headliner.segment and headliner.segment.lower() != "music":
            reasons.append("non_music")
        elif headliner.upcoming_events is not None and headliner.upcoming_events < min_upcoming:
            reasons.append("not_touring")
        if reasons:
            report.skipped.update(set(reasons))
            continue
        assert event.venue is not None and event.local_date is not None
        report.kept += 1
        kept.append(event)
    return kept


# Concurrent scans of overlapping markets meet the same artists in different orders: upserting
# artists and venues sorted by their Ticketmaster id makes every worker take those row locks in
# the same order, so two scans wait for each other but never deadlock.
def upsert_artists(
    session: Session, kept: list[TmEvent], now: datetime, report: DiscoveryReport
) -> dict[str, int]:
    """Every headliner of `kept`, by Ticketmaster id order: Ticketmaster id -> artist id."""
    headliners: dict[str, TmAttraction] = {}
    for event in kept:
        headliners.setdefault(event.attractions[0].id, event.attractions[0])
    return {tm_id: _upsert_artist(session, headliners[tm_id], now, report) for tm_id in sorted(headliners)}


def upsert_venues(
    session: Session, kept: list[TmEvent], now: datetime, report: DiscoveryReport
) -> dict[str, Venue]:
    """Every venue of `kept`, by Ticketmaster id order: Ticketmaster id -> venue."""
    found: dict[str, TmVenue] = {}
    for event in kept:
        assert event.venue is not None
        found.setdefault(event.venue.id, event.venue)
    return {tm_id: _upsert_venue(session, found[tm_id], now, report) for tm_id in sorted(found)}


def upsert_shows(
    session: Session,
    kept: list[TmEvent],
    artists: dict[str, int],
    venues: dict[str, Venue],
    now: datetime,
    report: DiscoveryReport,
) -> None:
    """Insert or update each event's show (each market lists its own shows: no shared rows)."""
    for event in kept:
        assert event.venue is not None
        _upsert_show(session, event, artists[event.attractions[0].id], venues[event.venue.id], now, report)


def _free(session: Session, column: Any, value: str | None, artist_id: int | None = None) -> str | None:
    """`value` if no other artist holds it in this unique column, else None."""
    if not value:
        return None
    holder = session.execute(select(_ARTISTS.c.id).where(column == value)).scalar_one_or_none()
    return value if holder is None or holder == artist_id else None


def _upsert_artist(session: Session, a: TmAttraction, now: datetime, report: DiscoveryReport) -> int:
    """The artist's id: matched by Ticketmaster id, then Spotify id, then name (an artist imported
    from Spotify has no Ticketmaster id yet). Missing ids are filled through `artist_writes`."""
    name_key = identity.artist_key(a.name)
    row = session.execute(
        select(_ARTISTS.c.id).where(_ARTISTS.c.ticketmaster_id == a.id)
    ).scalar_one_or_none()
    for condition in (
        and_(_ARTISTS.c.spotify_id == a.spotify_id, _ARTISTS.c.ticketmaster_id.is_(None))
        if a.spotify_id
        else None,
        and_(_ARTISTS.c.normalized_name == name_key, _ARTISTS.c.ticketmaster_id.is_(None)),
    ):
        if row is None and condition is not None:
            row = session.execute(select(_ARTISTS.c.id).where(condition).limit(1)).scalar_one_or_none()
    if row is not None:
        _fill_artist_ids(session, row, a, now)
        return int(row)
    for _ in range(3):  # a concurrent market job may insert the same artist or slug: re-check
        values = {
            "slug": identity.artist_slug(session, a.name),
            "name": a.name[:300],
            "normalized_name": name_key,
            "ticketmaster_id": a.id,
            "spotify_id": _free(session, _ARTISTS.c.spotify_id, a.spotify_id),
            "mbid": _free(session, _ARTISTS.c.mbid, a.mbid),
            "genres": [g for g in (a.genre, a.subgenre) if g],
            "image_url": a.image_url,
            "created_at": now,
            "updated_at": now,
        }
        stmt = insert_for(session, _ARTISTS).values(**values).on_conflict_do_nothing()
        new_id = session.execute(stmt.returning(_ARTISTS.c.id)).scalar_one_or_none()
        if new_id is not None:
            report.artists_created += 1
            return int(new_id)
        row = session.execute(
            select(_ARTISTS.c.id).where(_ARTISTS.c.ticketmaster_id == a.id)
        ).scalar_one_or_none()
        if row is not None:
            return int(row)
    raise RuntimeError(f"could not insert artist {a.name!r}")


def _fill_artist_ids(session: Session, artist_id: int, a: TmAttraction, now: datetime) -> None:
    def changes(current: Artist) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if current.ticketmaster_id is None:
            values["ticketmaster_id"] = a.id
        if current.spotify_id is None and (sid := _free(session, _ARTISTS.c.spotify_id, a.spotify_id)):
            values["spotify_id"] = sid
        if current.mbid is None and (mbid := _free(session, _ARTISTS.c.mbid, a.mbid)):
            values["mbid"] = mbid
        if current.image_url is None and a.image_url:
            values["image_url"] = a.image_url
        return values

    # Read first: most events name artists we already know completely; skip the versioned write then.
    current = session.get(Artist, artist_id)
    if current is not None and changes(current):
        artist_writes.update_artist(session, artist_id, changes, now=now)


def _upsert_venue(session: Session, v: TmVenue, now: datetime, report: DiscoveryReport) -> Venue:
    found = session.execute(select(Venue).where(_VENUES.c.ticketmaster_id == v.id)).scalar_one_or_none()
    if found is not None:
        return found
    timezone = v.timezone if _valid_zone(v.timezone) else "UTC"
    values = {
        "slug": identity.free_slug(session, _VENUES, slugify(f"{v.name} {v.city or ''}")),
        "name": (v.name or "Unknown venue")[:300],
        "city": (v.city or "")[:200],
        "state": v.state,
        "country": (v.country or v.country_code or "")[:100],
        "country_code": (v.country_code or "")[:2],
        "timezone": timezone,
        "latitude": v.latitude,
        "longitude": v.longitude,
        "ticketmaster_id": v.id,
        "created_at": now,
    }
    inserted = session.execute(
        insert_for(session, _VENUES).values(**values).on_conflict_do_nothing().returning(_VENUES.c.id)
    ).scalar_one_or_none()
    report.venues_created += inserted is not None
    return session.execute(select(Venue).where(_VENUES.c.ticketmaster_id == v.id)).scalar_one()


def _valid_zone(name: str | None) -> bool:
    try:
        return bool(name) and ZoneInfo(name) is not None  # type: ignore[arg-type]
    except (KeyError, ValueError):
        return False


def _starts_at(event: TmEvent, venue: Venue) -> datetime:
    if event.starts_at is not None:
        return event.starts_at
    clock = time.fromisoformat(event.local_time) if event.local_time else time(20, 0)
    assert event.local_date is not None
    return datetime.combine(event.local_date, clock, ZoneInfo(venue.timezone)).astimezone(UTC)


def _local_today(venue: Venue, now: datetime) -> date:
    return now.astimezone(ZoneInfo(venue.timezone)).date()


def _upsert_show(
    session: Session, event: TmEvent, artist_id: int, venue: Venue, now: datetime, report: DiscoveryReport
) -> None:
    assert event.local_date is not None and venue.id is not None
    status = show_status_for(event.status_code, event.local_date, _local_today(venue, now)).value
    starts_at = _starts_at(event, venue)
    existing = (
        session.execute(select(_SHOWS).where(_SHOWS.c.ticketmaster_id == event.id)).one_or_none()
        or session.execute(
            select(_SHOWS).where(
                _SHOWS.c.artist_id == artist_id,
                _SHOWS.c.venue_id == venue.id,
                _SHOWS.c.local_date == event.local_date,
            )
        ).one_or_none()
    )
    if existing is None:
        _insert_show(session, event, artist_id, venue, status, starts_at, now, report)
        return
    if existing.ticketmaster_id not in (None, event.id):
        report.duplicates += 1  # a second listing of a show we have under another id
        return
    values: dict[str, Any] = {}
    if existing.ticketmaster_id is None:
        values["ticketmaster_id"] = event.id
    if event.url and existing.ticket_url != event.url:
        values["ticket_url"] = event.url[:1000]
    new_status = _next_status(existing.status, status)
    if new_status != existing.status:
        values["status"] = new_status
        report.status_changes += 1
        if new_status == ShowStatus.COMPLETED:
            values["import_next_at"] = now
    # Rescheduled: a new date or time (unless it would collide with another show of the artist).
    if (existing.local_date, existing.starts_at) != (event.local_date, starts_at):
        clash = session.execute(
            select(_SHOWS.c.id).where(
                _SHOWS.c.artist_id == artist_id,
                _SHOWS.c.venue_id == venue.id,
                _SHOWS.c.local_date == event.local_date,
                _SHOWS.c.id != existing.id,
            )
        ).first()
        if clash is None:
            values.update(local_date=event.local_date, starts_at=starts_at, local_time=event.local_time)
    if values:
        session.execute(update(_SHOWS).where(_SHOWS.c.id == existing.id).values(**values, updated_at=now))
        report.shows_updated += 1


def _next_status(current: str, reported: str) -> str:
    """Ticketmaster's word wins, except that a show we completed never becomes upcoming again."""
    if current == ShowStatus.COMPLETED and reported == ShowStatus.UPCOMING:
        return current
    return reported


def _insert_show(
    session: Session,
    event: TmEvent,
    artist_id: int,
    venue: Venue,
    status: str,
    starts_at: datetime,
    now: datetime,
    report: DiscoveryReport,
) -> None:
    assert event.local_date is not None
    artist_slug = session.execute(select(_ARTISTS.c.slug).where(_ARTISTS.c.id == artist_id)).scalar_one()
    values = {
        "slug": identity.free_slug(
            session, _SHOWS, slugify(f"{artist_slug} {venue.city} {event.local_date.isoformat()}")
        ),
        "artist_id": artist_id,
        "venue_id": venue.id,
        "name": (event.name or "")[:500],
        "starts_at": starts_at,
        "local_date": event.local_date,
        "local_time": event.local_time,
        "status": status,
        "ticketmaster_id": event.id,
        "ticket_url": (event.url or "")[:1000] or None,
        "import_status": ImportStatus.PENDING.value,
        "import_next_at": now if status == ShowStatus.COMPLETED else None,
        "created_at": now,
        "updated_at": now,
    }
    show_id = session.execute(
        insert_for(session, _SHOWS).values(**values).on_conflict_do_nothing().returning(_SHOWS.c.id)
    ).scalar_one_or_none()
    if show_id is None:
        report.duplicates += 1  # inserted concurrently by another market's job
        return
    report.shows_created += 1
    session.execute(
        insert_for(session, _PREDICTIONS)
        .values(show_id=show_id, status=PredictionStatus.WAITING_CATALOG.value, created_at=now)
        .on_conflict_do_nothing()
    )
