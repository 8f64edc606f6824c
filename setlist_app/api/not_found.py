"""HTTP 404 for pages of things that do not exist: /artists/<slug>, /shows/<slug>, /venues/<slug>,
/users/<id>.

Reflex serves every dynamic route from one SPA shell with status 200, and the page's load event
then shows the friendly "not found" card. Browsers are happy with that; crawlers, link checkers,
monitors and caches only see the status. This middleware, in front of Reflex (`api_transformer`),
looks the key up in the database and lets Reflex serve the very same HTML with status 404.
"""

from __future__ import annotations

import asyncio
import logging
import re

from sqlalchemy import Table, exists, select
from sqlalchemy.sql.elements import ColumnElement
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from setlist_app.db import get_engine
from setlist_app.domain.ids import MAX_ID
from setlist_app.models import Artist, Role, Show, User, Venue

log = logging.getLogger(__name__)

_PAGE = re.compile(r"^/(artists|shows|venues|users)/([^/]+)/?$")
_SLUG_TABLES: dict[str, Table] = {
    "artists": Artist.__table__,  # type: ignore[attr-defined]
    "shows": Show.__table__,  # type: ignore[attr-defined]
    "venues": Venue.__table__,  # type: ignore[attr-defined]
}
_USERS: Table = User.__table__  # type: ignore[attr-defined]
# A conditional GET could be answered 304 from the shell's validators, hiding the 404.
_CONDITIONAL = {b"if-none-match", b"if-modified-since"}


def _condition(kind: str, key: str) -> ColumnElement[bool] | None:
    """The WHERE clause naming the page's row, or None when `key` cannot name one."""
    if kind in _SLUG_TABLES:
        return _SLUG_TABLES[kind].c.slug == key
    try:
        user_id = int(key)  # parsed like the profile page does
    except ValueError:
        return None
    if not 0 < user_id <= MAX_ID:
        return None
    return (_USERS.c.id == user_id) & (_USERS.c.role != Role.BANNED)  # banned fans have no page


def page_exists(kind: str, key: str) -> bool:
    """Whether /<kind>/<key> shows something (the same rows the pages' load events find)."""
    condition = _condition(kind, key)
    if condition is None:
        return False
    with get_engine().connect() as conn:
        return bool(conn.execute(select(exists().where(condition))).scalar())


class NotFoundStatusMiddleware:
    """Answers 404 (with the app's own not-found page) for unknown artists, shows, venues, fans."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PAGE.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] not in ("GET", "HEAD") or await self._exists(*match.groups()):
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k not in _CONDITIONAL]

        async def send_not_found(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                message = {**message, "status": 404}
                # The row may appear later (a requested artist is imported): do not cache the 404.
                MutableHeaders(scope=message)["cache-control"] = "no-cache"
            await send(message)

        await self.app({**scope, "headers": headers}, receive, send_not_found)

    @staticmethod
    async def _exists(kind: str, key: str) -> bool:
        try:
            return await asyncio.to_thread(page_exists, kind, key)
        except Exception:  # the database is down: serve the page as usual; it shows its own error
            log.warning("not-found check for /%s/%s failed; serving the page", kind, key, exc_info=True)
            return True
