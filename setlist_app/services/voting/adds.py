"""Adding a catalog song to a show's prediction, with the adder's upvote, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.domain.voting_rules import check_open, rejection, require_voter
from setlist_app.models import utcnow
from setlist_app.services.voting.batch import (
    VoteRequest,
    VoteResult,
    activity_row,
    one,
    open_song,
    set_vote,
    set_votes,
    song_rows,
)
from setlist_app.services.voting.statements import (
    ANON_ADDS,
    ENSURE_PREDICTION,
    IN_CATALOG,
    INSERT_ACTIVITY,
    INSERT_PREDICTION_SONG,
    PREDICTION_ID,
    PREDICTION_SONG,
    SHOW_STATE,
    is_postgres,
    run,
    voter_lock,
)
from setlist_app.settings import get_settings


@dataclass(frozen=True)
class AddResult:
    """Outcome of adding a song. `added` is False when it was already there (then it got the vote)."""

    show_id: int
    prediction_song_id: int
    added: bool
    vote: VoteResult


def add_song(session: Session, viewer: Viewer, show_id: int, song_id: int) -> AddResult:
    """Add a catalog song to the show's prediction with the adder's upvote.

    A song already in the prediction is not added twice (unique on prediction and song): the
    adder's vote goes to the existing entry instead.
    """
    voter = require_voter(viewer.role, viewer.voter_key)
    show = session.execute(SHOW_STATE.clause, {"s": show_id}).first()
    if show is None:
        raise rejection("unknown_show")
    check_open(show.status, show.starts_at)
    in_catalog = session.execute(IN_CATALOG.clause, {"artist": show.artist_id, "song": song_id}).first()
    if in_catalog is None:
        raise rejection("not_in_catalog")
    session.execute(ENSURE_PREDICTION.clause, {"s": show_id, "at": utcnow()})
    prediction_id = session.execute(PREDICTION_ID.clause, {"s": show_id}).scalar_one()
    existing = session.execute(PREDICTION_SONG.clause, {"p": prediction_id, "song": song_id}).first()
    if existing is None and not viewer.is_signed_in:
        run(session, *voter_lock(is_postgres(session), show_id, voter))
        limit = get_settings().anon_adds_per_show
        if run(session, ANON_ADDS, {"s": show_id, "anon": viewer.anon_id or ""}).scalar_one() >= limit:
            raise rejection("anon_add_limit", limit=limit)
    inserted = session.execute(
        INSERT_PREDICTION_SONG.clause,
        {
            "p": prediction_id,
            "song": song_id,
            "u": viewer.user_id,
            "a": None if viewer.is_signed_in else viewer.anon_id,
            "at": utcnow(),
        },
    ).first()
    if inserted is None:
        existing = session.execute(PREDICTION_SONG.clause, {"p": prediction_id, "song": song_id}).one()
        if existing.hidden:
            raise rejection("removed")
        vote = set_vote(session, viewer, existing.id, True, show_id=show_id)
        return AddResult(show_id, existing.id, False, vote)
    ctx = open_song(song_rows(session, [inserted.id]).get(inserted.id), show_id)
    run(session, INSERT_ACTIVITY, activity_row("add_song", viewer, ctx))
    # One activity row per fan action: the adder's upvote is part of the add.
    adder = VoteRequest(viewer, ctx.prediction_song_id, True, show_id, kind="")
    return AddResult(show_id, ctx.prediction_song_id, True, one(set_votes(session, [adder])[0]))
