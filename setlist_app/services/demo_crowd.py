"""The demo crowd's use cases: demo fans, the shows they act on, and one vote or add at a time.

Why: in the embedded demo nothing moves unless the visitor votes, so a newcomer never sees the live
part of the product. The crowd (`setlist_app.crowd`, a process the launcher starts) picks an action
here and performs it with the same voting use cases a browser takes (`voting.set_votes`,
`voting.add_song`), so every rule applies to it: upcoming shows only, the unique vote, activity rows.
It creates no jobs and no notifications; it is a few fans, not part of the sync pipeline.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from setlist_app.auth.viewer import Viewer
from setlist_app.models import (
    ArtistSong,
    Prediction,
    PredictionSong,
    Role,
    Show,
    ShowStatus,
    Song,
    User,
    Vote,
    utcnow,
)
from setlist_app.services import voting

FAN_NAMES = ("Mia", "Leo", "Ava", "Noah", "Zoe", "Kai", "Ivy", "Sam", "Lena", "Omar", "Rosa", "Finn")
DEMO_SUFFIX = " (demo fan)"
DEMO_DOMAIN = "crowd.demo.invalid"  # a reserved top-level domain: never mailed (the digest skips .invalid)
ADD_SHARE = 0.2  # one action in five adds a song; the rest vote


def ensure_fans(session: Session, count: int) -> list[Viewer]:
    """The first `count` demo fans as signed-in viewers, creating their accounts once."""
    rounds = len(FAN_NAMES)
    names = [FAN_NAMES[i % rounds] + (str(i // rounds + 1) if i >= rounds else "") for i in range(count)]
    emails = [f"{n.lower()}@{DEMO_DOMAIN}" for n in names]
    existing = {u.email: u for u in session.exec(select(User).where(col(User.email).in_(emails)))}
    for name, email in zip(names, emails, strict=True):
        if email not in existing:
            user = User(email=email, name=name + DEMO_SUFFIX, role=Role.USER)
            session.add(user)
            existing[email] = user
    session.flush()
    return [Viewer(user_id=existing[e].id, role=Role.USER, name=existing[e].name) for e in emails]


def crowd_shows(session: Session, count: int) -> list[int]:
    """The `count` soonest upcoming shows that have a prediction to vote on."""
    rows = session.exec(
        select(Show.id)
        .join(Prediction, col(Prediction.show_id) == Show.id)
        .where(Show.status == ShowStatus.UPCOMING, Show.starts_at > utcnow())
        .where(select(PredictionSong.id).where(PredictionSong.prediction_id == Prediction.id).exists())
        .order_by(col(Show.starts_at), col(Show.id))
        .limit(count)
    )
    return list(rows)


@dataclass(frozen=True)
class Action:
    """One thing a demo fan does: upvote a prediction song, or add a catalog song (with its vote)."""

    viewer: Viewer
    show_id: int
    prediction_song_id: int | None = None  # a vote
    song_id: int | None = None  # an add
    withdraw: bool = False  # take the vote back instead


def choose(session: Session, rng: random.Random, fans: list[Viewer], shows: list[int]) -> Action | None:
    """A fan, a show and what they do there; None when there is nothing left to do on it.

    Votes favour songs that already have votes (fans follow the crowd, so ranks settle and move);
    an add picks a catalog song not yet in the prediction.
    """
    if not fans or not shows:
        return None
    viewer, show_id = rng.choice(fans), rng.choice(shows)
    if rng.random() < ADD_SHARE:
        song_id = _absent_song(session, rng, show_id)
        if song_id is not None:
            return Action(viewer, show_id, song_id=song_id)
    voted = set(
        session.exec(
            select(Vote.prediction_song_id).where(Vote.show_id == show_id, Vote.voter == viewer.voter_key)
        )
    )
    songs = session.exec(
        select(PredictionSong.id, PredictionSong.vote_count)
        .join(Prediction, col(Prediction.id) == PredictionSong.prediction_id)
        .where(Prediction.show_id == show_id, col(PredictionSong.hidden).is_(False))
        .order_by(col(PredictionSong.id))
    ).all()
    fresh = [(ps_id, count + 1) for ps_id, count in songs if ps_id not in voted]
    if fresh:
        ids, weights = zip(*fresh, strict=True)
        return Action(viewer, show_id, prediction_song_id=rng.choices(ids, weights)[0])
    if voted:  # this fan voted for everything here: they change their mind about one song
        return Action(viewer, show_id, prediction_song_id=rng.choice(sorted(voted)), withdraw=True)
    return None


def _absent_song(session: Session, rng: random.Random, show_id: int) -> int | None:
    present = (
        select(PredictionSong.song_id)
        .join(Prediction, col(Prediction.id) == PredictionSong.prediction_id)
        .where(Prediction.show_id == show_id)
    )
    song_ids = session.exec(
        select(ArtistSong.song_id)
        .join(Show, col(Show.artist_id) == ArtistSong.artist_id)
        .join(Song, col(Song.id) == ArtistSong.song_id)
        .where(Show.id == show_id, col(Song.is_studio).is_(True), col(ArtistSong.song_id).not_in(present))
        .order_by(func.random())
        .limit(5)
    ).all()
    return rng.choice(song_ids) if song_ids else None


def perform(session: Session, action: Action) -> bool:
    """Do the action through the voting use cases, in the caller's transaction; True when it changed
    counts. A refusal (`voting.VoteRejected`: the show closed meanwhile, ...) is raised."""
    if action.song_id is not None:
        added = voting.add_song(session, action.viewer, action.show_id, action.song_id)
        return added.added or added.vote.changed
    psid = action.prediction_song_id or 0
    return voting.set_vote(session, action.viewer, psid, not action.withdraw, show_id=action.show_id).changed
