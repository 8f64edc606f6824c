"""One typeahead over artists, shows (by artist, venue or city), venues and songs; artist requests.

Matching uses the normalised form of the query (`normalize_name`): on Postgres `LIKE`/`ILIKE`
plus the trigram `%` operator (typo tolerance), both served by the GIN `gin_trgm_ops` indexes of
migration 0002; on SQLite (the embedded default) plain `LIKE`. Ranking is done in SQL so only the
top rows leave the database: exact name, then prefix, then a word prefix, then substring, then
fuzzy; ties by trigram similarity (Postgres), then popularity.

An artist we do not know can be requested: that creates one deduplicated `discover_artist` sync
job through the gateway (`sync.jobs.request`) — never an external call in the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, or_, select
from sqlmodel import Session, col

from setlist_app.domain.titles import normalize_name
from setlist_app.models import (
    ACTIVE_JOB_STATUSES,
    Artist,
    ArtistSong,
    JobStatus,
    Show,
    ShowStatus,
    Song,
    SyncJob,
    Venue,
    utcnow,
)
from setlist_app.services.formatting import gradient, initials, show_when
from setlist_app.settings import get_settings
from setlist_app.sync import jobs, kinds

MIN_QUERY = 2
MAX_QUERY = 100
REQUESTS_PER_HOUR = 5  # per requester
REQUEST_COOLDOWN = timedelta(hours=6)  # a finished discovery of the same name is reused this long


@dataclass
class SearchHit:
    """One typeahead row; `kind` is artist | show | venue | song."""

    kind: str = ""
    title: str = ""
    subtitle: str = ""
    href: str = ""
    image_url: str = ""
    initials: str = ""
    gradient: str = ""


@dataclass
class SearchResults:
    query: str = ""
    artists: list[SearchHit] = field(default_factory=list)
    shows: list[SearchHit] = field(default_factory=list)
    venues: list[SearchHit] = field(default_factory=list)
    songs: list[SearchHit] = field(default_factory=list)
    # Offer to look the name up only when no artist matched it: "Can't find 'radi'?" next to
    # Radiohead reads as if the search had missed them.
    offer_request: bool = False

    @property
    def total(self) -> int:
        return len(self.artists) + len(self.shows) + len(self.venues) + len(self.songs)


def normalize_query(query: str) -> str:
    """The searchable form of user input ('' when too short to search)."""
    q = normalize_name(query[:MAX_QUERY])
    return q if len(q) >= MIN_QUERY else ""


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _match(column: Any, q: str, pg: bool, *, fold: bool = False) -> ColumnElement[bool]:
    """Substring match (and, on Postgres, trigram similarity) — both index-served there."""
    contains = column.ilike(f"%{q}%") if fold else column.like(f"%{q}%")
    return or_(contains, column.op("%")(q)) if pg else contains


def _rank(column: Any, q: str, *, fold: bool = False) -> Any:
    """0 exact, 1 prefix, 2 word prefix, 3 substring, 4 fuzzy only."""
    target = func.lower(column) if fold else column
    return case(
        (target == q, 0),
        (target.like(f"{q}%"), 1),
        (target.like(f"% {q}%"), 2),
        (target.like(f"%{q}%"), 3),
        else_=4,
    )


def _similarity(column: Any, q: str, pg: bool) -> Any:
    return func.similarity(column, q).desc() if pg else literal(0)


def artist_query(q: str, pg: bool, limit: int) -> Any:
    """The artist typeahead statement (exposed so tests can EXPLAIN it)."""
    name = col(Artist.normalized_name)
    return (
        select(Artist, _rank(name, q).label("rank"))
        .where(_match(name, q, pg))
        .order_by(
            _rank(name, q),
            _similarity(name, q, pg),
            col(Artist.upcoming_show_count).desc(),
            col(Artist.popularity).desc(),
            name,
        )
        .limit(limit)
    )


def song_query(q: str, pg: bool, limit: int) -> Any:
    """The song typeahead statement: each song with its artist, most played first among equals."""
    title = col(Song.normalized_title)
    return (
        select(Song, Artist)
        .join(ArtistSong, col(ArtistSong.song_id) == Song.id)
        .join(Artist, col(Artist.id) == ArtistSong.artist_id)
        .where(_match(title, q, pg))
        .order_by(
            _rank(title, q),
            _similarity(title, q, pg),
            col(ArtistSong.play_count).desc(),
            col(Artist.popularity).desc(),
            title,
        )
        .limit(limit)
    )


def venue_query(q: str, pg: bool, limit: int) -> Any:
    name, city = col(Venue.name), col(Venue.city)
    return (
        select(Venue)
        .where(or_(_match(name, q, pg, fold=True), _match(city, q, pg, fold=True)))
        .order_by(_rank(name, q, fold=True), _rank(city, q, fold=True), name)
        .limit(limit)
    )


def show_query(q: str, pg: bool, limit: int) -> Any:
    """Shows of matching artists or at matching venues/cities: upcoming soonest, then latest past."""
    artist_ids = select(Artist.id).where(_match(col(Artist.normalized_name), q, pg)).limit(50)
    venue_ids = (
        select(Venue.id)
        .where(or_(_match(col(Venue.name), q, pg, fold=True), _match(col(Venue.city), q, pg, fold=True)))
        .limit(50)
    )
    upcoming = col(Show.status) == ShowStatus.UPCOMING
    return (
        select(Show, Artist, Venue)
        .join(Artist, col(Artist.id) == Show.artist_id)
        .join(Venue, col(Venue.id) == Show.venue_id)
        .where(
            or_(col(Show.artist_id).in_(artist_ids), col(Show.venue_id).in_(venue_ids)),
            col(Show.status).in_([ShowStatus.UPCOMING, ShowStatus.COMPLETED]),
        )
        .order_by(
            case((upcoming, 0), else_=1),
            case((col(Show.artist_id).in_(artist_ids), 0), else_=1),
            case((upcoming, Show.starts_at), else_=None),
            col(Show.starts_at).desc(),
        )
        .limit(limit)
    )


def search(session: Session, query: str, limit: int = 5) -> SearchResults:
    """Ranked typeahead results for `query` (empty when it is shorter than two characters)."""
    q = normalize_query(query)
    if not q:
        return SearchResults(query=query)
    pg = _is_pg(session)
    artist_rows = session.execute(artist_query(q, pg, limit)).all()
    return SearchResults(
        query=query,
        artists=[_artist_hit(a) for a, _ in artist_rows],
        shows=[_show_hit(s, a, v) for s, a, v in session.execute(show_query(q, pg, limit))],
        venues=[_venue_hit(v) for v in session.scalars(venue_query(q, pg, limit))],
        songs=[_song_hit(s, a) for s, a in session.execute(song_query(q, pg, limit))],
        offer_request=not artist_rows,
    )


def _artist_hit(a: Artist) -> SearchHit:
    shows = f"{a.upcoming_show_count} upcoming show{'s' if a.upcoming_show_count != 1 else ''}"
    genres = ", ".join(a.genres[:2])
    return SearchHit(
        kind="artist",
        title=a.name,
        subtitle=f"{genres} · {shows}" if genres else shows,
        href=f"/artists/{a.slug}",
        image_url=a.image_url or "",
        initials=initials(a.name),
        gradient=gradient(a.name),
    )


def _show_hit(s: Show, a: Artist, v: Venue) -> SearchHit:
    return SearchHit(
        kind="show",
        title=f"{a.name} at {v.name}",
        subtitle=f"{show_when(s.starts_at, v.timezone)} · {v.city}"
        + (" · completed" if s.status == ShowStatus.COMPLETED else ""),
        href=f"/shows/{s.slug}",
        image_url=a.image_url or "",
        initials=initials(a.name),
        gradient=gradient(a.name),
    )


def _venue_hit(v: Venue) -> SearchHit:
    return SearchHit(
        kind="venue",
        title=v.name,
        subtitle=f"{v.city}, {v.country}",
        href=f"/venues/{v.slug}",
        initials=initials(v.name),
        gradient=gradient(v.name),
    )


def _song_hit(s: Song, a: Artist) -> SearchHit:
    return SearchHit(
        kind="song",
        title=s.title,
        subtitle=f"{a.name}" + (f" · {s.album}" if s.album else ""),
        href=f"/artists/{a.slug}",
        initials=initials(s.title),
        gradient=gradient(a.name),
    )


# --- requesting an unknown artist -----------------------------------------------------------------


class RequestRefused(Exception):
    """A request the rules refuse; the message is written for fans."""


@dataclass
class DiscoveryProgress:
    """What the page shows about a discovery request (polled from the sync_jobs row)."""

    job_id: int = 0
    name: str = ""
    status: str = ""  # pending | running | succeeded | failed | cancelled | found
    message: str = ""
    artist_slug: str = ""  # set once the artist exists

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES


def discovery_key(name: str) -> str:
    """The single-flight key agreed with the sync jobs: `name:<normalised name>`."""
    return f"name:{normalize_name(name)}"[:200]


def request_artist(session: Session, name: str, requested_by: str, client_ip: str = "") -> DiscoveryProgress:
    """Ask the worker to look an artist up; deduplicated, rate-limited, no external call here.

    An artist we already have is returned at once. A discovery of the same name that is active,
    or finished within `REQUEST_COOLDOWN`, is reused instead of creating another job. A requester
    may start at most `REQUESTS_PER_HOUR` new discoveries per hour, and a client address at most
    `ARTIST_REQUESTS_PER_IP_PER_HOUR` (fresh anonymous cookies do not reset it; the job's payload
    keeps the address for the count). The caller commits.
    """
    clean = " ".join(name.split())[:MAX_QUERY]
    norm = normalize_name(clean)
    if len(norm) < MIN_QUERY:
        raise RequestRefused("Type at least two letters of the artist's name.")
    artist = session.scalars(select(Artist).where(col(Artist.normalized_name) == norm)).first()
    if artist is not None:
        return DiscoveryProgress(0, artist.name, "found", "We already know this artist.", artist.slug)
    key = discovery_key(clean)
    now = utcnow()
    recent = session.scalars(
        select(SyncJob.id)
        .where(
            col(SyncJob.kind) == kinds.DISCOVER_ARTIST,
            col(SyncJob.key) == key,
            col(SyncJob.created_at) >= now - REQUEST_COOLDOWN,
        )
        .order_by(col(SyncJob.id).desc())
        .limit(1)
    ).first()
    if recent is not None:
        return progress(session, recent)
    last_hour = (
        col(SyncJob.kind) == kinds.DISCOVER_ARTIST,
        col(SyncJob.created_at) >= now - timedelta(hours=1),
    )
    started = session.scalar(
        select(func.count()).select_from(SyncJob).where(*last_hour, col(SyncJob.requested_by) == requested_by)
    )
    from_address = client_ip and session.scalar(
        select(func.count())
        .select_from(SyncJob)
        .where(*last_hour, SyncJob.payload["client"].as_string() == client_ip)  # type: ignore[index]
    )
    if (started or 0) >= REQUESTS_PER_HOUR or (
        from_address or 0
    ) >= get_settings().artist_requests_per_ip_per_hour:
        raise RequestRefused("You've requested a lot of artists this hour. Please try again later.")
    payload = {"name": clean, **({"client": client_ip} if client_ip else {})}
    result = jobs.request(session, kinds.DISCOVER_ARTIST, key, requested_by=requested_by, payload=payload)
    return progress(session, result.job_id)


_PROGRESS_MESSAGES = {
    JobStatus.PENDING: "Queued: we'll look for {name} on Ticketmaster and Spotify shortly.",
    JobStatus.RUNNING: "Looking for {name} now…",
    JobStatus.SUCCEEDED: "Done. {name} wasn't found with upcoming shows.",
    JobStatus.FAILED: "We couldn't reach the music services for {name}. We'll retry later.",
    JobStatus.CANCELLED: "This request was cancelled.",
}


def progress(session: Session, job_id: int) -> DiscoveryProgress:
    """The current state of a discovery job, with the artist's page once it exists."""
    job = session.get(SyncJob, job_id)
    if job is None or job.kind != kinds.DISCOVER_ARTIST:
        return DiscoveryProgress(job_id, "", "failed", "We couldn't find that request.")
    name = str(job.payload.get("name", ""))
    slug = str(job.result.get("artist_slug") or "")
    if not slug and job.status == JobStatus.SUCCEEDED:
        found = session.scalars(
            select(Artist.slug).where(col(Artist.normalized_name) == normalize_name(name))
        ).first()
        slug = found or ""
    if slug:
        return DiscoveryProgress(job_id, name, "found", f"{name} is here. Open the artist page.", slug)
    return DiscoveryProgress(
        job_id, name, job.status, _PROGRESS_MESSAGES[JobStatus(job.status)].format(name=name)
    )
