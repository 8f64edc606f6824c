"""Fake Spotify Web API (development mode, 2026) and accounts service (client credentials)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.catalog import Album, Artist
from simulator.common import base_url, catalog, int_param, page_slice

_ID = re.compile(r"^[0-9A-Za-z]{22}$")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status)


class Accounts:
    """Issued access tokens (in memory) for the client credentials the simulator accepts."""

    def __init__(self, client_id: str, client_secret: str, ttl: int = 3600) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.ttl = ttl
        self.tokens: dict[str, float] = {}

    def expire_all(self) -> None:
        self.tokens = dict.fromkeys(self.tokens, 0.0)

    def check(self, request: Request) -> JSONResponse | None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return _error(401, "No token provided")
        expires = self.tokens.get(header[7:].strip())
        if expires is None:
            return _error(401, "Invalid access token")
        if expires < time.time():
            return _error(401, "The access token expired")
        return None


async def token(request: Request) -> Response:
    accounts: Accounts = request.app.state.spotify_accounts
    form = await request.form()
    client_id, secret = form.get("client_id"), form.get("client_secret")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client_id = secret = None
    if form.get("grant_type") != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, 400)
    if client_id != accounts.client_id or secret != accounts.client_secret:
        return JSONResponse({"error": "invalid_client", "error_description": "Invalid client"}, 400)
    access = secrets.token_urlsafe(32)
    accounts.tokens[access] = time.time() + accounts.ttl
    return JSONResponse({"access_token": access, "token_type": "Bearer", "expires_in": accounts.ttl})


def _image(request: Request, spotify_id: str) -> list[dict[str, object]]:
    url = f"{base_url(request)}/spotify-images/{spotify_id}.svg"
    return [{"url": url, "height": 640, "width": 640}]


def _artist_json(request: Request, artist: Artist) -> dict[str, object]:
    # Development mode: no popularity, no followers.
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist.spotify_id}"},
        "genres": artist.genres,
        "href": f"{base_url(request)}/spotify/v1/artists/{artist.spotify_id}",
        "id": artist.spotify_id,
        "images": _image(request, artist.spotify_id),
        "name": artist.name,
        "type": "artist",
        "uri": f"spotify:artist:{artist.spotify_id}",
    }


def _album_json(request: Request, artist: Artist, album: Album) -> dict[str, object]:
    precision = {4: "year", 7: "month"}.get(len(album.release_date), "day")
    return {
        "album_type": album.album_type,
        "album_group": album.album_type,
        "total_tracks": len(album.tracks),
        "id": album.id,
        "name": album.name,
        "release_date": album.release_date,
        "release_date_precision": precision,
        "images": _image(request, album.id),
        "artists": [{"id": artist.spotify_id, "name": artist.name, "type": "artist"}],
        "type": "album",
        "uri": f"spotify:album:{album.id}",
    }


def _paging(request: Request, items: list[object], total: int, offset: int, limit: int) -> dict[str, object]:
    url = str(request.url.remove_query_params(["offset", "limit"]))
    sep = "&" if "?" in url else "?"
    nxt = f"{url}{sep}offset={offset + limit}&limit={limit}" if offset + limit < total else None
    prev = f"{url}{sep}offset={max(offset - limit, 0)}&limit={limit}" if offset > 0 else None
    return {
        "href": str(request.url),
        "items": items,
        "limit": limit,
        "next": nxt,
        "offset": offset,
        "previous": prev,
        "total": total,
    }


def _limits(request: Request, max_limit: int) -> tuple[int, int] | JSONResponse:
    limit, offset = int_param(request, "limit", min(20, max_limit)), int_param(request, "offset", 0)
    if limit is None or offset is None or not 0 < limit <= max_limit or offset < 0:
        return _error(400, "Invalid limit")
    return limit, offset


def _guard(request: Request, spotify_id: str | None = None) -> JSONResponse | None:
    if denied := request.app.state.spotify_accounts.check(request):
        return denied
    if spotify_id is not None and not _ID.match(spotify_id):
        return _error(400, "Invalid base62 id")
    return None


async def search(request: Request) -> Response:
    if denied := _guard(request):
        return denied
    query = request.query_params.get("q", "").strip()
    if not query:
        return _error(400, "No search query")
    if "artist" not in request.query_params.get("type", "").split(","):
        return _error(400, "Missing parameter type")
    paging = _limits(request, 10)  # development mode: search limit <= 10
    if isinstance(paging, JSONResponse):
        return paging
    limit, offset = paging
    found = catalog(request).search_artists(query.removeprefix("artist:").strip('"'))
    items = [_artist_json(request, a) for a in page_slice(found, offset, limit)]
    return JSONResponse({"artists": _paging(request, items, len(found), offset, limit)})


async def artist(request: Request) -> Response:
    spotify_id = request.path_params["id"]
    if denied := _guard(request, spotify_id):
        return denied
    found = catalog(request).by_spotify.get(spotify_id)
    return JSONResponse(_artist_json(request, found)) if found else _error(404, "Resource not found")


async def artist_albums(request: Request) -> Response:
    spotify_id = request.path_params["id"]
    if denied := _guard(request, spotify_id):
        return denied
    found = catalog(request).by_spotify.get(spotify_id)
    if not found:
        return _error(404, "Resource not found")
    paging = _limits(request, 10)  # development mode: albums paged by <= 10
    if isinstance(paging, JSONResponse):
        return paging
    limit, offset = paging
    groups = request.query_params.get("include_groups", "album,single,compilation,appears_on").split(",")
    order = {"album": 0, "single": 1, "compilation": 2}
    albums = sorted(
        (a for a in found.albums if a.album_type in groups),
        key=lambda a: (order.get(a.album_type, 3), _neg_date(a.release_date)),
    )
    items = [_album_json(request, found, a) for a in page_slice(albums, offset, limit)]
    return JSONResponse(_paging(request, items, len(albums), offset, limit))


def _neg_date(value: str) -> str:
    return "".join(chr(255 - ord(c)) for c in value)  # newest first


async def album_tracks(request: Request) -> Response:
    album_id = request.path_params["id"]
    if denied := _guard(request, album_id):
        return denied
    entry = catalog(request).albums.get(album_id)
    if not entry:
        return _error(404, "Resource not found")
    paging = _limits(request, 50)
    if isinstance(paging, JSONResponse):
        return paging
    limit, offset = paging
    owner, album = entry
    items = [
        {
            "artists": [{"id": owner.spotify_id, "name": owner.name, "type": "artist"}],
            "disc_number": t.disc_number,
            "duration_ms": t.duration_ms,
            "explicit": False,
            "id": t.id,
            "name": t.name,
            "track_number": t.track_number,
            "type": "track",
            "uri": f"spotify:track:{t.id}",
            "is_local": False,
        }
        for t in page_slice(album.tracks, offset, limit)
    ]
    return JSONResponse(_paging(request, items, len(album.tracks), offset, limit))


async def image(request: Request) -> Response:
    """A generated SVG gradient (the internet, and so i.scdn.co, is unreachable)."""
    key = request.path_params["id"].removesuffix(".svg")
    digest = hashlib.sha256(key.encode()).digest()
    hue1, hue2 = digest[0] * 360 // 256, digest[1] * 360 // 256
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="640" viewBox="0 0 640 640">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue1},70%,55%)"/>'
        f'<stop offset="1" stop-color="hsl({hue2},70%,30%)"/>'
        '</linearGradient></defs><rect width="640" height="640" fill="url(#g)"/></svg>'
    )
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


def _v1_routes() -> list[Route]:
    return [
        Route("/search", search),
        Route("/artists/{id}", artist),
        Route("/artists/{id}/albums", artist_albums),
        Route("/albums/{id}/tracks", album_tracks),
    ]


api_routes = _v1_routes
accounts_routes = [Route("/api/token", token, methods=["POST"])]
image_routes = [Route("/{id}", image)]
