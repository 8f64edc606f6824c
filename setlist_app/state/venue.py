"""State of /venues/<slug>."""

from __future__ import annotations

import reflex as rx

from setlist_app.db import run_db
from setlist_app.services import catalog_views as views
from setlist_app.state.catalog import PageLoad


class VenueState(PageLoad, rx.State):
    page: views.VenuePage = views.VenuePage()

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.not_found, self.error = True, False, ""
        yield
        try:
            page = await run_db(views.venue_page, await self._route_slug())
            self.not_found = page is None
            self.page = page or views.VenuePage()
        except Exception:
            self.error = "We couldn't load this venue right now."
            raise
        finally:
            self.loading = False
