"""The sync-health banner's live source: re-read `sync_status` every few seconds, push on change.

Framework-free: the pusher owns the sockets and passes an `emit` callback. Each backend worker keeps
one `HealthWatch`; its `current` value is what the banner's computed vars read, so a page load and
a push always agree (same pattern as the vote counts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlmodel import Session

from setlist_app.db import get_engine
from setlist_app.models import utcnow
from setlist_app.settings import get_settings
from setlist_app.sync.status import Health, read_health

log = logging.getLogger(__name__)
OK = Health("ok", "")


def _read() -> Health:
    with Session(get_engine()) as session:
        return read_health(session, utcnow())


class HealthWatch:
    """Holds the latest health verdict of this worker and announces changes."""

    def __init__(self) -> None:
        self.current: Health = OK

    async def refresh(self) -> bool:
        """Read health now; True when it changed. A failed read reports the database as down."""
        try:
            health = await asyncio.to_thread(_read)
        except Exception:
            log.warning("health watch: could not read sync status", exc_info=True)
            health = Health("down", "We can't reach our database right now; please try again shortly.")
        changed = health != self.current
        self.current = health
        return changed

    async def run(self, emit: Callable[[Health], Awaitable[None]]) -> None:
        """Until cancelled: refresh every `health_poll_seconds` and emit each change."""
        interval = get_settings().health_poll_seconds
        while True:
            if await self.refresh():
                await emit(self.current)
            await asyncio.sleep(interval)


watch = HealthWatch()
