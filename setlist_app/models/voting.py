"""Community predictions, votes, actual setlists, follows and the activity feed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from setlist_app.models.base import created_at_field, json_field, utcnow


class PredictionStatus(StrEnum):
    WAITING_CATALOG = "waiting_catalog"
    SEEDED = "seeded"


class Prediction(SQLModel, table=True):
    """The one community prediction of a show (unique per show)."""

    __tablename__ = "predictions"

    id: int | None = Field(default=None, primary_key=True)
    show_id: int = Field(foreign_key="shows.id", unique=True, ondelete="CASCADE")
    status: str = Field(default=PredictionStatus.WAITING_CATALOG, max_length=20)
    seeded_at: datetime | None = None
    accuracy: float | None = None  # the fans' prediction's score (domain.scoring); None: nothing to score
    created_at: datetime = created_at_field()


class PredictionSong(SQLModel, table=True):
    __tablename__ = "prediction_songs"
    __table_args__ = (
        UniqueConstraint("prediction_id", "song_id", name="uq_prediction_songs_song"),
        Index("ix_prediction_songs_rank", "prediction_id", "vote_count"),
    )

    id: int | None = Field(default=None, primary_key=True)
    prediction_id: int = Field(foreign_key="predictions.id", ondelete="CASCADE")
    song_id: int = Field(foreign_key="songs.id")
    source: str = Field(default="seed", max_length=8)  # seed | fan
    added_by_user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    added_by_anon: str | None = Field(default=None, max_length=64)
    vote_count: int = 0
    position: int = 0
    hidden: bool = False  # removed by moderation
    created_at: datetime = created_at_field()


class Vote(SQLModel, table=True):
    """One upvote per voter per prediction song: `voter` is `u:<user id>` or `a:<anon id>`."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("prediction_song_id", "voter", name="uq_votes_song_voter"),
        Index("ix_votes_show_voter", "show_id", "voter"),
    )

    id: int | None = Field(default=None, primary_key=True)
    prediction_song_id: int = Field(foreign_key="prediction_songs.id", ondelete="CASCADE")
    show_id: int = Field(foreign_key="shows.id", ondelete="CASCADE")
    voter: str = Field(max_length=80)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE", index=True)
    created_at: datetime = created_at_field()


class ActualSetlist(SQLModel, table=True):
    """A played setlist, scored twice (domain.scoring): the fans' prediction and the seeded baseline."""

    __tablename__ = "actual_setlists"

    id: int | None = Field(default=None, primary_key=True)
    show_id: int = Field(foreign_key="shows.id", unique=True, ondelete="CASCADE")
    setlistfm_id: str | None = Field(default=None, max_length=64)
    tour_name: str | None = Field(default=None, max_length=300)
    song_count: int = 0
    matched_count: int = 0
    predicted_count: int = 0  # songs played that fans voted for
    accuracy: float | None = None  # the fans' score; None when they predicted nothing
    fan_picks: int = 0  # songs fans voted for (0: no fan predictions for this show)
    seed_picks: int = 0  # songs seeded from recent setlists
    seed_hits: int = 0  # songs played that were seeded
    seed_accuracy: float | None = None
    imported_at: datetime = created_at_field()


class ActualSetlistSong(SQLModel, table=True):
    __tablename__ = "actual_setlist_songs"
    __table_args__ = (UniqueConstraint("setlist_id", "position", name="uq_actual_setlist_position"),)

    id: int | None = Field(default=None, primary_key=True)
    setlist_id: int = Field(foreign_key="actual_setlists.id", ondelete="CASCADE")
    position: int
    set_index: int = 0
    set_name: str | None = Field(default=None, max_length=200)
    encore: int = 0
    title: str = Field(max_length=500)
    song_id: int | None = Field(default=None, foreign_key="songs.id")
    is_tape: bool = False
    is_cover: bool = False
    cover_artist: str | None = Field(default=None, max_length=300)
    info: str | None = Field(default=None, max_length=500)
    was_predicted: bool = False  # fans voted for it
    was_seeded: bool = False  # seeded from recent setlists
    prediction_votes: int = 0


class Follow(SQLModel, table=True):
    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_artist_id", "artist_id"),)

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    artist_id: int = Field(foreign_key="artists.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = created_at_field()


_ANON = text("anon_id IS NOT NULL")


class Activity(SQLModel, table=True):
    """Feed entry written in the same transaction as the action it records."""

    __tablename__ = "activity"
    __table_args__ = (
        # An anonymous fan's un-vote finds the vote entry it coalesces with (services.voting.batch).
        Index("ix_activity_anon_id", "anon_id", postgresql_where=_ANON, sqlite_where=_ANON),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    kind: str = Field(max_length=32)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL", index=True)
    anon_id: str | None = Field(default=None, max_length=64)
    artist_id: int | None = Field(default=None, foreign_key="artists.id", ondelete="CASCADE")
    show_id: int | None = Field(default=None, foreign_key="shows.id", ondelete="CASCADE")
    song_id: int | None = Field(default=None, foreign_key="songs.id")
    data: dict[str, Any] = json_field(dict)
