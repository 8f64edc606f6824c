"""setlist.fm import: the actual setlist of each completed show, scored against its prediction.

The planner picks completed shows that are due (most recent first) and never promises more calls
than the setlist.fm budget has left today (domain.setlistfm_budget_left: 1,300 of the 1,440/day
quota by default). Each job makes one call (setlists by artist MBID and date). Outcomes, on the
show's `import_status`:
- found → stored with sets, encores, tapes and covers, matched to the catalog, predicted songs
  marked, accuracy and the voters' stats updated (domain.setlists) → `completed`;
- not found (setlist.fm answers 404, or only an empty placeholder) → retried after 6, 12, 24, 48 h,
  then `not_found`;
- provider trouble → `pending` again with a backoff (a 429 or quota does not use up an attempt),
  `failed` once the attempts are spent; an open circuit skips the call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from setlist_app.domain.setlists import PlayedSong, store_actual_setlist
from setlist_app.domain.titles import normalize_name
from setlist_app.models.catalog import Artist, CatalogStatus, ImportStatus, Show, ShowStatus, Venue
from setlist_app.models.sync import SyncJob
from setlist_app.models.voting import Prediction, PredictionStatus
from setlist_app.providers.errors import NotFound, ProviderError, QuotaExceeded, RateLimited
from setlist_app.providers.models import Setlist
from setlist_app.settings import get_settings
from setlist_app.sync import jobs, kinds
from setlist_app.sync.context import SyncContext
from setlist_app.sync.domain import (
    ProviderBlocked,
    call_provider,
    first_run_active,
    no_active_job,
    provider_ready,
    retrying,
    setlistfm_budget_left,
)
from setlist_app.sync.executors import executor
from setlist_app.sync.planners import PlanContext, planner

KIND = kinds.SETLIST_IMPORT
_SHOWS = Show.__table__
_ARTISTS = Artist.__table__
_PREDICTIONS = Prediction.__table__
STUCK_IMPORT = timedelta(hours=1)  # an `importing` show older than this lost its worker


def job_key(show_id: int) -> str:
    return f"show:{show_id}"


@planner(
    KIND,
    interval_seconds=900,
    limit_per_run=60,
    description="Import setlists of completed shows from setlist.fm (recent first, within the daily quota)",
)
async def plan_setlist_import(p: PlanContext) -> int:
    if p.remaining == 0 or not provider_ready(p, "setlistfm"):
        return 0
    limit = min(p.remaining, await setlistfm_budget_left(p.sync, p.session, p.now))
    if limit == 0:
        return 0
    oldest = (p.now - timedelta(days=get_settings().import_max_age_days)).date()
    due = or_(_SHOWS.c.import_next_at.is_(None), _SHOWS.c.import_next_at <= p.now)
    ids = p.session.execute(
        select(_SHOWS.c.id)
        .join(_ARTISTS, _ARTISTS.c.id == _SHOWS.c.artist_id)
        .where(
            _SHOWS.c.status == ShowStatus.COMPLETED.value,
            _SHOWS.c.local_date >= oldest,
            _ARTISTS.c.mbid.is_not(None),
            or_(
                and_(_SHOWS.c.import_status == ImportStatus.PENDING.value, due),
                and_(
                    _SHOWS.c.import_status == ImportStatus.IMPORTING.value,
                    _SHOWS.c.updated_at <= p.now - STUCK_IMPORT,
                ),
            ),
            no_active_job(KIND, "show_id", _SHOWS.c.id),
            *_ready_to_score(p.session),
        )
        .order_by(_SHOWS.c.starts_at.desc(), _SHOWS.c.id)
        .limit(limit)
    ).scalars()
    count = 0
    for show_id in ids:
        p.request(KIND, job_key(show_id), show_id=show_id)
        count += 1
    return count


def _ready_to_score(session: Session) -> list[Any]:
    """Wait for the artist's catalog (songs are matched against it once, at import); in the first
    run also for the show's backfilled prediction, so the demo's past shows are scored."""
    waits = [_ARTISTS.c.catalog_status.not_in([CatalogStatus.NEVER.value, CatalogStatus.SYNCING.value])]
    if first_run_active(session):
        seeded = select(_PREDICTIONS.c.show_id).where(_PREDICTIONS.c.status == PredictionStatus.SEEDED.value)
        waits.append(or_(_ARTISTS.c.catalog_status != CatalogStatus.OK.value, _SHOWS.c.id.in_(seeded)))
    return waits


def _set_import(session: Session, show_id: int, now: datetime, **values: Any) -> None:
    session.execute(update(_SHOWS).where(_SHOWS.c.id == show_id).values(**values, updated_at=now))


def _pick(setlists: list[Setlist], venue: Venue | None) -> Setlist | None:
    """The setlist of our show: songs posted, and the venue's city when several match the date."""
    with_songs = [s for s in setlists if s.songs]
    if venue is not None and len(with_songs) > 1:
        city = normalize_name(venue.city)
        same_city = [s for s in with_songs if s.city and normalize_name(s.city) == city]
        with_songs = same_city or with_songs
    return with_songs[0] if with_songs else None


def played_songs(setlist: Setlist) -> list[PlayedSong]:
    """setlist.fm songs in the provider-neutral shape that domain.setlists stores."""
    return [
        PlayedSong(
            title=song.name or "(unknown tape)",
            set_index=song.set_index,
            set_name=song.set_name,
            encore=song.encore,
            tape=song.tape,
            cover_artist=song.cover_of,
            info=song.info,
        )
        for song in setlist.songs
    ]


@executor(KIND)
async def import_setlist(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    """Import and score one completed show's setlist."""
    if job.show_id is None:
        raise jobs.JobFailed("setlist job without show_id")
    cfg = get_settings()
    now = ctx.now()
    with ctx.session() as session:
        show = session.get(Show, job.show_id)
        artist = session.get(Artist, show.artist_id) if show else None
        venue = session.get(Venue, show.venue_id) if show else None
        if show is None or artist is None or not artist.mbid:
            return {"skipped": "show gone or artist without MBID"}
        if show.import_status in (ImportStatus.COMPLETED, ImportStatus.NOT_FOUND):
            return {"skipped": f"already {show.import_status}"}
        previous = show.import_status
        _set_import(session, show.id, now, import_status=ImportStatus.IMPORTING.value)
        session.commit()

    try:
        found = await call_provider(
            ctx,
            "setlistfm",
            ctx.providers.setlistfm.setlists_for,
            artist.mbid,
            show.local_date,
            key_failing=retrying(job),
        )
    except ProviderBlocked:
        with ctx.session() as session:
            _set_import(session, show.id, ctx.now(), import_status=previous)
            session.commit()
        return {"skipped": "setlistfm circuit open"}
    except NotFound:
        found = []
    except ProviderError as exc:
        _provider_failure(ctx, show, exc)
        raise jobs.JobFailed(str(exc)) from exc

    setlist = _pick(found, venue)
    with ctx.session() as session:
        if setlist is None:
            attempts = show.import_attempts + 1
            if attempts >= cfg.import_not_found_attempts:
                _set_import(
                    session, show.id, ctx.now(), import_status=ImportStatus.NOT_FOUND.value,
                    import_attempts=attempts, import_next_at=None,
                )  # fmt: skip
                outcome = {"not_found": True, "final": True}
            else:
                delay = timedelta(hours=cfg.import_backoff_hours * 2 ** (attempts - 1))
                _set_import(
                    session, show.id, ctx.now(), import_status=ImportStatus.PENDING.value,
                    import_attempts=attempts, import_next_at=ctx.now() + delay,
                )  # fmt: skip
                outcome = {"not_found": True, "retry_at": (ctx.now() + delay).isoformat()}
            session.commit()
            return outcome
        stored = store_actual_setlist(
            session, show, played_songs(setlist), setlistfm_id=setlist.id, tour_name=setlist.tour
        )
        taken = session.execute(
            select(_SHOWS.c.id).where(_SHOWS.c.setlistfm_id == setlist.id, _SHOWS.c.id != show.id)
        ).first()
        _set_import(
            session, show.id, ctx.now(), import_status=ImportStatus.COMPLETED.value,
            import_attempts=show.import_attempts + 1, import_next_at=None,
            **({} if taken else {"setlistfm_id": setlist.id}),
        )  # fmt: skip
        session.commit()
    return {
        "setlist": setlist.id,
        "songs": stored.song_count,
        "matched": stored.matched_count,
        "predicted": stored.predicted_count,
        "accuracy": stored.accuracy,
    }


def _provider_failure(ctx: SyncContext, show: Show, exc: ProviderError) -> None:
    """Back to pending with a backoff; a rate limit or quota does not count as an attempt."""
    cfg = get_settings()
    now = ctx.now()
    if isinstance(exc, RateLimited | QuotaExceeded):
        wait = timedelta(hours=1) if isinstance(exc, QuotaExceeded) else timedelta(minutes=15)
        values: dict[str, Any] = {"import_status": ImportStatus.PENDING.value, "import_next_at": now + wait}
    else:
        attempts = show.import_attempts + 1
        spent = attempts >= cfg.import_not_found_attempts
        values = {
            "import_status": (ImportStatus.FAILED if spent else ImportStatus.PENDING).value,
            "import_attempts": attempts,
            "import_next_at": None if spent else now + timedelta(hours=cfg.import_backoff_hours / 6),
        }
    with ctx.session() as session:
        _set_import(session, show.id, now, **values)
        session.commit()
