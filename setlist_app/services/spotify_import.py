"""Spotify connect as a use case: import a user's followed and top artists as follows, show the
connection on the account page, disconnect.

Not a sign-in method (Spotify caps development apps at 5 users). The authorization-code + PKCE
flow runs in `api.auth_routes`; tokens live in `auth.spotify_tokens`; the calls go through
`providers.spotify_user`. An import creates or matches artists by Spotify id (new ones named by
`domain.identity`), makes them the user's follows, and requests catalog syncs for new artists
through the sync gateway — a few at a time, spaced out, deduplicated; the planner does the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from redis.asyncio import Redis
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from setlist_app.auth.crypto import EncryptionUnavailable, TokenCipher
from setlist_app.auth.oidc import spotify_oauth_config
from setlist_app.auth.spotify_tokens import PROVIDER, RECONNECT, UserTokens
from setlist_app.db import insert_for, run_db
from setlist_app.domain.identity import artist_key, artist_slug
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist, CatalogStatus
from setlist_app.models.users import OAuthToken, User, UserSpotifyArtist
from setlist_app.models.voting import Activity, Follow
from setlist_app.providers.factory import RATE_LIMIT_PREFIX, app_redis, rate_policies
from setlist_app.providers.models import SpotifyArtist
from setlist_app.providers.ratelimit import RateLimiter
from setlist_app.providers.spotify_user import SpotifyUserClient
from setlist_app.settings import Settings
from setlist_app.sync import catalog, jobs


class ImportThrottled(Exception):
    """An import ran for this user recently."""


@dataclass(frozen=True)
class ImportedArtist:
    name: str
    slug: str
    image_url: str | None
    source: str  # followed | top


@dataclass(frozen=True)
class SpotifyStatus:
    available: bool  # False: no encryption key (feature disabled)
    message: str = ""
    connected: bool = False
    needs_reconnect: bool = False
    artists: list[ImportedArtist] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    followed: int
    top: int
    new_artists: int
    new_follows: int
    jobs_requested: int


async def fetch_user_artists(
    settings: Settings,
    cipher: TokenCipher,
    user_id: int,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    redis: Redis | None = None,
) -> tuple[str, list[SpotifyArtist], list[SpotifyArtist]]:
    """(Spotify user id, followed artists, top artists) through the shared Spotify rate limit."""
    tokens = UserTokens(settings, cipher, user_id, transport)
    token = await tokens.access_token()
    owned = redis is None
    redis = redis or app_redis(settings)
    client = SpotifyUserClient(
        spotify_oauth_config(settings).api_url,
        token,
        tokens.refresh,
        limiter=RateLimiter(redis, rate_policies(settings), prefix=RATE_LIMIT_PREFIX),
        transport=transport,
        timeout=settings.http_timeout_seconds,
    )
    cap = settings.spotify_import_max_artists
    try:
        me = await client.user_id()
        followed = await client.followed_artists(cap)
        top = await client.top_artists(cap)
    finally:
        await client.aclose()
        if owned:
            await redis.aclose()
    return me, followed, top


async def claim_import_slot(settings: Settings, redis: Redis, user_id: int) -> None:
    """At most one import per user per `spotify_import_min_interval_seconds` (`ImportThrottled`)."""
    ok = await redis.set(
        f"setlist:spotify-import:{user_id}",
        str(time.time()),
        nx=True,
        ex=settings.spotify_import_min_interval_seconds,
    )
    if not ok:
        raise ImportThrottled("You imported from Spotify a moment ago; try again in a few minutes.")


def _ensure_artists(session: Session, artists: list[SpotifyArtist]) -> tuple[dict[str, int], list[int]]:
    """Spotify id -> artist id, creating missing artists; also the ids that were created.

    Created in Spotify id order, not the user's: two fans importing overlapping artists at once
    then wait for each other instead of each holding a row the other needs (a deadlock)."""
    ids = [a.id for a in artists]
    known = dict(
        session.execute(select(Artist.spotify_id, Artist.id).where(Artist.spotify_id.in_(ids))).all()
    )
    created: list[int] = []
    for a in sorted(artists, key=lambda a: a.id):
        if a.id in known:
            continue
        for _ in range(3):  # a concurrent import may take the artist or the slug: re-check
            try:
                with session.begin_nested():
                    artist = Artist(
                        slug=artist_slug(session, a.name),
                        name=a.name[:300],
                        normalized_name=artist_key(a.name),
                        spotify_id=a.id,
                        genres=list(a.genres),
                        image_url=a.image_url if a.image_url and len(a.image_url) <= 1000 else None,
                    )
                    session.add(artist)
                    session.flush()
                known[a.id] = artist.id
                created.append(artist.id)
                break
            except IntegrityError:
                found = session.execute(
                    select(Artist.id).where(Artist.spotify_id == a.id)
                ).scalar_one_or_none()
                if found is not None:  # a concurrent import created it
                    known[a.id] = found
                    break
    return known, created


def save_import(
    session: Session,
    settings: Settings,
    user_id: int,
    spotify_user_id: str,
    followed: list[SpotifyArtist],
    top: list[SpotifyArtist],
    now: datetime | None = None,
) -> ImportResult:
    """Record an import: artists, user_spotify_artists, follows (+ activity), spaced catalog jobs."""
    now = now or utcnow()
    unique = list({a.id: a for a in [*followed, *top]}.values())
    by_spotify, created = _ensure_artists(session, unique)
    session.execute(delete(UserSpotifyArtist).where(UserSpotifyArtist.user_id == user_id))
    links = {
        (by_spotify[a.id], source): rank
        for source, group in (("followed", followed), ("top", top))
        for rank, a in reversed(list(enumerate(group)))  # first occurrence wins
        if a.id in by_spotify
    }
    for (artist_id, source), rank in links.items():
        session.add(
            UserSpotifyArtist(user_id=user_id, artist_id=artist_id, source=source, rank=rank, imported_at=now)
        )
    follows = Follow.__table__
    new_follows = 0
    for artist_id in dict.fromkeys(artist_id for artist_id, _ in links):
        inserted = session.execute(
            insert_for(session, follows)
            .values(user_id=user_id, artist_id=artist_id, created_at=now)
            .on_conflict_do_nothing()
            .returning(follows.c.artist_id)
        ).first()
        if inserted is not None:
            new_follows += 1
            session.add(
                Activity(kind="follow", user_id=user_id, artist_id=artist_id, data={"via": "spotify"})
            )
    if spotify_user_id:
        _set_spotify_user(session, user_id, spotify_user_id)
    jobs_requested = _request_catalog_jobs(session, settings, user_id, created, now)
    return ImportResult(len(followed), len(top), len(created), new_follows, jobs_requested)


def _set_spotify_user(session: Session, user_id: int, spotify_user_id: str) -> None:
    # One Spotify account links to one of our users; a second user connecting it takes it over.
    session.execute(
        update(User)
        .where(User.spotify_user_id == spotify_user_id, User.id != user_id)
        .values(spotify_user_id=None)
    )
    session.execute(update(User).where(User.id == user_id).values(spotify_user_id=spotify_user_id[:128]))


def _request_catalog_jobs(
    session: Session, settings: Settings, user_id: int, artist_ids: list[int], now: datetime
) -> int:
    """Catalog syncs for the first few new artists, spaced out; the catalog planner covers the rest."""
    wanted = session.execute(
        select(Artist.id).where(Artist.id.in_(artist_ids), Artist.catalog_status == CatalogStatus.NEVER)
    ).scalars()
    count = 0
    for i, artist_id in enumerate(list(wanted)[: settings.spotify_import_max_jobs]):
        jobs.request(
            session,
            catalog.KIND,
            catalog.job_key(artist_id),
            requested_by=f"user:{user_id}",
            artist_id=artist_id,
            run_after=now + timedelta(seconds=i * settings.spotify_import_job_spacing_seconds),
            now=now,
        )
        count += 1
    return count


async def import_artists(
    settings: Settings,
    cipher: TokenCipher,
    user_id: int,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    throttle: bool = True,
) -> ImportResult:
    """Fetch and save the user's followed and top artists (rate-limited per user)."""
    redis = app_redis(settings)
    try:
        if throttle:
            await claim_import_slot(settings, redis, user_id)
        spotify_id, followed, top = await fetch_user_artists(
            settings, cipher, user_id, transport=transport, redis=redis
        )
    finally:
        await redis.aclose()
    return await run_db(save_import, settings, user_id, spotify_id, followed, top)


def disconnect(session: Session, user_id: int) -> None:
    """Delete the tokens and the import record; follows stay (they are the user's now). Caller commits."""
    session.execute(delete(OAuthToken).where(OAuthToken.user_id == user_id, OAuthToken.provider == PROVIDER))
    session.execute(delete(UserSpotifyArtist).where(UserSpotifyArtist.user_id == user_id))
    session.execute(update(User).where(User.id == user_id).values(spotify_user_id=None))


# -- what the account page shows ---------------------------------------------------------------


def spotify_status(
    session: Session, cipher_or_error: TokenCipher | EncryptionUnavailable, user_id: int
) -> SpotifyStatus:
    """Connection state and imported artists for the account page (no token ever leaves here)."""
    if isinstance(cipher_or_error, EncryptionUnavailable):
        return SpotifyStatus(available=False, message=str(cipher_or_error))
    row = session.execute(
        select(OAuthToken.refresh_token_enc, OAuthToken.expires_at).where(
            OAuthToken.user_id == user_id, OAuthToken.provider == PROVIDER
        )
    ).one_or_none()
    rows = session.execute(
        select(Artist.name, Artist.slug, Artist.image_url, UserSpotifyArtist.source)
        .join(Artist, Artist.id == UserSpotifyArtist.artist_id)
        .where(UserSpotifyArtist.user_id == user_id)
        .order_by(UserSpotifyArtist.source, UserSpotifyArtist.rank)
    ).all()
    shown: dict[str, ImportedArtist] = {}
    for r in rows:  # "followed" sorts first: an artist also in the top list is shown once, followed
        shown.setdefault(r.slug, ImportedArtist(*r))
    artists = list(shown.values())
    if row is None:
        return SpotifyStatus(available=True, artists=artists)
    expired = row.expires_at is not None and row.expires_at <= utcnow()
    reconnect = row.refresh_token_enc is None and expired
    return SpotifyStatus(True, RECONNECT if reconnect else "", True, reconnect, artists)
