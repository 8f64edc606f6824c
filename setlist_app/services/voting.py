"""Voting rules (DESIGN.md §4): votes, adds and the anonymous allowance, each in one transaction.

Every function takes an open `Session` and leaves committing to the caller, so one action is one
transaction: the vote row, the counters (`SET vote_count = vote_count ± 1`, only when a row was
really inserted or deleted), the allowance check and the `activity` row commit together or not at
all. The unique constraint on (prediction_song_id, voter) is what makes double clicks, retries and
races harmless; the anonymous allowance is serialised per (show, voter) with a transaction-scoped
advisory lock so two concurrent requests cannot both see "one left".

Publishing the change to live viewers happens after commit (`setlist_app.live.publisher`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models import Activity, Show, ShowStatus, utcnow
from setlist_app.settings import get_settings

# Raw SQL keeps each step one statement; typed so SQLite hands back aware datetimes too.
_STARTS_AT = Show.__table__.c.starts_at.type  # type: ignore[attr-defined]


class VoteRejected(Exception):
    """A vote or add the rules refuse; `message` is written for fans, `code` for code and tests."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def needs_sign_in(self) -> bool:
        return self.code in ("anon_vote_limit", "anon_add_limit")


# Fan-facing messages, one place (unit tests pin them).
MESSAGES: dict[str, str] = {
    "no_identity": "We couldn't recognise your browser. Reload the page (with cookies enabled) to vote.",
    "banned": "Your account can't vote or add songs right now.",
    "unknown_song": "That song isn't in this prediction any more. Reload the page to see the latest list.",
    "unknown_show": "We couldn't find that show.",
    "completed": "This show has already happened, so voting is closed. See how the fans did below.",
    "cancelled": "This show was cancelled, so voting is closed.",
    "postponed": "This show was postponed. Voting reopens when it has a new date.",
    "started": "Voting closed when the show started.",
    "not_in_catalog": "That song isn't in this artist's studio catalog, so it can't be added.",
    "removed": "That song was removed from this prediction by a moderator.",
    "anon_vote_limit": "You've used your {limit} free votes for this show. Sign in to keep voting. It's free.",
    "anon_add_limit": "You've added {limit} songs to this show. Sign in to add more. It's free.",
    "rate_limited": "Whoa, that's a lot of votes in a minute. Take a breather and try again shortly.",
}


def rejection(code: str, **fmt: Any) -> VoteRejected:
    return VoteRejected(code, MESSAGES[code].format(**fmt))


@dataclass(frozen=True)
class Allowance:
    """What an anonymous voter has left on a show (None = unlimited, i.e. signed in)."""

    votes_left: int | None
    adds_left: int | None


@dataclass(frozen=True)
class VoteResult:
    """Outcome of a vote or unvote. `changed` is False for a repeat (idempotent no-op)."""

    show_id: int
    prediction_song_id: int
    voted: bool
    changed: bool
    vote_count: int
    allowance: Allowance | None = None  # when asked for: what the voter has left afterwards


@dataclass(frozen=True)
class AddResult:
    """Outcome of adding a song. `added` is False when it was already there (then it got the vote)."""

    show_id: int
    prediction_song_id: int
    added: bool
    vote: VoteResult


@dataclass(frozen=True)
class _SongContext:
    prediction_song_id: int
    prediction_id: int
    song_id: int
    show_id: int
    artist_id: int
    added_by_anon: str | None
    added_by_user_id: int | None


def _require_voter(viewer: Viewer) -> str:
    if viewer.role == "banned":
        raise rejection("banned")
    if viewer.voter_key is None:
        raise rejection("no_identity")
    return viewer.voter_key


def check_open(status: str, starts_at: datetime, now: datetime | None = None) -> None:
    """Raise unless the show still takes votes: upcoming and not yet started."""
    if status != ShowStatus.UPCOMING:
        code = status if status in ("completed", "cancelled", "postponed") else "completed"
        raise rejection(code)
    now = now or utcnow()
    if starts_at.tzinfo is None:  # SQLite hands back naive UTC
        now = now.replace(tzinfo=None)
    if starts_at <= now:
        raise rejection("started")


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# The statements of a vote, built once: a vote runs ~8 of them, and building a `text()` (a regex
# over the SQL) plus the ORM session's execution layer cost more CPU than the database round trip.
_LOCK_PG = text("SELECT pg_advisory_xact_lock(:a, :b)")
_LOCK_SQLITE = text("UPDATE shows SET vote_count = vote_count WHERE id = :s")
_SONG_CONTEXT = text(
    "SELECT ps.id, ps.prediction_id, ps.song_id, ps.hidden, ps.added_by_anon, ps.added_by_user_id,"
    " s.id, s.artist_id, s.status, s.starts_at"
    " FROM prediction_songs ps JOIN predictions p ON p.id = ps.prediction_id"
    " JOIN shows s ON s.id = p.show_id WHERE ps.id = :ps"
).columns(starts_at=_STARTS_AT)
_INSERT_VOTE = text(
    "INSERT INTO votes (prediction_song_id, show_id, voter, user_id, created_at)"
    " VALUES (:ps, :s, :v, :u, :at)"
    " ON CONFLICT (prediction_song_id, voter) DO NOTHING RETURNING id"
)
_DELETE_VOTE = text("DELETE FROM votes WHERE prediction_song_id = :ps AND voter = :v RETURNING id")
_SONG_COUNT = text("SELECT vote_count FROM prediction_songs WHERE id = :ps")
_USER_VOTES = text("UPDATE users SET votes_cast = votes_cast + :d WHERE id = :u")
_INSERT_ACTIVITY = insert(Activity.__table__)  # type: ignore[arg-type]


def _exec(session: Session, statement: Any, params: dict[str, Any]) -> Any:
    """Run a Core statement on the session's connection (inside its transaction), skipping the ORM."""
    return session.connection().execute(statement, params)


def _lock_voter(session: Session, show_id: int, voter: str) -> None:
    """Serialise one voter's allowance checks on one show until the transaction ends."""
    if _is_postgres(session):
        key = zlib.crc32(voter.encode()) - 2**31  # stable across processes (hash() is salted)
        _exec(session, _LOCK_PG, {"a": show_id, "b": key})
    else:
        # SQLite: take the database write lock now, so the count below cannot go stale.
        _exec(session, _LOCK_SQLITE, {"s": show_id})


def _song_context(session: Session, prediction_song_id: int, show_id: int | None) -> _SongContext:
    row = _exec(session, _SONG_CONTEXT, {"ps": prediction_song_id}).first()
    if row is None or row[3] or (show_id is not None and row[6] != show_id):
        raise rejection("unknown_song")
    check_open(row[8], row[9])
    return _SongContext(
        prediction_song_id=row[0],
        prediction_id=row[1],
        song_id=row[2],
        show_id=row[6],
        artist_id=row[7],
        added_by_anon=row[4],
        added_by_user_id=row[5],
    )


# An anonymous voter's votes on a show that count against the allowance (not on songs they added).
_COUNTED_VOTES_SQL = (
    "SELECT count(*) FROM votes v JOIN prediction_songs ps ON ps.id = v.prediction_song_id"
    " WHERE v.show_id = :s AND v.voter = :v AND v.prediction_song_id <> :ps"
    " AND (ps.added_by_anon IS NULL OR ps.added_by_anon <> :anon)"
)
_COUNTED_VOTES = text(_COUNTED_VOTES_SQL)
_ALLOWANCE_USED = text(
    f"SELECT ({_COUNTED_VOTES_SQL}), (SELECT count(*) FROM prediction_songs ps"
    " JOIN predictions p ON p.id = ps.prediction_id WHERE p.show_id = :s AND ps.added_by_anon = :anon)"
)


def _counted_votes(session: Session, show_id: int, voter: str, anon_id: str, exclude_ps: int) -> int:
    params = {"s": show_id, "v": voter, "ps": exclude_ps, "anon": anon_id}
    return int(_exec(session, _COUNTED_VOTES, params).scalar_one())


def _counted_adds(session: Session, prediction_id: int, anon_id: str) -> int:
    return int(
        session.execute(
            text("SELECT count(*) FROM prediction_songs WHERE prediction_id = :p AND added_by_anon = :a"),
            {"p": prediction_id, "a": anon_id},
        ).scalar_one()
    )


def _activity(session: Session, kind: str, viewer: Viewer, ctx: _SongContext) -> None:
    """Record the change in the feed, in the caller's transaction (a Core insert: no ORM flush)."""
    row = {
        "created_at": utcnow(),
        "kind": kind,
        "user_id": viewer.user_id,
        "anon_id": None if viewer.user_id is not None else viewer.anon_id,
        "artist_id": ctx.artist_id,
        "show_id": ctx.show_id,
        "song_id": ctx.song_id,
        "data": {"prediction_song_id": ctx.prediction_song_id},
    }
    _exec(session, _INSERT_ACTIVITY, row)


# Postgres moves both counters in one statement: every vote of a show locks the show's row.
_BUMP_PG = (
    "WITH song AS (UPDATE prediction_songs SET vote_count = vote_count + {d} WHERE id = {ps}"
    " RETURNING vote_count)"
    " UPDATE shows SET vote_count = vote_count + {d} WHERE id = {s} RETURNING (SELECT vote_count FROM song)"
)
_BUMP_PG_SA = text(_BUMP_PG.format(d=":d", ps=":ps", s=":s"))
_BUMP_PG_DRIVER = _BUMP_PG.format(d="%(d)s", ps="%(ps)s", s="%(s)s")
_BUMP_SONG = text(
    "UPDATE prediction_songs SET vote_count = vote_count + :d WHERE id = :ps RETURNING vote_count"
)
_BUMP_SHOW = text("UPDATE shows SET vote_count = vote_count + :d WHERE id = :s")


def _bump(session: Session, ctx: _SongContext, delta: int, *, commit: bool = False) -> int:
    """Move the song's and the show's counters by `delta`; the song's new count. Call it last.

    `commit` ends the transaction here. On Postgres the counter update and COMMIT then travel in
    one psycopg pipeline, so the show row every vote must lock is held for the server's own time,
    not for a network round trip plus a wait for this thread's turn.
    """
    params = {"d": delta, "ps": ctx.prediction_song_id, "s": ctx.show_id}
    if _is_postgres(session) and commit:
        count = _execute_and_commit(session, _BUMP_PG_DRIVER, params)[0]
        session.commit()  # SQLAlchemy's bookkeeping; the connection is already idle, nothing is sent
        return int(count)
    if _is_postgres(session):
        count = _exec(session, _BUMP_PG_SA, params).scalar_one()
    else:
        count = _exec(session, _BUMP_SONG, params).scalar_one()
        _exec(session, _BUMP_SHOW, params)
    if commit:
        session.commit()
    return int(count)


def _execute_and_commit(session: Session, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    """One statement and COMMIT in a single psycopg pipeline; the statement's first row."""
    driver = session.connection().connection.driver_connection
    with driver.pipeline():
        cursor = driver.execute(sql, params)
        driver.commit()
    return cursor.fetchone()


def _current_count(session: Session, prediction_song_id: int) -> int:
    return int(_exec(session, _SONG_COUNT, {"ps": prediction_song_id}).scalar_one())


def _apply_vote(
    session: Session,
    viewer: Viewer,
    ctx: _SongContext,
    want: bool,
    *,
    kind: str,
    with_allowance: bool = False,
    commit: bool = False,
) -> VoteResult:
    voter = _require_voter(viewer)
    if want:
        if not viewer.is_signed_in and ctx.added_by_anon != viewer.anon_id:
            _lock_voter(session, ctx.show_id, voter)
            limit = get_settings().anon_votes_per_show
            used = _counted_votes(session, ctx.show_id, voter, viewer.anon_id or "", ctx.prediction_song_id)
            if used >= limit:
                raise rejection("anon_vote_limit", limit=limit)
        row = {
            "ps": ctx.prediction_song_id,
            "s": ctx.show_id,
            "v": voter,
            "u": viewer.user_id,
            "at": utcnow(),
        }
        inserted = _exec(session, _INSERT_VOTE, row).first()
        changed, delta = inserted is not None, 1
    else:
        deleted = _exec(session, _DELETE_VOTE, {"ps": ctx.prediction_song_id, "v": voter}).first()
        changed, delta = deleted is not None, -1
    left = allowance(session, viewer, ctx.show_id) if with_allowance else None
    if not changed:
        count = _current_count(session, ctx.prediction_song_id)
        if commit:
            session.commit()
        return VoteResult(ctx.show_id, ctx.prediction_song_id, want, False, count, left)
    if kind:
        _activity(session, kind if want else "unvote", viewer, ctx)
    if viewer.user_id is not None:  # the fan's own counter (admin users page)
        _exec(session, _USER_VOTES, {"d": delta, "u": viewer.user_id})
    count = _bump(session, ctx, delta, commit=commit)  # last: the counter rows are every voter's hot spot
    return VoteResult(ctx.show_id, ctx.prediction_song_id, want, True, count, left)


def set_vote(
    session: Session,
    viewer: Viewer,
    prediction_song_id: int,
    want: bool,
    *,
    show_id: int | None = None,
    with_allowance: bool = False,
    commit: bool = False,
) -> VoteResult:
    """Make the viewer's vote on one prediction song be `want` (True = upvoted).

    Idempotent: repeating a request changes nothing. The UI toggles by sending the opposite of what
    it shows, so a double click or a retry can never count twice. `show_id`, when given, must be
    the song's show (a crafted event cannot vote on another show through this page).
    `with_allowance` also reads what the voter has left (`result.allowance`), in this transaction;
    `commit` commits it too (the fastest way on Postgres, see `_bump`), so the vote is the whole
    transaction. A refusal raises before anything is written either way.
    """
    _require_voter(viewer)
    ctx = _song_context(session, prediction_song_id, show_id)
    return _apply_vote(session, viewer, ctx, want, kind="vote", with_allowance=with_allowance, commit=commit)


def add_song(session: Session, viewer: Viewer, show_id: int, song_id: int) -> AddResult:
    """Add a catalog song to the show's prediction with the adder's upvote.

    A song already in the prediction is not added twice (unique on prediction and song): the
    adder's vote goes to the existing entry instead.
    """
    voter = _require_voter(viewer)
    show = session.execute(
        text("SELECT status, starts_at, artist_id FROM shows WHERE id = :s").columns(starts_at=_STARTS_AT),
        {"s": show_id},
    ).first()
    if show is None:
        raise rejection("unknown_show")
    check_open(show[0], show[1])
    in_catalog = session.execute(
        text(
            "SELECT 1 FROM artist_songs a JOIN songs s ON s.id = a.song_id"
            " WHERE a.artist_id = :artist AND a.song_id = :song AND s.is_studio"
        ),
        {"artist": show[2], "song": song_id},
    ).first()
    if in_catalog is None:
        raise rejection("not_in_catalog")
    session.execute(
        text(
            "INSERT INTO predictions (show_id, status, created_at) VALUES (:s, 'waiting_catalog', :at)"
            " ON CONFLICT (show_id) DO NOTHING"
        ),
        {"s": show_id, "at": utcnow()},
    )
    prediction_id = session.execute(
        text("SELECT id FROM predictions WHERE show_id = :s"), {"s": show_id}
    ).scalar_one()
    existing = session.execute(
        text("SELECT id, hidden FROM prediction_songs WHERE prediction_id = :p AND song_id = :song"),
        {"p": prediction_id, "song": song_id},
    ).first()
    if existing is None and not viewer.is_signed_in:
        _lock_voter(session, show_id, voter)
        limit = get_settings().anon_adds_per_show
        if _counted_adds(session, prediction_id, viewer.anon_id or "") >= limit:
            raise rejection("anon_add_limit", limit=limit)
    inserted = session.execute(
        text(
            "INSERT INTO prediction_songs (prediction_id, song_id, source, added_by_user_id, added_by_anon,"
            " vote_count, position, hidden, created_at)"
            " SELECT :p, :song, 'fan', :u, :a, 0, coalesce(max(position), 0) + 1, false, :at"
            " FROM prediction_songs WHERE prediction_id = :p"
            " ON CONFLICT (prediction_id, song_id) DO NOTHING RETURNING id"
        ),
        {
            "p": prediction_id,
            "song": song_id,
            "u": viewer.user_id,
            "a": None if viewer.is_signed_in else viewer.anon_id,
            "at": utcnow(),
        },
    ).first()
    if inserted is None:
        existing = session.execute(
            text("SELECT id, hidden FROM prediction_songs WHERE prediction_id = :p AND song_id = :song"),
            {"p": prediction_id, "song": song_id},
        ).one()
        if existing[1]:
            raise rejection("removed")
        vote = set_vote(session, viewer, existing[0], True, show_id=show_id)
        return AddResult(show_id, existing[0], False, vote)
    ctx = _song_context(session, inserted[0], show_id)
    _activity(session, "add_song", viewer, ctx)
    # One activity row per fan action: the adder's upvote is part of the add.
    vote = _apply_vote(session, viewer, ctx, True, kind="")
    return AddResult(show_id, ctx.prediction_song_id, True, vote)


def my_votes(session: Session, viewer: Viewer, show_id: int) -> list[int]:
    """Prediction-song ids the viewer has upvoted on this show."""
    if viewer.voter_key is None:
        return []
    rows = session.execute(
        text("SELECT prediction_song_id FROM votes WHERE show_id = :s AND voter = :v ORDER BY id"),
        {"s": show_id, "v": viewer.voter_key},
    )
    return [int(r[0]) for r in rows]


def allowance(session: Session, viewer: Viewer, show_id: int) -> Allowance:
    """The anonymous viewer's free votes and adds left on this show (unlimited when signed in)."""
    if viewer.is_signed_in or viewer.voter_key is None:
        return Allowance(None, None)
    settings = get_settings()
    anon = viewer.anon_id or ""
    params = {"s": show_id, "v": viewer.voter_key, "ps": 0, "anon": anon}
    used_votes, used_adds = _exec(session, _ALLOWANCE_USED, params).one()
    return Allowance(
        max(settings.anon_votes_per_show - int(used_votes), 0),
        max(settings.anon_adds_per_show - int(used_adds), 0),
    )


def closed_reason(session: Session, show_id: int) -> str:
    """Why the show takes no votes, in words for fans; "" while voting is open."""
    row = session.execute(
        text("SELECT status, starts_at FROM shows WHERE id = :s").columns(starts_at=_STARTS_AT),
        {"s": show_id},
    ).first()
    if row is None:
        return MESSAGES["unknown_show"]
    try:
        check_open(row[0], row[1])
    except VoteRejected as exc:
        return exc.message
    return ""


@dataclass
class PickerSong:
    """One catalog song in the "Add a song" picker."""

    song_id: int = 0
    title: str = ""
    album: str = ""
    search: str = ""  # lower-cased title and album, for filtering


def picker_catalog(session: Session, show_id: int) -> list[PickerSong]:
    """The artist's studio catalog in catalog order (variants were filtered out at import)."""
    rows = session.execute(
        text(
            "SELECT s.id, s.title, coalesce(s.album, '') FROM shows sh"
            " JOIN artist_songs a ON a.artist_id = sh.artist_id JOIN songs s ON s.id = a.song_id"
            " WHERE sh.id = :s AND s.is_studio ORDER BY a.position, s.title"
        ),
        {"s": show_id},
    )
    return [PickerSong(r[0], r[1], r[2], f"{r[1]} {r[2]}".lower()) for r in rows]
