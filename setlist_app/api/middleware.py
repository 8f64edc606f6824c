"""ASGI middleware: give every browser a signed, HttpOnly anonymous-id cookie on its first page."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from setlist_app.auth.cookies import (
    ANON_COOKIE,
    ANON_MAX_AGE,
    anon_id_from_cookies,
    new_anon_id,
    parse_cookie_header,
    sign,
)


def anon_cookie_header() -> str:
    """A Set-Cookie value with a fresh signed anonymous id (`Secure` is added over https by
    `api/security.py`, which wraps this middleware)."""
    flags = f"Path=/; Max-Age={ANON_MAX_AGE}; HttpOnly; SameSite=Lax"
    return f"{ANON_COOKIE}={sign(new_anon_id(), 'anon')}; {flags}"


class AnonymousIdMiddleware:
    """Sets `sl_anon` on HTTP responses when the request has no valid one.

    The websocket handshake then carries it, so Reflex states can identify anonymous voters
    server-side (DESIGN.md §4: limits enforced in the database, not the browser).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        cookies = parse_cookie_header(headers.get(b"cookie", b"").decode("latin-1"))
        if anon_id_from_cookies(cookies) is not None:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", anon_cookie_header())
            await send(message)

        await self.app(scope, receive, send_with_cookie)
