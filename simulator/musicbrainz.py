"""Fake MusicBrainz ws/2: artist search and lookup; an identifying User-Agent is required."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.catalog import Artist
from simulator.common import catalog, int_param
from simulator.text import fold

_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_GENERIC_AGENTS = ("python-httpx", "python-requests", "curl", "aiohttp", "okhttp")


def _guard(request: Request) -> Response | None:
    agent = request.headers.get("user-agent", "").strip().lower()
    if not agent or agent.startswith(_GENERIC_AGENTS):
        return Response(
            "Please provide a meaningful User-Agent (app name/version and contact).",
            403,
            media_type="text/plain",
        )
    if request.query_params.get("fmt", "json") != "json" and "json" not in request.headers.get("accept", ""):
        return Response('<?xml version="1.0"?><metadata/>', 200, media_type="application/xml")
    return None


def _artist_json(artist: Artist, score: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": artist.mbid,
        "type": artist.raw.get("mb_type", "Group"),
        "name": artist.name,
        "sort-name": artist.raw.get("sort_name", artist.name),
        "country": artist.raw.get("country"),
        "disambiguation": artist.raw.get("disambiguation", ""),
    }
    if score is not None:
        out["score"] = score
    return out


def _query_name(query: str) -> str:
    match = re.search(r'artist:\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))', query)
    text = (match.group(1) or match.group(2)) if match else query
    return text.replace('\\"', '"').replace("\\\\", "\\")


async def search(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    query = request.query_params.get("query", "")
    if not query.strip():
        return JSONResponse({"error": "Missing query parameter"}, 400)
    limit, offset = int_param(request, "limit", 25), int_param(request, "offset", 0)
    if limit is None or offset is None:
        return JSONResponse({"error": "Invalid limit or offset"}, 400)
    limit = max(1, min(limit, 100))
    name = _query_name(query)
    found = catalog(request).search_artists(name)
    key = fold(name)
    items = [_artist_json(a, 100 if fold(a.name) == key else 80) for a in found[offset : offset + limit]]
    return JSONResponse(
        {"created": "2026-01-01T00:00:00.000Z", "count": len(found), "offset": offset, "artists": items}
    )


async def lookup(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    mbid = request.path_params["mbid"]
    if not _MBID.match(mbid):
        return JSONResponse({"error": "Invalid mbid."}, 400)
    found = catalog(request).by_mbid.get(mbid)
    if found is None:
        return JSONResponse(
            {"error": "Not Found", "help": "For usage, please see: https://musicbrainz.org/development/mmd"},
            404,
        )
    return JSONResponse(_artist_json(found))


routes = [Route("/ws/2/artist", search), Route("/ws/2/artist/{mbid}", lookup)]
