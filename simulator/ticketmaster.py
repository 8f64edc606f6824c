"""Fake Ticketmaster Discovery v2: events (shows + noise listings), attractions, venues."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.catalog import Artist, Catalog, derived_id, parse_day
from simulator.common import base_url, catalog, int_param
from simulator.text import fold

MUSIC = {"id": "KZFzniwnSyZfZ7v7nJ", "name": "Music"}
SEGMENTS = {
    "music": MUSIC,
    "sports": {"id": "KZFzniwnSyZfZ7v7nE", "name": "Sports"},
    "arts & theatre": {"id": "KZFzniwnSyZfZ7v7na", "name": "Arts & Theatre"},
    "miscellaneous": {"id": "KZFzniwnSyZfZ7v7n1", "name": "Miscellaneous"},
}
PAGE_SIZE_MAX = 200


def _fault(status: int, text: str, code: str) -> JSONResponse:
    return JSONResponse({"fault": {"faultstring": text, "detail": {"errorcode": code}}}, status)


def _not_found() -> JSONResponse:
    return JSONResponse(
        {"errors": [{"code": "DIS1004", "detail": "Resource not found", "status": "404"}]}, 404
    )


def _venue_json(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": raw.get("name", ""),
        "type": "venue",
        "id": raw.get("ticketmaster_id"),
        "timezone": raw.get("timezone"),
        "city": {"name": raw.get("city")},
        "country": {"name": raw.get("country"), "countryCode": raw.get("country_code")},
        "address": {"line1": raw.get("address")} if raw.get("address") else None,
    }
    if raw.get("state"):
        out["state"] = {"name": raw["state"], "stateCode": raw["state"]}
    if raw.get("latitude") is not None:
        out["location"] = {"latitude": str(raw["latitude"]), "longitude": str(raw.get("longitude"))}
    return {k: v for k, v in out.items() if v is not None}


def _classification(segment: str = "music", genre: str | None = None, subgenre: str | None = None) -> dict:
    seg = SEGMENTS.get(segment.lower(), {"id": derived_id(segment, length=18), "name": segment})
    return {
        "primary": True,
        "segment": seg,
        "genre": {"id": derived_id("genre", genre or "Undefined", length=18), "name": genre or "Undefined"},
        "subGenre": {
            "id": derived_id("sub", subgenre or "Undefined", length=18),
            "name": subgenre or "Undefined",
        },
    }


def _attraction_json(request: Request, artist: Artist, upcoming: int) -> dict[str, Any]:
    genre = artist.genres[0].title() if artist.genres else "Rock"
    return {
        "name": artist.name,
        "type": "attraction",
        "id": artist.ticketmaster_id,
        "url": f"https://www.ticketmaster.com/{artist.slug}-tickets/artist/{artist.ticketmaster_id}",
        "externalLinks": {
            "spotify": [{"url": f"https://open.spotify.com/artist/{artist.spotify_id}"}],
            "musicbrainz": [{"id": artist.mbid}],
        },
        "images": [
            {
                "ratio": "1_1",
                "url": f"{base_url(request)}/spotify-images/{artist.spotify_id}.svg",
                "width": 640,
                "height": 640,
            }
        ],
        "classifications": [_classification("music", genre)],
        "upcomingEvents": {"_total": upcoming, "ticketmaster": upcoming},
    }


def _noise_attraction(raw: Any) -> dict[str, Any]:
    name = raw if isinstance(raw, str) else raw.get("name", "Unknown")
    ident = None if isinstance(raw, str) else raw.get("ticketmaster_id") or raw.get("id")
    return {
        "name": name,
        "type": "attraction",
        "id": ident or "K8vZ9" + derived_id("noise", name, length=8),
        "classifications": [_classification()],
    }


def _when(local_date: date, local_time: str | None, tz: str | None) -> datetime:
    clock = time.fromisoformat(local_time) if local_time else time(20, 0)
    try:
        zone = ZoneInfo(tz) if tz else UTC
    except (KeyError, ValueError):
        zone = UTC
    return datetime.combine(local_date, clock, zone).astimezone(UTC)


def build_events(cat: Catalog) -> list[dict[str, Any]]:
    """Every listing as an internal record: demo shows plus noise events."""
    records = []
    for raw in cat.shows:
        artist = cat.by_slug.get(raw.get("artist", ""))
        day = parse_day(raw.get("local_date"))
        if artist is None or day is None:
            continue
        venue = cat.venues.get(raw.get("venue", ""), {})
        records.append(
            {
                "id": raw["ticketmaster_id"],
                "name": raw.get("name") or artist.name,
                "date": day,
                "time": raw.get("local_time"),
                "status": raw.get("status") or "onsale",
                "venue": venue,
                "artists": [artist],
                "extra": [],
                "segment": "music",
                "genre": artist.genres[0].title() if artist.genres else "Rock",
                "subgenre": None,
                "url": raw.get("url"),
            }
        )
    for raw in cat.noise_events:
        day = parse_day(raw.get("local_date") or raw.get("date"))
        if day is None:
            continue
        venue = raw.get("venue")
        venue = venue if isinstance(venue, dict) else cat.venues.get(venue or "", {})
        linked = [cat.by_slug[s] for s in raw.get("artists", []) if isinstance(s, str) and s in cat.by_slug]
        if isinstance(raw.get("artist"), str) and raw["artist"] in cat.by_slug:
            linked.append(cat.by_slug[raw["artist"]])
        names = raw.get("attractions") or raw.get("attraction_names") or []
        extra = [a for a in names if not (isinstance(a, str) and a in cat.by_slug)]
        kind = raw.get("classification") or {}
        records.append(
            {
                "id": raw.get("ticketmaster_id")
                or raw.get("id")
                or derived_id("noise", raw.get("name", ""), str(day)),
                "name": raw.get("name", "Event"),
                "date": day,
                "time": raw.get("local_time"),
                "status": raw.get("status") or "onsale",
                "venue": venue,
                "artists": linked,
                "extra": extra,
                "segment": raw.get("segment") or kind.get("segment") or "music",
                "genre": raw.get("genre") or kind.get("genre"),
                "subgenre": raw.get("subgenre") or kind.get("subgenre"),
                "url": raw.get("url"),
            }
        )
    for record in records:
        record["utc"] = _when(record["date"], record["time"], record["venue"].get("timezone"))
    return sorted(records, key=lambda r: (r["utc"], r["id"]))


def _events(request: Request) -> list[dict[str, Any]]:
    state = request.app.state
    if getattr(state, "tm_events", None) is None:
        state.tm_events = build_events(catalog(request))
    return state.tm_events


def _upcoming_count(request: Request, artist: Artist) -> int:
    today = catalog(request).now().date()
    return sum(1 for e in _events(request) if artist in e["artists"] and e["date"] >= today)


def _event_json(request: Request, e: dict[str, Any]) -> dict[str, Any]:
    attractions = [_attraction_json(request, a, _upcoming_count(request, a)) for a in e["artists"]]
    attractions += [_noise_attraction(x) for x in e["extra"]]
    start: dict[str, Any] = {
        "localDate": e["date"].isoformat(),
        "dateTBD": False,
        "dateTBA": False,
        "timeTBA": e["time"] is None,
        "noSpecificTime": False,
    }
    if e["time"]:
        start["localTime"] = f"{e['time']}:00"[:8]
        start["dateTime"] = e["utc"].strftime("%Y-%m-%dT%H:%M:%SZ")
    embedded: dict[str, Any] = {"attractions": attractions}
    if e["venue"]:
        embedded["venues"] = [_venue_json(e["venue"])]
    return {
        "name": e["name"],
        "type": "event",
        "id": e["id"],
        "url": e["url"] or f"https://www.ticketmaster.com/event/{e['id']}",
        "locale": "en-us",
        "dates": {"start": start, "timezone": e["venue"].get("timezone"), "status": {"code": e["status"]}},
        "classifications": [_classification(e["segment"], e["genre"], e["subgenre"])],
        "_embedded": embedded,
    }


def _guard(request: Request) -> JSONResponse | None:
    if request.query_params.get("apikey") != request.app.state.keys["ticketmaster"]:
        return _fault(401, "Invalid ApiKey", "oauth.v2.InvalidApiKey")
    return None


def _paged(request: Request, key: str, items: list[Any], render: Any) -> Response:
    size, page = int_param(request, "size", 20), int_param(request, "page", 0)
    if size is None or page is None or size < 1 or page < 0:
        return JSONResponse({"errors": [{"code": "DIS1001", "detail": "Invalid paging parameters"}]}, 400)
    size = min(size, PAGE_SIZE_MAX)
    if page * size >= request.app.state.tm_deep_limit:
        detail = "API Limits Exceeded: Max paging depth exceeded. (page * size) must be less than 1,000"
        return JSONResponse({"errors": [{"code": "DIS1035", "detail": detail, "status": "400"}]}, 400)
    chunk = items[page * size : (page + 1) * size]
    body: dict[str, Any] = {
        "_links": {"self": {"href": str(request.url)}},
        "page": {
            "size": size,
            "totalElements": len(items),
            "totalPages": math.ceil(len(items) / size),
            "number": page,
        },
    }
    if chunk:
        body["_embedded"] = {key: [render(request, x) for x in chunk]}
    return JSONResponse(body)


def _parse_utc(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def events(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    q = request.query_params
    start, end = _parse_utc(q.get("startDateTime")), _parse_utc(q.get("endDateTime"))
    if (q.get("startDateTime") and start is None) or (q.get("endDateTime") and end is None):
        return JSONResponse({"errors": [{"code": "DIS1015", "detail": "Invalid date format"}]}, 400)
    cat = catalog(request)
    start = start or cat.now().replace(hour=0, minute=0, second=0, microsecond=0)
    selected = []
    keyword = fold(q.get("keyword", ""))
    for e in _events(request):
        if e["utc"] < start or (end and e["utc"] >= end):
            continue
        if q.get("attractionId") and not any(a.ticketmaster_id == q["attractionId"] for a in e["artists"]):
            continue
        seg = SEGMENTS.get(e["segment"].lower(), {}).get("id")
        if q.get("segmentId") and seg != q["segmentId"]:
            continue
        if q.get("countryCode") and e["venue"].get("country_code") != q["countryCode"]:
            continue
        if q.get("venueId") and e["venue"].get("ticketmaster_id") != q["venueId"]:
            continue
        if keyword and keyword not in fold(e["name"]):
            continue
        selected.append(e)
    del cat
    return _paged(request, "events", selected, _event_json)


async def event(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    wanted = request.path_params["id"]
    found = next((e for e in _events(request) if e["id"] == wanted), None)
    return JSONResponse(_event_json(request, found)) if found else _not_found()


async def attractions(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    keyword = request.query_params.get("keyword", "")
    found = catalog(request).search_artists(keyword) if keyword else list(catalog(request).artists)
    return _paged(request, "attractions", found, lambda r, a: _attraction_json(r, a, _upcoming_count(r, a)))


async def attraction(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    found = catalog(request).by_tm.get(request.path_params["id"])
    return (
        JSONResponse(_attraction_json(request, found, _upcoming_count(request, found)))
        if found
        else _not_found()
    )


async def venue(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    found = catalog(request).venues.get(request.path_params["id"])
    return JSONResponse(_venue_json(found)) if found else _not_found()


routes = [
    Route("/discovery/v2/events.json", events),
    Route("/discovery/v2/events/{id}.json", event),
    Route("/discovery/v2/attractions.json", attractions),
    Route("/discovery/v2/attractions/{id}.json", attraction),
    Route("/discovery/v2/venues/{id}.json", venue),
]
