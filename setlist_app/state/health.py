"""The sync-health banner's state: uncached computed vars over this worker's `HealthWatch`."""

from __future__ import annotations

import reflex as rx

from setlist_app.live.health import watch


class HealthLive(rx.State):
    """Pushed by the live pusher when health changes; no handler assigns anything here."""

    @rx.var(cache=False)
    def level(self) -> str:
        return watch.current.level

    @rx.var(cache=False)
    def message(self) -> str:
        return watch.current.message
