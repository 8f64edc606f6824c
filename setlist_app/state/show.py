"""State of the show page."""

from __future__ import annotations

import reflex as rx

from setlist_app.services import catalog_views as views
from setlist_app.state.catalog import PageLoad
from setlist_app.state.db import run_db


class ShowState(PageLoad, rx.State):
    page: views.ShowPage = views.ShowPage()

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.not_found, self.error = True, False, ""
        yield
        try:
            page = await run_db(views.show_page, self._route_slug())
            self.not_found = page is None
            self.page = page or views.ShowPage()
        except Exception:
            self.error = "We couldn't load this show right now."
            raise
        finally:
            self.loading = False
