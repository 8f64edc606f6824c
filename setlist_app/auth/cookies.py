"""Signed cookie values (itsdangerous), one salt per purpose so values cannot be swapped."""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie

from itsdangerous import BadSignature, URLSafeTimedSerializer

from setlist_app.settings import get_settings

ANON_COOKIE = "sl_anon"
SESSION_COOKIE = "sl_session"
ANON_MAX_AGE = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=f"setlist.{purpose}")


def sign(value: str, purpose: str) -> str:
    """A tamper-evident, timestamped token carrying `value`."""
    return _serializer(purpose).dumps(value)


def unsign(token: str | None, purpose: str, max_age: int) -> str | None:
    """The value inside a token, or None when missing, forged, expired or of another purpose."""
    if not token:
        return None
    try:
        value = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return value if isinstance(value, str) else None


def new_anon_id() -> str:
    return secrets.token_urlsafe(16)


def parse_cookie_header(header: str | None) -> dict[str, str]:
    """Cookie header -> {name: value}; malformed parts are ignored."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except Exception:  # a hostile header must not break the page
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def anon_id_from_cookies(cookies: dict[str, str]) -> str | None:
    return unsign(cookies.get(ANON_COOKIE), "anon", ANON_MAX_AGE)
