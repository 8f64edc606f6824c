"""What the show page reads about voting: the viewer's votes, their allowance, why voting is closed,
and the "Add a song" picker."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.domain.voting_rules import MESSAGES, Allowance, VoteRejected, allowance_left, check_open
from setlist_app.services.voting.statements import ALLOWANCE_USED, MY_VOTES, PICKER_CATALOG, SHOW_STATE, run


def my_votes(session: Session, viewer: Viewer, show_id: int) -> list[int]:
    """Prediction-song ids the viewer has upvoted on this show."""
    if viewer.voter_key is None:
        return []
    rows = run(session, MY_VOTES, {"s": show_id, "v": viewer.voter_key})
    return [int(r.prediction_song_id) for r in rows]


def allowance(session: Session, viewer: Viewer, show_id: int) -> Allowance:
    """The anonymous viewer's free votes and adds left on this show (unlimited when signed in)."""
    if viewer.is_signed_in or viewer.voter_key is None:
        return Allowance(None, None)
    params = {"s": show_id, "v": viewer.voter_key, "anon": viewer.anon_id or ""}
    used = run(session, ALLOWANCE_USED, params).one()
    return allowance_left(int(used.used_votes), int(used.used_adds))


def closed_reason(session: Session, show_id: int) -> str:
    """Why the show takes no votes, in words for fans; "" while voting is open."""
    row = run(session, SHOW_STATE, {"s": show_id}).first()
    if row is None:
        return MESSAGES["unknown_show"]
    try:
        check_open(row.status, row.starts_at)
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
    rows = run(session, PICKER_CATALOG, {"s": show_id})
    return [PickerSong(r.song_id, r.title, r.album, f"{r.title} {r.album}".lower()) for r in rows]
