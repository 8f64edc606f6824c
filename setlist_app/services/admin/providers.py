"""Provider circuits, open per-artist breakers, rate-limit usage; opening or resetting a breaker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlmodel import Session

from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist
from setlist_app.providers import breaker
from setlist_app.providers.factory import RATE_LIMIT_PREFIX, rate_policies
from setlist_app.providers.ratelimit import RateLimiter
from setlist_app.services.admin.audit import AdminError, perform
from setlist_app.settings import Settings, get_settings
from setlist_app.sync import artist_writes

_ARTISTS = Artist.__table__
PROVIDERS = ("spotify", "ticketmaster", "setlistfm", "musicbrainz")


@dataclass(frozen=True)
class CircuitRow:
    provider: str
    state: str
    failures: int
    opened_at: datetime | None
    retry_at: datetime | None
    last_error: str


@dataclass(frozen=True)
class ArtistBreakerRow:
    artist_id: int
    name: str
    slug: str
    failures: int
    backoff_until: datetime


def circuits(session: Session) -> list[CircuitRow]:
    """Every known provider, closed when it never had a circuit row."""
    known = {c.provider: c for c in breaker.circuits(session)}
    rows = []
    for name in sorted(set(PROVIDERS) | set(known)):
        c = known.get(name)
        rows.append(
            CircuitRow(
                provider=name,
                state=c.state if c else breaker.CircuitState.CLOSED.value,
                failures=c.failures if c else 0,
                opened_at=c.opened_at if c else None,
                retry_at=c.retry_at if c else None,
                last_error=(c.last_error or "") if c else "",
            )
        )
    return rows


def open_artist_breakers(
    session: Session, now: datetime | None = None, limit: int = 100
) -> list[ArtistBreakerRow]:
    """Artists whose catalog breaker is in backoff, soonest to reopen first."""
    now = now or utcnow()
    rows = session.execute(
        select(
            _ARTISTS.c.id,
            _ARTISTS.c.name,
            _ARTISTS.c.slug,
            _ARTISTS.c.catalog_failures,
            _ARTISTS.c.catalog_backoff_until,
        )
        .where(_ARTISTS.c.catalog_backoff_until > now)
        .order_by(_ARTISTS.c.catalog_backoff_until)
        .limit(limit)
    ).all()
    return [ArtistBreakerRow(r.id, r.name, r.slug, r.catalog_failures, r.catalog_backoff_until) for r in rows]


def open_artist_breaker_count(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    return session.execute(
        select(func.count()).select_from(_ARTISTS).where(_ARTISTS.c.catalog_backoff_until > now)
    ).scalar_one()


def reset_provider(session: Session, actor: Viewer, provider: str) -> None:
    """Close a provider circuit by hand."""

    def run() -> None:
        if provider not in {c.provider for c in circuits(session)}:
            raise AdminError(f"Unknown provider {provider!r}")
        breaker.reset(session, provider, utcnow())

    perform(
        session, actor, "provider.reset", run, target=f"provider:{provider}", arguments={"provider": provider}
    )


def open_provider(session: Session, actor: Viewer, provider: str, hours: float) -> datetime:
    """Open a provider circuit by hand for `hours` (no call goes out until then); when it reopens."""

    def run() -> datetime:
        if provider not in PROVIDERS:
            raise AdminError(f"Unknown provider {provider!r}")
        if not 0 < hours <= 24 * 30:
            raise AdminError("Open a circuit for between a minute and 30 days")
        now = utcnow()
        until = now + timedelta(hours=hours)
        breaker.force_open(session, provider, now, until)
        return until

    return perform(
        session,
        actor,
        "provider.open",
        run,
        target=f"provider:{provider}",
        arguments={"provider": provider, "hours": hours},
    )


def reset_artist_breaker(session: Session, actor: Viewer, artist_id: int) -> None:
    """End an artist's catalog backoff (through the one artist write path)."""

    def run() -> None:
        changed = artist_writes.update_artist(
            session, int(artist_id), {"catalog_failures": 0, "catalog_backoff_until": None}
        )
        if changed is None:
            raise AdminError(f"Artist {artist_id} does not exist")

    perform(
        session,
        actor,
        "artist.reset_breaker",
        run,
        target=f"artist:{artist_id}",
        arguments={"artist_id": artist_id},
    )


@dataclass(frozen=True)
class RateUsage:
    provider: str
    per_second_limit: int
    used_this_second: int
    per_day_limit: int | None
    used_today: int | None
    paused_for: float
    slow_mode: bool

    @property
    def percent_of_day(self) -> int:
        return share_percent(self.used_today, self.per_day_limit)


def share_percent(used: int | None, limit: int | None) -> int:
    """`used` as a whole percentage of `limit`, capped at 100; 0 when there is no limit."""
    return min(100, round(100 * (used or 0) / limit)) if limit else 0


async def rate_usage(redis: Redis, settings: Settings | None = None) -> list[RateUsage]:
    """The shared limiter's windows per provider (read only)."""
    limiter = RateLimiter(redis, rate_policies(settings or get_settings()), prefix=RATE_LIMIT_PREFIX)
    usage: dict[str, dict[str, Any]] = await limiter.usage()
    return [
        RateUsage(
            provider=name,
            per_second_limit=int(u["per_second_limit"]),
            used_this_second=int(u["used_this_second"]),
            per_day_limit=u["per_day_limit"],
            used_today=u["used_today"],
            paused_for=float(u["paused_for"]),
            slow_mode=bool(u["slow_mode"]),
        )
        for name, u in sorted(usage.items())
    ]


def daily_quotas(settings: Settings | None = None) -> dict[str, int | None]:
    """Each provider's daily quota (None = no fixed daily quota)."""
    return {name: policy.per_day for name, policy in rate_policies(settings or get_settings()).items()}
