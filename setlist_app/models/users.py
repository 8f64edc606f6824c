"""Accounts, sign-in identities, Spotify imports and encrypted OAuth tokens."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from setlist_app.models.base import created_at_field


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"
    BANNED = "banned"


class User(SQLModel, table=True):
    __tablename__ = "users"
    # Leaderboard rank = 1 + users with more correct votes: an index range count, never a full scan.
    __table_args__ = (Index("ix_users_correct_votes", "correct_votes"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str | None = Field(default=None, max_length=320, unique=True)
    name: str = Field(default="", max_length=200)
    avatar_url: str | None = Field(default=None, max_length=1000)
    role: str = Field(default=Role.USER, max_length=16)  # from our database only, never from the IdP
    spotify_user_id: str | None = Field(default=None, max_length=128, unique=True)
    # Incremental stats (updated when a setlist is scored; never by scanning all users).
    votes_cast: int = 0
    scored_votes: int = 0
    correct_votes: int = 0
    current_streak: int = 0
    best_streak: int = 0
    last_vote_date: date | None = None
    created_at: datetime = created_at_field()
    last_seen_at: datetime | None = None
    email_digest: bool = Field(
        default=True, sa_column_kwargs={"server_default": true()}
    )  # unsubscribe: False


class Identity(SQLModel, table=True):
    """An OIDC (issuer, subject) pair linked to a user."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_identities_issuer_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    email: str | None = Field(default=None, max_length=320)
    created_at: datetime = created_at_field()


class UserSpotifyArtist(SQLModel, table=True):
    __tablename__ = "user_spotify_artists"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    artist_id: int = Field(foreign_key="artists.id", primary_key=True, ondelete="CASCADE")
    source: str = Field(primary_key=True, max_length=16)  # followed | top
    rank: int = 0
    imported_at: datetime = created_at_field()


class OAuthToken(SQLModel, table=True):
    """Provider tokens, AES-256-GCM encrypted with the row bound in the associated data."""

    __tablename__ = "oauth_tokens"
    __table_args__ = (UniqueConstraint("user_id", "provider", name="uq_oauth_tokens_user_provider"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    provider: str = Field(max_length=32)
    access_token_enc: bytes = Field(sa_type=LargeBinary)
    refresh_token_enc: bytes | None = Field(default=None, sa_type=LargeBinary)
    scope: str = Field(default="", max_length=500)
    expires_at: datetime | None = None
    authorized_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
