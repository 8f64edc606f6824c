"""setlist.fm 1.0 client: setlists by artist MBID (paged) and by date. 404 means "no results"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx
from pydantic import Field

from setlist_app.providers.errors import NotFound
from setlist_app.providers.http import ProviderHttp
from setlist_app.providers.models import Setlist, SetlistPage, SetlistSong
from setlist_app.providers.parsing import Wire, parse
from setlist_app.providers.ratelimit import RateLimiter

PROVIDER = "setlistfm"
API = "rest/1.0"


class _Named(Wire):
    name: str | None = None
    mbid: str | None = None


class _Country(Wire):
    code: str | None = None


class _City(Wire):
    name: str | None = None
    country: _Country | None = None


class _Venue(Wire):
    name: str | None = None
    city: _City | None = None


class _Song(Wire):
    name: str = ""
    info: str | None = None
    tape: bool = False
    cover: _Named | None = None
    with_: _Named | None = Field(default=None, alias="with")


class _Set(Wire):
    name: str | None = None
    encore: int | None = None
    song: list[_Song] = []


class _Sets(Wire):
    set: list[_Set] = []


class _Setlist(Wire):
    id: str
    versionId: str | None = None
    eventDate: str
    artist: _Named | None = None
    venue: _Venue | None = None
    tour: _Named | None = None
    sets: _Sets | None = None
    info: str | None = None
    url: str | None = None


class _Page(Wire):
    setlist: list[_Setlist] = []
    page: int = 1
    itemsPerPage: int = 20
    total: int = 0


def _songs(sets: _Sets | None) -> list[SetlistSong]:
    songs: list[SetlistSong] = []
    for index, part in enumerate(sets.set if sets else []):
        for song in part.song:
            if not song.name.strip() and not song.tape:
                continue  # setlist.fm uses empty names for unknown songs
            songs.append(
                SetlistSong(
                    name=song.name.strip(),
                    position=len(songs) + 1,
                    set_index=index,
                    set_name=part.name,
                    encore=max(part.encore or 0, 0),
                    info=song.info,
                    tape=song.tape,
                    cover_of=song.cover.name if song.cover else None,
                    with_artist=song.with_.name if song.with_ else None,
                )
            )
    return songs


def _setlist(s: _Setlist) -> Setlist:
    venue = s.venue or _Venue()
    city = venue.city or _City()
    return Setlist(
        id=s.id,
        version_id=s.versionId,
        event_date=datetime.strptime(s.eventDate, "%d-%m-%Y").date(),
        artist_mbid=s.artist.mbid if s.artist else None,
        artist_name=s.artist.name if s.artist else None,
        venue_name=venue.name,
        city=city.name,
        country_code=city.country.code if city.country else None,
        tour=s.tour.name if s.tour else None,
        info=s.info,
        url=s.url,
        songs=_songs(s.sets),
    )


def parse_setlist(payload: Any) -> Setlist:
    return parse(PROVIDER, _Setlist, payload, _setlist)


def parse_setlist_page(payload: Any) -> SetlistPage:
    return parse(
        PROVIDER,
        _Page,
        payload,
        lambda p: SetlistPage(
            setlists=[_setlist(s) for s in p.setlist],
            page=p.page,
            items_per_page=p.itemsPerPage,
            total=p.total,
        ),
    )


class SetlistFmClient:
    """Thin async setlist.fm client returning domain results."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.http = ProviderHttp(
            PROVIDER,
            base_url,
            limiter=limiter,
            transport=transport,
            timeout=timeout,
            headers={"x-api-key": api_key, "Accept-Language": "en"},
        )

    async def _page(self, path: str, params: dict[str, Any]) -> SetlistPage:
        try:
            return parse_setlist_page(await self.http.get_json(f"{API}/{path}", params))
        except NotFound:
            return SetlistPage(page=int(params.get("p", 1)), total=0)

    async def artist_setlists(self, mbid: str, page: int = 1) -> SetlistPage:
        """One page (20 per page, newest first) of an artist's setlists; empty when there are none."""
        return await self._page(f"artist/{mbid}/setlists", {"p": max(page, 1)})

    async def setlists_for(self, mbid: str, on: date) -> list[Setlist]:
        """The artist's setlists on one date (usually zero or one)."""
        result = await self._page(
            "search/setlists", {"artistMbid": mbid, "date": on.strftime("%d-%m-%Y"), "p": 1}
        )
        return [s for s in result.setlists if s.event_date == on]

    async def aclose(self) -> None:
        await self.http.aclose()
