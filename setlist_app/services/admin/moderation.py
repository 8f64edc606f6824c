"""Content flags: review, dismiss, or remove the song from the prediction (counts fixed atomically)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, text
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist, Show, Song
from setlist_app.models.ops import ContentFlag
from setlist_app.models.users import User
from setlist_app.models.voting import Prediction, PredictionSong
from setlist_app.services.admin.audit import AdminError, perform
from setlist_app.services.admin.paging import Page, page_bounds

_FLAGS = ContentFlag.__table__
STATUSES = ("open", "dismissed", "removed")


@dataclass(frozen=True)
class FlagRow:
    id: int
    status: str
    reason: str
    reporter: str  # "fan #<id>" or "anonymous visitor": never an email
    created_at: datetime
    resolved_at: datetime | None
    prediction_song_id: int
    song: str
    artist: str
    show: str
    show_slug: str
    added_by: str
    vote_count: int
    hidden: bool
    reports: int  # open reports on the same song


def _who(voter_key: str) -> str:
    return f"fan #{voter_key[2:]}" if voter_key.startswith("u:") else "anonymous visitor"


def list_flags(
    session: Session, *, status: str = "open", page: int = 1, page_size: int = 25
) -> Page[FlagRow]:
    """Flags with their song, show and adder; newest first."""
    ps, pred, shows, songs, artists, users = (
        PredictionSong.__table__,
        Prediction.__table__,
        Show.__table__,
        Song.__table__,
        Artist.__table__,
        User.__table__,
    )
    where = [_FLAGS.c.status == status] if status else []
    total = session.execute(select(func.count()).select_from(_FLAGS).where(*where)).scalar_one()
    offset, limit = page_bounds(page, page_size)
    open_reports = (
        select(func.count())
        .where(_FLAGS.c.prediction_song_id == ps.c.id, _FLAGS.c.status == "open")
        .correlate(ps)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            _FLAGS,
            ps.c.vote_count,
            ps.c.hidden,
            ps.c.added_by_anon,
            songs.c.title,
            artists.c.name.label("artist"),
            shows.c.name.label("show"),
            shows.c.slug.label("show_slug"),
            users.c.name.label("adder"),
            ps.c.added_by_user_id,
            open_reports.label("reports"),
        )
        .select_from(
            _FLAGS.join(ps, ps.c.id == _FLAGS.c.prediction_song_id)
            .join(pred, pred.c.id == ps.c.prediction_id)
            .join(shows, shows.c.id == pred.c.show_id)
            .join(artists, artists.c.id == shows.c.artist_id)
            .join(songs, songs.c.id == ps.c.song_id)
            .outerjoin(users, users.c.id == ps.c.added_by_user_id)
        )
        .where(*where)
        .order_by(_FLAGS.c.created_at.desc(), _FLAGS.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        FlagRow(
            id=r.id,
            status=r.status,
            reason=r.reason,
            reporter=_who(r.reporter),
            created_at=r.created_at,
            resolved_at=r.resolved_at,
            prediction_song_id=r.prediction_song_id,
            song=r.title,
            artist=r.artist,
            show=r.show,
            show_slug=r.show_slug,
            added_by=r.adder or ("anonymous visitor" if r.added_by_anon else f"fan #{r.added_by_user_id}"),
            vote_count=r.vote_count,
            hidden=r.hidden,
            reports=int(r.reports or 0),
        )
        for r in rows
    ]
    return Page(items, total, page, page_size)


def open_count(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(_FLAGS).where(_FLAGS.c.status == "open")
        ).scalar_one()
    )


def _open_flag(session: Session, flag_id: int) -> ContentFlag:
    flag = session.get(ContentFlag, int(flag_id))
    if flag is None:
        raise AdminError(f"Flag {flag_id} does not exist")
    if flag.status != "open":
        raise AdminError(f"Flag {flag_id} was already {flag.status}")
    return flag


def dismiss(session: Session, actor: Viewer, flag_id: int) -> None:
    """Keep the song; close this flag."""

    def run() -> None:
        _open_flag(session, flag_id)
        session.execute(
            _FLAGS.update()
            .where(_FLAGS.c.id == int(flag_id), _FLAGS.c.status == "open")
            .values(status="dismissed", resolved_by_user_id=actor.user_id, resolved_at=utcnow())
        )

    perform(session, actor, "flag.dismiss", run, target=f"flag:{flag_id}", arguments={"flag_id": flag_id})


@dataclass(frozen=True)
class Removal:
    show_id: int
    prediction_song_id: int
    votes_removed: int
    flags_closed: int

    def __str__(self) -> str:
        return f"song hidden, {self.votes_removed} vote(s) removed, {self.flags_closed} flag(s) closed"


def remove_song(session: Session, actor: Viewer, flag_id: int) -> Removal:
    """Hide the flagged song from its prediction and take back its votes, in one transaction.

    The song row is locked first (hidden = true), so a concurrent vote either committed before
    (its row is deleted and counted here) or waits and then finds the song hidden-and-counted
    consistently: counters only ever move by the rows really deleted.
    """

    def run() -> Removal:
        flag = _open_flag(session, flag_id)
        ps_id = flag.prediction_song_id
        show_id = session.execute(
            text(
                "UPDATE prediction_songs SET hidden = true WHERE id = :ps RETURNING"
                " (SELECT show_id FROM predictions p WHERE p.id = prediction_songs.prediction_id)"
            ),
            {"ps": ps_id},
        ).scalar_one()
        voters = session.execute(
            text("DELETE FROM votes WHERE prediction_song_id = :ps RETURNING user_id"), {"ps": ps_id}
        ).all()
        removed = len(voters)
        fans = [row[0] for row in voters if row[0] is not None]  # one vote per fan per song
        if fans:
            session.execute(
                text("UPDATE users SET votes_cast = votes_cast - 1 WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": fans},
            )
        if removed:
            session.execute(
                text("UPDATE prediction_songs SET vote_count = vote_count - :n WHERE id = :ps"),
                {"n": removed, "ps": ps_id},
            )
            session.execute(
                text("UPDATE shows SET vote_count = vote_count - :n WHERE id = :s"),
                {"n": removed, "s": show_id},
            )
        closed = session.execute(
            _FLAGS.update()
            .where(_FLAGS.c.prediction_song_id == ps_id, _FLAGS.c.status == "open")
            .values(status="removed", resolved_by_user_id=actor.user_id, resolved_at=utcnow())
        ).rowcount
        return Removal(show_id, ps_id, removed, closed)

    return perform(
        session, actor, "flag.remove", run, target=f"flag:{flag_id}", arguments={"flag_id": flag_id}
    )
