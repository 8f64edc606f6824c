"""/admin/providers: circuits, open per-artist breakers, rate-limit usage; reset a breaker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.domain.ids import strict_id
from setlist_app.models.base import utcnow
from setlist_app.providers.factory import app_redis
from setlist_app.services.admin import providers, views
from setlist_app.settings import get_settings
from setlist_app.state.admin.page import AdminPage
from setlist_app.state.admin_base import AdminState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Tables:
    circuits: list[views.CircuitView]
    artists: list[views.ArtistBreakerView]


def _tables(session: Session) -> _Tables:
    now = utcnow()
    return _Tables(
        [views.circuit(c, now) for c in providers.circuits(session)],
        [views.artist_breaker(a, now) for a in providers.open_artist_breakers(session, now)],
    )


class AdminProvidersState(AdminPage, AdminState):
    circuits: list[views.CircuitView] = []
    artist_breakers: list[views.ArtistBreakerView] = []
    rates: list[views.RateRow] = []

    async def _refresh(self) -> None:
        data = await run_db(_tables)
        self.circuits, self.artist_breakers = data.circuits, data.artists
        redis = app_redis(get_settings())
        try:
            self.rates = [views.rate(r) for r in await providers.rate_usage(redis)]
        except Exception as exc:  # Redis down: circuits still show
            log.warning("rate-limit usage unavailable: %s", exc)
        finally:
            await redis.aclose()
        self.loaded = True

    @rx.event
    async def reset_provider(self, provider: str) -> Any:
        async for event in self._perform(
            f"provider:{provider}",
            providers.reset_provider,
            str(provider),
            done=lambda _: f"{provider} circuit closed",
        ):
            yield event

    @rx.event
    async def reset_artist(self, artist_id: str) -> Any:
        async for event in self._perform(
            f"artist:{artist_id}",
            providers.reset_artist_breaker,
            strict_id(artist_id),
            done=lambda _: "Artist breaker reset: the next catalog sync may run",
        ):
            yield event
