"""Who is calling an HTTP route, same-origin checks for state-changing POSTs, and the admin guard."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from setlist_app.auth.roles import ADMIN_ONLY
from setlist_app.auth.viewer import Viewer, viewer_from_cookie_header

log = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]


def viewer_from_request(request: Request) -> Viewer:
    return viewer_from_cookie_header(
        request.headers.get("cookie"), request.client.host if request.client else ""
    )


def same_origin(request: Request) -> bool:
    """False when a browser tells us the request comes from another site (CSRF defence on POSTs;
    SameSite=Lax already keeps our cookies off cross-site POSTs)."""
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return False
    origin = request.headers.get("origin")
    if origin == "null":
        return False
    source = origin or request.headers.get("referer")
    return not source or urlparse(source).netloc == request.headers.get("host", "")


def admin_only(endpoint: Endpoint) -> Endpoint:
    """Guard an HTTP route: 401 for anonymous callers, 403 for signed-in non-admins (role from our
    database via the session), 403 for cross-site POSTs."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        viewer = viewer_from_request(request)
        if not viewer.is_admin or (request.method != "GET" and not same_origin(request)):
            log.warning("admin route %s refused for %s", request.url.path, viewer.voter_key or "nobody")
            status = 401 if not viewer.is_signed_in else 403
            return JSONResponse({"error": ADMIN_ONLY}, status)
        request.state.viewer = viewer
        return await endpoint(request)

    guarded.__admin_only__ = True
    return guarded
