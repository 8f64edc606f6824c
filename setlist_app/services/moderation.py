"""Fans report songs other fans added to a prediction; admins review the flags (services/admin)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.ops import ContentFlag
from setlist_app.models.voting import PredictionSong

REASON_MAX = 500
_FLAGS = ContentFlag.__table__


class ReportRejected(Exception):
    """A report the rules refuse; the message is written for fans."""


@dataclass(frozen=True)
class ReportResult:
    flag_id: int
    created: bool  # False: this reporter had already reported the song


def clean_reason(value: str | None) -> str:
    text = "".join(ch for ch in (value or "") if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    return " ".join(text.split())[:REASON_MAX]


def report_song(session: Session, viewer: Viewer, prediction_song_id: int, reason: str = "") -> ReportResult:
    """Flag a fan-added song for review; one report per reporter per song. The caller commits."""
    if viewer.role == "banned":
        raise ReportRejected("Your account can't report songs right now.")
    reporter = viewer.voter_key
    if reporter is None:
        raise ReportRejected("We couldn't recognise your browser. Reload the page (with cookies enabled).")
    song = session.get(PredictionSong, prediction_song_id)
    if song is None or song.hidden:
        raise ReportRejected("That song isn't in this prediction any more.")
    if song.source != "fan":
        raise ReportRejected("Only songs added by fans can be reported.")
    existing = session.execute(
        select(_FLAGS.c.id)
        .where(_FLAGS.c.prediction_song_id == song.id, _FLAGS.c.reporter == reporter)
        .limit(1)
    ).scalar_one_or_none()
    if existing is not None:
        return ReportResult(existing, False)
    flag_id = session.execute(
        _FLAGS.insert()
        .values(
            prediction_song_id=song.id,
            reporter=reporter,
            reason=clean_reason(reason),
            status="open",
            created_at=utcnow(),
        )
        .returning(_FLAGS.c.id)
    ).scalar_one()
    return ReportResult(flag_id, True)
