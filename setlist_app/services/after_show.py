"""After the show: the actual setlist, scored for the fans' prediction and the seeded baseline.

Read model plus one write: a fan may ask for a setlist import to be retried, which resets the
show's import status and requests the `setlist_import` job through the gateway — rate-limited per
show and per requester, so it can never become a stream of provider calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from setlist_app.domain import scoring
from setlist_app.models import (
    ActualSetlist,
    ActualSetlistSong,
    ImportStatus,
    Prediction,
    PredictionSong,
    Show,
    ShowStatus,
    Song,
    SyncJob,
    utcnow,
)
from setlist_app.sync import jobs
from setlist_app.sync.setlist_import import KIND as IMPORT_KIND
from setlist_app.sync.setlist_import import job_key

RETRY_COOLDOWN = timedelta(minutes=30)  # per show: one fan-requested import per half hour
RETRIES_PER_HOUR = 10  # per requester

IMPORT_MESSAGES = {
    ImportStatus.PENDING: "The setlist usually reaches setlist.fm within a day of the show. We check regularly.",
    ImportStatus.IMPORTING: "Importing the setlist from setlist.fm right now…",
    ImportStatus.NOT_FOUND: "setlist.fm doesn't have this setlist yet.",
    ImportStatus.FAILED: "We couldn't import the setlist from setlist.fm.",
    ImportStatus.COMPLETED: "",
}


class RetryRefused(Exception):
    """A retry the rules refuse; the message is written for fans."""


@dataclass
class PlayedRow:
    position: int = 0
    title: str = ""
    tape: bool = False
    cover: str = ""  # original artist when a cover
    info: str = ""
    predicted: bool = False  # fans voted for it
    seeded: bool = False  # seeded from recent setlists
    votes: int = 0


@dataclass
class SetBlock:
    heading: str = ""
    songs: list[PlayedRow] = field(default_factory=list)


@dataclass
class MissedSong:
    title: str = ""
    votes: int = 0


@dataclass
class AfterShow:
    show_id: int = 0
    visible: bool = False  # completed shows only
    import_status: str = ""
    import_message: str = ""
    can_retry: bool = False
    has_setlist: bool = False
    tour: str = ""
    accuracy: str = "—"  # the fans' prediction
    fans_predicted: bool = False  # fans voted before the show (else there is nothing of theirs to miss)
    accuracy_note: str = ""
    baseline: str = "—"  # the seeded baseline
    baseline_note: str = ""
    sets: list[SetBlock] = field(default_factory=list)
    missed: list[MissedSong] = field(default_factory=list)


def set_heading(set_index: int, name: str | None, encore: int, *, multiple: bool) -> str:
    """'Encore', 'Encore 2', the set's own name, or 'Set 2' / 'Main set'."""
    if encore:
        return "Encore" if encore == 1 else f"Encore {encore}"
    if name:
        return name
    return f"Set {set_index + 1}" if multiple else "Main set"


def after_show(session: Session, show_id: int) -> AfterShow:
    show = session.get(Show, show_id)
    if show is None or show.status != ShowStatus.COMPLETED:
        return AfterShow(show_id=show_id)
    view = AfterShow(
        show_id=show_id,
        visible=True,
        import_status=show.import_status,
        import_message=IMPORT_MESSAGES.get(ImportStatus(show.import_status), ""),
        can_retry=show.import_status in (ImportStatus.NOT_FOUND, ImportStatus.FAILED),
    )
    setlist = session.scalars(select(ActualSetlist).where(col(ActualSetlist.show_id) == show_id)).first()
    if setlist is None:
        return view
    rows = session.scalars(
        select(ActualSetlistSong)
        .where(col(ActualSetlistSong.setlist_id) == setlist.id)
        .order_by(col(ActualSetlistSong.position))
    ).all()
    multiple = len({(r.set_index, r.encore) for r in rows if not r.encore}) > 1
    blocks: list[SetBlock] = []
    for r in rows:
        heading = set_heading(r.set_index, r.set_name, r.encore, multiple=multiple)
        if not blocks or blocks[-1].heading != heading:
            blocks.append(SetBlock(heading=heading))
        blocks[-1].songs.append(
            PlayedRow(
                position=r.position,
                title=r.title,
                tape=r.is_tape,
                cover=r.cover_artist or "",
                info=r.info or "",
                predicted=r.was_predicted,
                seeded=r.was_seeded,
                votes=r.prediction_votes,
            )
        )
    played_ids = {r.song_id for r in rows if r.song_id is not None and not r.is_tape}
    voted = session.execute(
        select(Song.id, Song.title, PredictionSong.vote_count)
        .join(PredictionSong, col(PredictionSong.song_id) == Song.id)
        .join(Prediction, col(Prediction.id) == PredictionSong.prediction_id)
        .where(
            col(Prediction.show_id) == show_id,
            col(PredictionSong.hidden).is_(False),
            col(PredictionSong.vote_count) > 0,
        )
        .order_by(col(PredictionSong.vote_count).desc(), col(PredictionSong.position))
    ).all()
    fans = scoring.Score(setlist.fan_picks, setlist.predicted_count, setlist.song_count)
    seeded = scoring.Score(setlist.seed_picks, setlist.seed_hits, setlist.song_count)
    view.has_setlist = True
    view.tour = setlist.tour_name or ""
    view.sets = blocks
    view.missed = [MissedSong(title, votes) for song_id, title, votes in voted if song_id not in played_ids]
    view.fans_predicted = fans.picks > 0
    view.accuracy, view.accuracy_note = scoring.format_pct(fans.accuracy), scoring.fans_line(fans)
    view.baseline, view.baseline_note = scoring.format_pct(seeded.accuracy), scoring.baseline_line(seeded)
    return view


def retry_import(session: Session, show_id: int, requested_by: str) -> str:
    """Queue a fresh setlist.fm import for a completed show that was not found or failed.

    Returns the new import status. The caller commits.
    """
    show = session.get(Show, show_id)
    if show is None or show.status != ShowStatus.COMPLETED:
        raise RetryRefused("Setlists can only be imported for shows that have happened.")
    if show.import_status not in (ImportStatus.NOT_FOUND, ImportStatus.FAILED):
        raise RetryRefused("The setlist import is already under way.")
    now = utcnow()
    recent = select(func.count()).select_from(SyncJob).where(col(SyncJob.kind) == IMPORT_KIND)
    if session.scalar(
        recent.where(col(SyncJob.show_id) == show_id, col(SyncJob.created_at) >= now - RETRY_COOLDOWN)
    ):
        raise RetryRefused("We tried this show a few minutes ago. Please check back in half an hour.")
    if (
        session.scalar(
            recent.where(
                col(SyncJob.requested_by) == requested_by, col(SyncJob.created_at) >= now - timedelta(hours=1)
            )
        )
        or 0
    ) >= RETRIES_PER_HOUR:
        raise RetryRefused("You've asked for a lot of imports this hour. Please try again later.")
    session.execute(
        update(Show)
        .where(
            col(Show.id) == show_id,
            col(Show.import_status).in_([ImportStatus.NOT_FOUND, ImportStatus.FAILED]),
        )
        .values(import_status=ImportStatus.PENDING, import_next_at=None, updated_at=now)
    )
    jobs.request(session, IMPORT_KIND, job_key(show_id), requested_by=requested_by, show_id=show_id)
    return ImportStatus.PENDING.value
