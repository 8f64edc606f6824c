"""Accounts: create or find the user on sign-in, and move anonymous votes/adds to the account."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from setlist_app.auth.roles import bootstrap_admin
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Show
from setlist_app.models.users import Identity, User
from setlist_app.models.voting import PredictionSong, Vote
from setlist_app.settings import Settings

NAME_MAX = 200
URL_MAX = 1000


@dataclass(frozen=True)
class OidcProfile:
    """The verified claims we use from an ID token (or userinfo)."""

    issuer: str
    subject: str
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    picture: str | None = None


@dataclass(frozen=True)
class MergeResult:
    moved_votes: int = 0
    dropped_duplicates: int = 0
    moved_adds: int = 0


def clean_name(value: str | None, fallback: str = "Fan") -> str:
    """A display name: control characters removed, trimmed, bounded. Markup is kept (escaped on render)."""
    text = "".join(ch for ch in (value or "") if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    text = " ".join(text.split())[:NAME_MAX]
    return text or fallback


def safe_avatar_url(value: str | None) -> str | None:
    """Only plain http(s) URLs of sane length may become an <img src>."""
    if not value or len(value) > URL_MAX or not value.startswith(("https://", "http://")):
        return None
    return value if all(ch.isprintable() and not ch.isspace() for ch in value) else None


def sign_in(session: Session, profile: OidcProfile, anon_id: str | None, settings: Settings) -> User:
    """The user for this identity (created on first sign-in), admin-bootstrapped, with anonymous
    activity merged. The caller commits."""
    user = _find_or_create(session, profile)
    fresh_name = clean_name(profile.name, fallback=user.name or _email_name(profile.email))
    avatar = safe_avatar_url(profile.picture)
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(name=fresh_name, avatar_url=avatar, last_seen_at=utcnow())
    )
    user.name, user.avatar_url = fresh_name, avatar
    bootstrap_admin(session, user, profile.email_verified, settings)
    if anon_id:
        merge_anonymous(session, anon_id, user.id)
    return user


def _email_name(email: str | None) -> str:
    return clean_name((email or "").split("@", 1)[0])


def _find_or_create(session: Session, profile: OidcProfile) -> User:
    for _ in range(3):  # a concurrent first sign-in of the same identity may win the insert
        identity = session.execute(
            select(Identity).where(Identity.issuer == profile.issuer, Identity.subject == profile.subject)
        ).scalar_one_or_none()
        if identity is not None:
            user = session.get(User, identity.user_id)
            if user is not None:
                return user
        try:
            with session.begin_nested():
                user = _user_for_new_identity(session, profile)
                session.add(
                    Identity(
                        user_id=user.id,
                        issuer=profile.issuer,
                        subject=profile.subject,
                        email=profile.email,
                    )
                )
                session.flush()
            return user
        except IntegrityError:
            continue
    raise RuntimeError("could not create the account; please try again")


def _user_for_new_identity(session: Session, profile: OidcProfile) -> User:
    # Link to an existing account only through a *verified* email; otherwise a new account.
    email = profile.email.strip().lower() if profile.email and profile.email_verified else None
    if email:
        existing = session.execute(select(User).where(func.lower(User.email) == email)).scalar_one_or_none()
        if existing is not None:
            return existing
    user = User(email=email, name=clean_name(profile.name, fallback=_email_name(profile.email)))
    session.add(user)
    session.flush()
    return user


def merge_anonymous(session: Session, anon_id: str, user_id: int) -> MergeResult:
    """Move an anonymous visitor's votes and adds to a user without double counting. Caller commits.

    A vote the user already cast on the same song is a duplicate: the anonymous one is deleted
    and the song's and show's counters drop by one (atomic SQL). The rest are re-keyed; their
    activity entries stay anonymous. It runs
    in a savepoint and retries if the user votes concurrently (the unique constraint catches it).
    """
    anon_voter, user_voter = f"a:{anon_id}", f"u:{user_id}"
    for _ in range(5):
        try:
            with session.begin_nested():
                return _merge_once(session, anon_id, anon_voter, user_voter, user_id)
        except IntegrityError:
            continue
    raise RuntimeError("could not merge anonymous votes; please try again")


def _merge_once(
    session: Session, anon_id: str, anon_voter: str, user_voter: str, user_id: int
) -> MergeResult:
    votes, songs, shows = Vote.__table__, PredictionSong.__table__, Show.__table__
    already = select(votes.c.prediction_song_id).where(votes.c.voter == user_voter)
    dropped = session.execute(
        delete(votes)
        .where(votes.c.voter == anon_voter, votes.c.prediction_song_id.in_(already))
        .returning(votes.c.prediction_song_id, votes.c.show_id)
    ).all()
    for song_id, show_id in dropped:
        session.execute(update(songs).where(songs.c.id == song_id).values(vote_count=songs.c.vote_count - 1))
        session.execute(update(shows).where(shows.c.id == show_id).values(vote_count=shows.c.vote_count - 1))
    moved = session.execute(
        update(votes).where(votes.c.voter == anon_voter).values(voter=user_voter, user_id=user_id)
    ).rowcount
    if moved:  # the fan's own counter (admin users page); duplicates were never theirs twice
        users = User.__table__
        session.execute(
            update(users).where(users.c.id == user_id).values(votes_cast=users.c.votes_cast + moved)
        )
    adds = session.execute(
        update(songs)
        .where(songs.c.added_by_anon == anon_id)
        .values(added_by_user_id=func.coalesce(songs.c.added_by_user_id, user_id), added_by_anon=None)
    ).rowcount
    # The feed entries stay anonymous: the visitor did not act under their name, so signing in must
    # not publish what they did before under it.
    return MergeResult(moved_votes=moved or 0, dropped_duplicates=len(dropped), moved_adds=adds or 0)


@dataclass(frozen=True)
class AccountSummary:
    """What the page header and the account page show about the signed-in user (their own data)."""

    user_id: int
    name: str
    email: str
    avatar_url: str
    role: str


def account_summary(session: Session, user_id: int) -> AccountSummary | None:
    user = session.get(User, user_id)
    if user is None:
        return None
    return AccountSummary(user.id, user.name, user.email or "", user.avatar_url or "", user.role)
