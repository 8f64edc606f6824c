"""Who is acting: a signed-in user, or an anonymous visitor identified by a signed cookie."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from setlist_app.auth.cookies import SESSION_COOKIE, anon_id_from_cookies, parse_cookie_header
from setlist_app.auth.sessions import user_from_cookies


@dataclass(frozen=True)
class Viewer:
    user_id: int | None = None
    anon_id: str | None = None
    role: str = "anonymous"  # anonymous | user | admin | banned (from our database only)
    name: str = ""
    client_ip: str = ""  # the request's (the visitor's, behind a trusted proxy): audit entries keep it

    @property
    def voter_key(self) -> str | None:
        """The key votes are unique on: `u:<id>` or `a:<anon id>`; None when unidentifiable."""
        if self.user_id is not None:
            return f"u:{self.user_id}"
        if self.anon_id:
            return f"a:{self.anon_id}"
        return None

    @property
    def is_signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def viewer_from_cookie_header(header: str | None, client_ip: str = "") -> Viewer:
    """Resolve the viewer from a Cookie header (the websocket handshake's, in Reflex states) and
    the client address the request came from.

    The anonymous id is honoured only when its signature verifies; a forged or missing cookie gives
    a viewer without a voter key, who cannot vote. A session cookie is resolved by
    `setlist_app.auth.sessions` (role and name from the users table).
    """
    cookies = parse_cookie_header(header)
    anon_id = anon_id_from_cookies(cookies)
    user = user_from_cookies(cookies)
    if user is None:
        return Viewer(anon_id=anon_id, client_ip=client_ip)
    user_id, role, name = user
    return Viewer(user_id=user_id, anon_id=anon_id, role=role, name=name, client_ip=client_ip)


async def resolve_viewer(
    header: str | None,
    client_ip: str = "",
    run: Callable[..., Awaitable[Viewer]] = asyncio.to_thread,
) -> Viewer:
    """`viewer_from_cookie_header` from an event loop: a session cookie is looked up in Redis and
    the database (cached 5 s), so that runs through `run` (a thread) and a signed-in viewer blocks
    the loop no more than an anonymous one, whose cookie needs only its signature checked."""
    if SESSION_COOKIE not in (header or ""):
        return viewer_from_cookie_header(header, client_ip)
    return await run(viewer_from_cookie_header, header, client_ip)
