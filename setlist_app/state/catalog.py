"""States of the home, artists, artist and shows pages."""

from __future__ import annotations

import logging
from urllib.parse import quote

import reflex as rx

from setlist_app.db import run_db
from setlist_app.domain.ids import strict_id
from setlist_app.live.vote_lane import SAVE_FAILED, limiter, published
from setlist_app.services import catalog_views as views
from setlist_app.services import voting
from setlist_app.state.follow import FollowState
from setlist_app.state.route import route_arg
from setlist_app.state.viewer import ViewerMixin

log = logging.getLogger(__name__)


class PageLoad(rx.State, mixin=True):
    """Shared loading/not-found flags for catalog pages."""

    loading: bool = True
    not_found: bool = False
    error: str = ""

    async def _route_slug(self) -> str:
        return await route_arg(self, "slug")


class HomeState(ViewerMixin, PageLoad, rx.State):
    shows: list[views.ShowCard] = []
    artists: list[views.ArtistCard] = []
    home: views.HomePage = views.HomePage()
    signed_in: bool = False

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.error = True, ""
        yield
        try:
            user_id = (await self._viewer()).user_id
            self.signed_in = user_id is not None
            self.home = await run_db(views.home_page, user_id)
            self.shows = await run_db(views.upcoming_shows, 12)
            self.artists = await run_db(views.artists_on_tour, 12)
        except Exception:  # the page shows a retry instead of a blank screen
            self.error = "We couldn't load the shows right now."
            raise
        finally:
            self.loading = False


class ArtistState(ViewerMixin, PageLoad, rx.State):
    page: views.ArtistPage = views.ArtistPage()
    target_show: str = ""  # show id (as text, for the select) that "Add" puts songs into
    adding: int = 0  # song id being added
    added: list[int] = []  # song ids added to the target show in this visit

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.not_found, self.error, self.adding, self.added = True, False, "", 0, []
        yield
        try:
            page = await run_db(views.artist_page, await self._route_slug())
            self.not_found = page is None
            self.page = page or views.ArtistPage()
            options = [str(o.show_id) for o in self.page.show_options]
            if self.target_show not in options:  # a reload keeps the fan's choice while it is valid
                self.target_show = options[0] if options else ""
        except Exception:
            self.error = "We couldn't load this artist right now."
            raise
        finally:
            self.loading = False
        yield FollowState.load

    @rx.event
    def set_target_show(self, value: str) -> None:
        self.target_show, self.added = str(value), []

    @rx.event
    async def add_song(self, song_id: int):  # type: ignore[no-untyped-def]
        """Add a catalog song (with the fan's vote) to the chosen upcoming show's prediction."""
        sid, show_id = strict_id(song_id), strict_id(self.target_show)
        if sid is None or show_id is None:
            yield rx.toast.error("We couldn't find that song or show. Reload the page and try again.")
            return
        if self.adding:
            return
        self.adding = sid
        yield
        viewer = await self._viewer()
        try:
            await limiter().check(viewer, self.router.session.client_ip)
            result = await run_db(voting.add_song, viewer, show_id, sid)
            self.added = [*self.added, sid]
            await published(show_id, True)
            yield rx.toast.success(
                "Added to the prediction with your vote."
                if result.added
                else "Already in the prediction, so we counted your vote."
            )
        except voting.VoteRejected as exc:
            yield rx.toast.error(exc.message)
        except Exception:
            log.exception("add song from the artist page failed")
            yield rx.toast.error(SAVE_FAILED)
        finally:
            self.adding = 0


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
    cities: list[str] = []
    city: str = "all"

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.error = True, ""
        self.city = str(self.router.url.query_parameters.get("city", "") or "all")[:200]
        yield
        try:
            self.cities = await run_db(views.show_cities)
            self.shows = await run_db(views.upcoming_shows, 500, "" if self.city == "all" else self.city)
        except Exception:
            self.error = "We couldn't load the shows right now."
            raise
        finally:
            self.loading = False

    @rx.event
    def set_city(self, value: str):  # type: ignore[no-untyped-def]
        """Filter by city; the URL carries it so the view can be shared and reloaded."""
        value = str(value)
        return rx.redirect("/shows" if value == "all" else f"/shows?city={quote(value)}")
