"""The batch path of voting (DESIGN.md §4): many votes in one transaction (`set_votes`), the group
commit of the live vote lane (`live/group_commit.py`), and `set_vote` for one.

Every function takes an open `Session` and leaves committing to the caller, so one batch is one
transaction: the vote rows, the counters (`SET vote_count = vote_count + n`, moved only by rows
really inserted or deleted), the allowance checks and the `activity` rows commit together or not at
all. The unique constraint on (prediction_song_id, voter) is what makes double clicks, retries and
races harmless; the anonymous allowance is serialised per (show, voter) with a transaction-scoped
advisory lock so two concurrent requests cannot both see "one left".

Publishing the change to live viewers happens after commit (`setlist_app.live.publisher`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.domain.voting_rules import (
    Allowance,
    AnonTally,
    VoteRejected,
    check_open,
    rejection,
    require_voter,
)
from setlist_app.models import utcnow
from setlist_app.services.voting.statements import (
    ANON_ADDS,
    BUMP_SHOW,
    BUMP_SONG,
    BUMP_USER,
    COUNTED_VOTES,
    DELETE_VOTE,
    INSERT_ACTIVITY,
    INSERT_VOTE,
    SONG_CONTEXTS,
    SONG_COUNT,
    TAKE_BACK_VOTE,
    SongRow,
    Step,
    column,
    is_postgres,
    run,
    run_all,
    scalar,
    voter_lock,
)
from setlist_app.settings import get_settings

# The feed keeps one entry per voter, song and show within this window: an un-vote takes back a
# "voted for" entry younger than this, so toggling never shows "A fan voted for X" twice.
COALESCE_WINDOW = timedelta(hours=1)


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
class VoteRequest:
    """One fan's vote or unvote, as `set_votes` takes them."""

    viewer: Viewer
    prediction_song_id: int
    want: bool = True  # True = upvoted, False = not
    show_id: int | None = None  # when given, the song must be on this show (crafted events)
    kind: str = "vote"  # the activity row written for it; "" = none (an add's own upvote)


VoteOutcome = VoteResult | VoteRejected


def song_rows(session: Session, ids: Iterable[int]) -> dict[int, SongRow]:
    """The rows `open_song` checks, by prediction-song id, in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {
        row.prediction_song_id: row
        for row in map(SongRow._make, run(session, SONG_CONTEXTS, {"ids": wanted}))
    }


def open_song(row: SongRow | None, show_id: int | None) -> SongRow:
    """The song, refusing a hidden or unknown song, another show's, or a closed show."""
    if row is None or row.hidden or (show_id is not None and row.show_id != show_id):
        raise rejection("unknown_song")
    check_open(row.status, row.starts_at)
    return row


def activity_row(kind: str, viewer: Viewer, ctx: SongRow) -> dict[str, Any]:
    return {
        "created_at": utcnow(),
        "kind": kind,
        "user_id": viewer.user_id,
        "anon_id": None if viewer.user_id is not None else viewer.anon_id,
        "artist_id": ctx.artist_id,
        "show_id": ctx.show_id,
        "song_id": ctx.song_id,
        "data": {"prediction_song_id": ctx.prediction_song_id},
    }


def _read_anonymous(
    session: Session, keys: list[tuple[int, str, str]], with_adds: bool
) -> dict[tuple[int, str], AnonTally]:
    """Lock each (show, voter, anon id) and read their counted votes (and adds): one round trip.

    The locks serialise one voter's allowance checks on one show until the transaction ends, so
    two concurrent requests cannot both see "one left"; they are taken in one fixed order.
    """
    postgres = is_postgres(session)
    steps: list[Step] = []
    reads: list[tuple[tuple[int, str], int]] = []  # (show, voter) and where its reads are in `steps`
    for show_id, voter, anon in keys:
        steps.append(voter_lock(postgres, show_id, voter))
        reads.append(((show_id, voter), len(steps)))
        steps.append((COUNTED_VOTES, {"s": show_id, "v": voter, "anon": anon}))
        if with_adds:
            steps.append((ANON_ADDS, {"s": show_id, "anon": anon}))
    results = run_all(session, steps)
    return {
        key: AnonTally(set(map(int, column(results[at]))), int(scalar(results[at + 1])) if with_adds else 0)
        for key, at in reads
    }


@dataclass
class _Vote:
    """A request that passed the checks, with what writing it did."""

    request: VoteRequest
    voter: str
    ctx: SongRow
    delta: int = 0  # +1 inserted, -1 deleted, 0 a repeat


def _take_back(session: Session, votes: list[_Vote]) -> set[int]:
    """Un-votes whose voter's "voted for" entry on the song is under `COALESCE_WINDOW` old: that entry
    is deleted and the un-vote writes none, so vote, un-vote, re-vote leaves one entry, not two.

    Returns the indexes (into `votes`) of the un-votes that took an entry back. A vote and its un-vote
    in the same batch cancel out here, before anything is written.
    """
    taken: set[int] = set()
    pending: dict[tuple[str, int], int] = {}  # (voter, prediction song) -> index of its vote in this batch
    steps: list[Step] = []
    asked: list[int] = []
    since = utcnow() - COALESCE_WINDOW
    for i, v in enumerate(votes):
        if not v.delta or v.request.kind != "vote":
            continue
        key = (v.voter, v.ctx.prediction_song_id)
        if v.delta > 0:
            pending[key] = i
        elif key in pending:
            taken.update((pending.pop(key), i))
        else:
            viewer = v.request.viewer
            where = {"s": v.ctx.show_id, "song": v.ctx.song_id, "since": since}
            steps.append((TAKE_BACK_VOTE, where | {"u": viewer.user_id, "a": viewer.anon_id}))
            asked.append(i)
    for i, deleted in zip(asked, run_all(session, steps), strict=True):
        if deleted:
            taken.add(i)
    return taken


def _write_counters(session: Session, votes: list[_Vote]) -> dict[int, int]:
    """Activity rows, then every counter moved once with atomic SQL; the songs' counts afterwards.

    The counters go last and in a fixed order (songs, then shows, then users, each by id): they
    are every voter's hot spot, so they are locked for the shortest time and in an order two
    concurrent batches cannot deadlock on.
    """
    songs: Counter[int] = Counter({v.ctx.prediction_song_id: 0 for v in votes})  # repeats: read only
    shows: Counter[int] = Counter()
    users: Counter[int] = Counter()
    taken = _take_back(session, votes) if any(v.delta < 0 for v in votes) else set()
    activity = []
    for i, v in enumerate(votes):
        if v.delta:
            songs[v.ctx.prediction_song_id] += v.delta
            shows[v.ctx.show_id] += v.delta
            if v.request.viewer.user_id is not None:  # the fan's own counter (admin users page)
                users[v.request.viewer.user_id] += v.delta
            if v.request.kind and i not in taken:
                kind = v.request.kind if v.delta > 0 else "unvote"
                activity.append(activity_row(kind, v.request.viewer, v.ctx))
    if activity:
        run(session, INSERT_ACTIVITY, activity)
    steps: list[Step] = [
        (BUMP_SONG, {"d": d, "ps": ps}) if d else (SONG_COUNT, {"ps": ps}) for ps, d in sorted(songs.items())
    ]
    steps += [(BUMP_SHOW, {"d": d, "s": s}) for s, d in sorted(shows.items()) if d]
    steps += [(BUMP_USER, {"d": d, "u": u}) for u, d in sorted(users.items()) if d]
    counts = run_all(session, steps)
    return {ps: int(scalar(rows)) for ps, rows in zip(sorted(songs), counts, strict=False)}


def set_votes(
    session: Session, requests: Sequence[VoteRequest], *, with_allowance: bool = False
) -> list[VoteOutcome]:
    """Apply many votes in the caller's transaction: one outcome per request, in their order.

    Each request makes the viewer's vote on one prediction song be `want`; idempotent, so a
    repeat, a double click or a retry changes nothing (`changed` False). A refused request is a
    `VoteRejected` outcome that wrote nothing; the others still count, and one voter's requests
    see each other in order (their third free vote is refused, an unvote frees one). The whole
    batch costs a handful of round trips, with every counter moved once (the group commit of the
    live vote lane); each result's `vote_count` is the song's count with the batch applied.
    `with_allowance` also says what each anonymous voter has left.
    """
    rows = song_rows(session, (r.prediction_song_id for r in requests))
    outcomes: dict[int, VoteOutcome] = {}
    checked: dict[int, _Vote] = {}
    for i, r in enumerate(requests):
        try:
            voter = require_voter(r.viewer.role, r.viewer.voter_key)
            checked[i] = _Vote(r, voter, open_song(rows.get(r.prediction_song_id), r.show_id))
        except VoteRejected as exc:
            outcomes[i] = exc
    keys = sorted(
        {
            (v.ctx.show_id, v.voter, v.request.viewer.anon_id or "")
            for v in checked.values()
            if not v.request.viewer.is_signed_in
        }
    )
    anons = _read_anonymous(session, keys, with_allowance) if keys else {}
    limit = get_settings().anon_votes_per_show
    writes: list[int] = []
    for i in sorted(checked):  # in the order sent: one voter's requests see each other
        v = checked[i]
        anon = anons.get((v.ctx.show_id, v.voter))
        if (
            anon is not None
            and v.ctx.added_by_anon != v.request.viewer.anon_id
            and not anon.take(v.ctx.prediction_song_id, v.request.want, limit)
        ):
            outcomes[i] = rejection("anon_vote_limit", limit=limit)
            continue
        writes.append(i)
    # The vote rows in a fixed order (one song's requests keep theirs), so concurrent batches
    # cannot deadlock on them.
    writes.sort(key=lambda i: (checked[i].ctx.show_id, checked[i].voter, checked[i].ctx.prediction_song_id))
    steps: list[Step] = []
    for i in writes:
        v = checked[i]
        ps = v.ctx.prediction_song_id
        if v.request.want:
            row = {"ps": ps, "s": v.ctx.show_id, "v": v.voter, "u": v.request.viewer.user_id, "at": utcnow()}
            steps.append((INSERT_VOTE, row))
        else:
            steps.append((DELETE_VOTE, {"ps": ps, "v": v.voter}))
    for i, returned in zip(writes, run_all(session, steps), strict=True):
        checked[i].delta = (1 if checked[i].request.want else -1) if returned else 0
    written = [checked[i] for i in writes]
    counts = _write_counters(session, written) if written else {}
    for i in writes:
        v = checked[i]
        anon = anons.get((v.ctx.show_id, v.voter))
        allow = None
        if with_allowance:
            allow = Allowance(None, None) if anon is None else anon.left()
        outcomes[i] = VoteResult(
            v.ctx.show_id,
            v.ctx.prediction_song_id,
            v.request.want,
            v.delta != 0,
            counts[v.ctx.prediction_song_id],
            allow,
        )
    return [outcomes[i] for i in range(len(requests))]


def one(outcome: VoteOutcome) -> VoteResult:
    if isinstance(outcome, VoteRejected):
        raise outcome
    return outcome


def set_vote(
    session: Session,
    viewer: Viewer,
    prediction_song_id: int,
    want: bool,
    *,
    show_id: int | None = None,
    with_allowance: bool = False,
) -> VoteResult:
    """`set_votes` for one request: its result, or its `VoteRejected` raised (nothing written)."""
    request = VoteRequest(viewer, prediction_song_id, want, show_id)
    return one(set_votes(session, [request], with_allowance=with_allowance)[0])
