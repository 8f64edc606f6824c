"""States of the home, artist and show pages."""

from __future__ import annotations

import reflex as rx

from setlist_app.services import catalog_views as views
from setlist_app.state.db import run_db


class PageLoad(rx.State, mixin=True):
    """Shared loading/not-found flags for catalog pages."""

    loading: bool = True
    not_found: bool = False
    error: str = ""

    def _route_slug(self) -> str:
        return str(self.router._page.params.get("slug", ""))


class HomeState(PageLoad, rx.State):
    shows: list[views.ShowCard] = []
    artists: list[views.ArtistCard] = []

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.error = True, ""
        yield
        try:
            self.shows = await run_db(views.upcoming_shows, 12)
            self.artists = await run_db(views.artists_on_tour, 12)
        except Exception:  # the page shows a retry instead of a blank screen
            self.error = "We couldn't load the shows right now."
            raise
        finally:
            self.loading = False


class ArtistState(PageLoad, rx.State):
    page: views.ArtistPage = views.ArtistPage()

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.not_found, self.error = True, False, ""
        yield
        try:
            page = await run_db(views.artist_page, self._route_slug())
            self.not_found = page is None
            self.page = page or views.ArtistPage()
        except Exception:
            self.error = "We couldn't load this artist right now."
            raise
        finally:
            self.loading = False


class ArtistsListState(PageLoad, rx.State):
    artists: list[views.ArtistCard] = []

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.error = True, ""
        yield
        try:
            self.artists = await run_db(views.all_artists)
        except Exception:
            self.error = "We couldn't load the artists right now."
            raise
        finally:
            self.loading = False


class ShowsListState(PageLoad, rx.State):
    shows: list[views.ShowCard] = []

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.error = True, ""
        yield
        try:
            self.shows = await run_db(views.upcoming_shows, 500)
        except Exception:
            self.error = "We couldn't load the shows right now."
            raise
        finally:
            self.loading = False
