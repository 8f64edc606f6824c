"""Ticketmaster Discovery v2 client: attractions, events (deep-paging safe), venues."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from pydantic import Field

from setlist_app import clock
from setlist_app.models.catalog import ShowStatus
from setlist_app.providers.errors import BadResponse, ProviderError, QuotaExceeded, RateLimited
from setlist_app.providers.http import ProviderHttp, retry_after_seconds
from setlist_app.providers.models import TmAttraction, TmEvent, TmVenue
from setlist_app.providers.parsing import Wire, parse
from setlist_app.providers.ratelimit import RateLimiter

PROVIDER = "ticketmaster"
MUSIC_SEGMENT_ID = "KZFzniwnSyZfZ7v7nJ"
PAGE_SIZE_MAX = 200
DEEP_PAGING_LIMIT = 1000  # Discovery v2 refuses page * size >= 1000
MIN_WINDOW = timedelta(hours=1)
ATTRACTION_HORIZON = timedelta(days=5 * 365)  # how far ahead an attraction's events are listed
API = "discovery/v2"


class _Named(Wire):
    id: str | None = None
    name: str | None = None


class _Classification(Wire):
    primary: bool | None = None
    segment: _Named | None = None
    genre: _Named | None = None
    subGenre: _Named | None = None
    type: _Named | None = None


class _Image(Wire):
    url: str | None = None
    width: int | None = None


class _Link(Wire):
    url: str | None = None
    id: str | None = None


class _Total(Wire):
    total: int | None = Field(default=None, alias="_total")


class _Attraction(Wire):
    id: str
    name: str = ""
    classifications: list[_Classification] = []
    images: list[_Image] = []
    upcomingEvents: _Total | None = None
    externalLinks: dict[str, list[_Link]] = {}


class _Place(Wire):
    name: str | None = None
    stateCode: str | None = None
    countryCode: str | None = None


class _Location(Wire):
    latitude: str | float | None = None
    longitude: str | float | None = None


class _Address(Wire):
    line1: str | None = None


class _Venue(Wire):
    id: str
    name: str = ""
    city: _Place | None = None
    state: _Place | None = None
    country: _Place | None = None
    timezone: str | None = None
    location: _Location | None = None
    address: _Address | None = None


class _Start(Wire):
    localDate: date | None = None
    localTime: str | None = None
    dateTime: datetime | None = None


class _Status(Wire):
    code: str | None = None


class _Dates(Wire):
    start: _Start | None = None
    timezone: str | None = None
    status: _Status | None = None


class _EventEmbedded(Wire):
    venues: list[_Venue] = []
    attractions: list[_Attraction] = []


class _Event(Wire):
    id: str
    name: str = ""
    url: str | None = None
    dates: _Dates | None = None
    classifications: list[_Classification] = []
    embedded: _EventEmbedded = Field(default_factory=_EventEmbedded, alias="_embedded")


class _PageInfo(Wire):
    size: int = 0
    totalElements: int = 0
    totalPages: int = 0
    number: int = 0


class _EventsEmbedded(Wire):
    events: list[_Event] = []


class _AttractionsEmbedded(Wire):
    attractions: list[_Attraction] = []


class _EventsPage(Wire):
    embedded: _EventsEmbedded = Field(default_factory=_EventsEmbedded, alias="_embedded")
    page: _PageInfo = Field(default_factory=_PageInfo)


class _AttractionsPage(Wire):
    embedded: _AttractionsEmbedded = Field(default_factory=_AttractionsEmbedded, alias="_embedded")
    page: _PageInfo = Field(default_factory=_PageInfo)


def show_status_for(code: str | None, local_date: date | None, today: date | None = None) -> ShowStatus:
    """Map Ticketmaster's `dates.status.code` (and the date) to our show status."""
    code = (code or "").lower()
    if code in ("canceled", "cancelled"):
        return ShowStatus.CANCELLED
    if code == "postponed":
        return ShowStatus.POSTPONED
    today = today or clock.now().date()
    if local_date is not None and local_date < today:
        return ShowStatus.COMPLETED
    return ShowStatus.UPCOMING  # onsale, offsale, rescheduled (new date), unknown


def _float(value: str | float | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and abs(number) != float("inf") and number == number else None


def _primary(items: list[_Classification]) -> _Classification:
    return next((c for c in items if c.primary), items[0] if items else _Classification())


def _name(item: _Named | None) -> str | None:
    return item.name if item and item.name and item.name != "Undefined" else None


def _venue(v: _Venue) -> TmVenue:
    loc = v.location or _Location()
    return TmVenue(
        id=v.id,
        name=v.name,
        city=v.city.name if v.city else None,
        state=(v.state.stateCode or v.state.name) if v.state else None,
        country=v.country.name if v.country else None,
        country_code=v.country.countryCode if v.country else None,
        timezone=v.timezone,
        latitude=_float(loc.latitude),
        longitude=_float(loc.longitude),
        address=v.address.line1 if v.address else None,
    )


def _attraction(a: _Attraction) -> TmAttraction:
    c = _primary(a.classifications)
    spotify = next((link.url for link in a.externalLinks.get("spotify", []) if link.url), None)
    mbid = next((link.id for link in a.externalLinks.get("musicbrainz", []) if link.id), None)
    return TmAttraction(
        id=a.id,
        name=a.name,
        segment=_name(c.segment),
        genre=_name(c.genre),
        subgenre=_name(c.subGenre),
        type=_name(c.type),
        image_url=max(a.images, key=lambda i: i.width or 0).url if a.images else None,
        upcoming_events=a.upcomingEvents.total if a.upcomingEvents else None,
        spotify_id=spotify.rstrip("/").rsplit("/", 1)[-1] if spotify else None,
        mbid=mbid,
    )


def _event(e: _Event, today: date | None = None) -> TmEvent:
    dates = e.dates or _Dates()
    start = dates.start or _Start()
    c = _primary(e.classifications)
    starts_at = start.dateTime
    if starts_at is not None:
        starts_at = starts_at.replace(tzinfo=UTC) if starts_at.tzinfo is None else starts_at.astimezone(UTC)
    local_time = start.localTime[:5] if start.localTime else None
    venue = _venue(e.embedded.venues[0]) if e.embedded.venues else None
    code = dates.status.code if dates.status else None
    return TmEvent(
        id=e.id,
        name=e.name,
        url=e.url,
        local_date=start.localDate,
        local_time=local_time,
        starts_at=starts_at,
        timezone=dates.timezone or (venue.timezone if venue else None),
        status_code=code,
        show_status=show_status_for(code, start.localDate, today),
        segment=_name(c.segment),
        genre=_name(c.genre),
        subgenre=_name(c.subGenre),
        type=_name(c.type),
        venue=venue,
        attractions=[_attraction(a) for a in e.embedded.attractions],
    )


def parse_event(payload: Any) -> TmEvent:
    return parse(PROVIDER, _Event, payload, _event)


def parse_venue(payload: Any) -> TmVenue:
    return parse(PROVIDER, _Venue, payload, _venue)


def parse_events_page(payload: Any) -> tuple[list[TmEvent], int, int]:
    """(events, total elements, total pages)."""
    return parse(
        PROVIDER,
        _EventsPage,
        payload,
        lambda p: ([_event(e) for e in p.embedded.events], p.page.totalElements, p.page.totalPages),
    )


def parse_attractions_page(payload: Any) -> list[TmAttraction]:
    return parse(
        PROVIDER, _AttractionsPage, payload, lambda p: [_attraction(a) for a in p.embedded.attractions]
    )


def classify(provider: str, response: httpx.Response) -> ProviderError | None:
    """Apigee faults: QuotaViolation = daily quota gone; SpikeArrestViolation = slow down."""
    body = response.content
    if b"QuotaViolation" in body:
        return QuotaExceeded(provider, "daily quota exceeded", status=response.status_code)
    if b"SpikeArrestViolation" in body or response.status_code == 429:
        return RateLimited(provider, retry_after_seconds(response), status=response.status_code)
    if response.status_code == 401:
        return BadResponse(provider, "invalid API key", status=401)
    return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TicketmasterClient:
    """Thin async Discovery v2 client returning domain results."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        page_size: int = PAGE_SIZE_MAX,
        deep_paging_limit: int = DEEP_PAGING_LIMIT,
    ) -> None:
        self._api_key = api_key
        self.page_size = min(page_size, PAGE_SIZE_MAX)
        self.deep_paging_limit = deep_paging_limit
        self.http = ProviderHttp(
            PROVIDER, base_url, limiter=limiter, transport=transport, timeout=timeout, classify=classify
        )

    @property
    def reachable(self) -> int:
        """How many results of one query paging can reach under the deep-paging cap."""
        return (self.deep_paging_limit // self.page_size) * self.page_size

    async def _get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return await self.http.get_json(f"{API}/{path}", {**query, "apikey": self._api_key})

    async def search_attractions(self, keyword: str, size: int = 20) -> list[TmAttraction]:
        """Music attractions matching `keyword`."""
        payload = await self._get(
            "attractions.json", keyword=keyword, segmentId=MUSIC_SEGMENT_ID, size=min(size, PAGE_SIZE_MAX)
        )
        return parse_attractions_page(payload)

    async def get_venue(self, venue_id: str) -> TmVenue:
        return parse_venue(await self._get(f"venues/{venue_id}.json"))

    async def get_event(self, event_id: str) -> TmEvent:
        return parse_event(await self._get(f"events/{event_id}.json"))

    async def events_for_attraction(self, attraction_id: str, now: datetime | None = None) -> list[TmEvent]:
        """Upcoming events of one attraction, split by date like `events_in_window` when there are
        more than the deep-paging cap lets one query reach."""
        start = (now or clock.now()).replace(microsecond=0)
        return await self._events({"attractionId": attraction_id}, start, start + ATTRACTION_HORIZON)

    async def events_in_window(
        self, segment_id: str, country_code: str, start: datetime, end: datetime
    ) -> list[TmEvent]:
        """All events in [start, end), halving the window until each part fits under the deep-paging cap."""
        return await self._events({"segmentId": segment_id, "countryCode": country_code}, start, end)

    async def _events(self, query: dict[str, str], start: datetime, end: datetime) -> list[TmEvent]:
        found: dict[str, TmEvent] = {}
        await self._window(query, start, end, found)
        return sorted(found.values(), key=lambda e: (e.starts_at or datetime.max.replace(tzinfo=UTC), e.id))

    async def _window(
        self, query: dict[str, str], start: datetime, end: datetime, found: dict[str, TmEvent]
    ) -> None:
        params = {**query, "startDateTime": _iso(start), "endDateTime": _iso(end), "sort": "date,asc"}
        first, total, pages = parse_events_page(
            await self._get("events.json", size=self.page_size, page=0, **params)
        )
        if total > self.reachable and end - start > MIN_WINDOW:
            middle = start + (end - start) / 2
            await self._window(query, start, middle, found)
            await self._window(query, middle, end, found)
            return
        events = await self._collect(first, pages, **params)
        found.update((e.id, e) for e in events)

    async def _collect(self, first: list[TmEvent], pages: int, **params: Any) -> list[TmEvent]:
        """The first page plus every further page of the query that the deep-paging cap lets us reach."""
        events = list(first)
        page = 1
        while page < pages and (page + 1) * self.page_size <= self.deep_paging_limit:
            batch, _, pages = parse_events_page(
                await self._get("events.json", size=self.page_size, page=page, **params)
            )
            if not batch:
                break
            events.extend(batch)
            page += 1
        return events

    async def aclose(self) -> None:
        await self.http.aclose()
