"""Fake setlist.fm API 1.0: x-api-key auth, 20 per page, 404 for empty results."""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.catalog import Artist, parse_day
from simulator.common import catalog, int_param

PAGE_SIZE = 20


def _error(status: int, text: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": status, "status": text, "message": message, "timestamp": "2026-01-01T00:00:00"}, status
    )


def _not_found() -> JSONResponse:
    return _error(404, "Not Found", "not found")


def _guard(request: Request) -> Response | None:
    if request.headers.get("x-api-key") != request.app.state.keys["setlistfm"]:
        return _error(403, "Forbidden", "invalid or missing API key")
    if "json" not in request.headers.get("accept", ""):
        xml = '<?xml version="1.0" encoding="UTF-8"?><setlists/>'
        return Response(xml, 200, media_type="application/xml")
    return None


def _song(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        return {"name": raw}
    out: dict[str, Any] = {"name": raw.get("name", "")}
    for key in ("info", "tape"):
        if raw.get(key):
            out[key] = raw[key]
    for key in ("cover", "with"):
        value = raw.get(key)
        if value:
            out[key] = (
                {"name": value}
                if isinstance(value, str)
                else {"name": value.get("name"), "mbid": value.get("mbid")}
            )
    return out


def _setlist_json(request: Request, artist: Artist, raw: dict[str, Any]) -> dict[str, Any]:
    venue = (raw.get("_show") or {}).get("venue") or raw.get("venue")
    venue_raw = catalog(request).venues.get(venue or "", {}) if isinstance(venue, str) else {}
    sets = []
    for part in raw.get("sets", []):
        entry: dict[str, Any] = {"song": [_song(s) for s in part.get("songs", part.get("song", []))]}
        if part.get("name"):
            entry["name"] = part["name"]
        if part.get("encore"):
            entry["encore"] = int(part["encore"])
        sets.append(entry)
    ident = str(raw.get("id") or "")
    body: dict[str, Any] = {
        "id": ident,
        "versionId": raw.get("version_id") or f"v{ident[:7]}",
        "eventDate": raw["_date"].strftime("%d-%m-%Y"),
        "lastUpdated": "2026-01-01T00:00:00.000+0000",
        "artist": {"mbid": artist.mbid, "name": artist.name, "sortName": artist.name},
        "venue": {
            "id": venue_raw.get("setlistfm_id") or ident[::-1][:8],
            "name": venue_raw.get("name") or raw.get("venue_name") or "Unknown venue",
            "city": {
                "name": venue_raw.get("city") or raw.get("city"),
                "country": {"code": venue_raw.get("country_code"), "name": venue_raw.get("country")},
            },
        },
        "sets": {"set": sets},
        "url": f"https://www.setlist.fm/setlist/{artist.slug}/{ident}.html",
    }
    tour = raw.get("tour")
    if tour:
        body["tour"] = {"name": tour if isinstance(tour, str) else tour.get("name")}
    if raw.get("info"):
        body["info"] = raw["info"]
    return body


def _page(request: Request, artist: Artist, items: list[dict[str, Any]]) -> Response:
    page = int_param(request, "p", 1)
    if page is None or page < 1:
        return _error(400, "Bad Request", "invalid page")
    chunk = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    if not chunk:
        return _not_found()
    return JSONResponse(
        {
            "type": "setlists",
            "itemsPerPage": PAGE_SIZE,
            "page": page,
            "total": len(items),
            "setlist": [_setlist_json(request, artist, s) for s in chunk],
        }
    )


async def artist_setlists(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    artist = catalog(request).by_mbid.get(request.path_params["mbid"])
    if artist is None:
        return _not_found()
    return _page(request, artist, catalog(request).setlists_of(artist))


async def search_setlists(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    q = request.query_params
    artist = catalog(request).by_mbid.get(q.get("artistMbid", ""))
    if artist is None:
        return _not_found()
    items = catalog(request).setlists_of(artist)
    if q.get("date"):
        day = parse_day(q["date"])
        if day is None or len(q["date"]) != 10 or q["date"][2] != "-":
            return _error(400, "Bad Request", "date must be dd-MM-yyyy")
        items = [s for s in items if s["_date"] == day]
    return _page(request, artist, items)


async def setlist(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    cat = catalog(request)
    raw = next(
        (s for s in cat.setlists if str(s.get("id")) == request.path_params["id"] and s["_date"]), None
    )
    artist = cat.by_slug.get(raw.get("artist", "")) if raw else None
    return JSONResponse(_setlist_json(request, artist, raw)) if raw and artist else _not_found()


del math
routes = [
    Route("/rest/1.0/artist/{mbid}/setlists", artist_setlists),
    Route("/rest/1.0/search/setlists", search_setlists),
    Route("/rest/1.0/setlist/{id}", setlist),
]
