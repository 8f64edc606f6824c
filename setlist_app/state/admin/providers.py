"""/admin/providers: circuits, open per-artist breakers, rate-limit usage; reset a breaker."""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.providers.factory import app_redis
from setlist_app.services.admin import providers, views
from setlist_app.settings import get_settings
from setlist_app.state.admin.common import act, as_int, feedback
from setlist_app.state.admin_base import AdminState

log = logging.getLogger(__name__)


def _tables(session: Session) -> dict[str, Any]:
    now = utcnow()
    return {
        "circuits": [views.circuit(c, now) for c in providers.circuits(session)],
        "artists": [views.artist_breaker(a, now) for a in providers.open_artist_breakers(session, now)],
    }


class AdminProvidersState(AdminState):
    circuits: list[dict[str, str]] = []
    artist_breakers: list[dict[str, str]] = []
    rates: list[views.RateRow] = []
    loaded: bool = False
    busy: str = ""

    async def _refresh(self) -> None:
        data = await run_db(_tables)
        self.circuits, self.artist_breakers = data["circuits"], data["artists"]
        redis = app_redis(get_settings())
        try:
            self.rates = [views.rate(r) for r in await providers.rate_usage(redis)]
        except Exception as exc:  # Redis down: circuits still show
            log.warning("rate-limit usage unavailable: %s", exc)
        finally:
            await redis.aclose()
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        await self._refresh()

    @rx.event
    async def poll(self, _tick: str = "") -> None:
        await self._refresh()

    @rx.event
    async def reset_provider(self, provider: str) -> Any:
        self.busy = f"provider:{provider}"
        yield
        outcome = await act(providers.reset_provider, self._viewer(), str(provider))
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, f"{provider} circuit closed")

    @rx.event
    async def reset_artist(self, artist_id: str) -> Any:
        self.busy = f"artist:{artist_id}"
        yield
        outcome = await act(providers.reset_artist_breaker, self._viewer(), as_int(artist_id))
        self.busy = ""
        await self._refresh()
        yield feedback(outcome, "Artist breaker reset: the next catalog sync may run")
