"""Signed-in sessions: a signed cookie naming a server-side session (Redis), resolved to a user.

The cookie carries `sign(session id)`; Redis maps sha256(session id) -> user id with the session's
lifetime, so sign-out and "end all sessions" work server-side and a Redis dump holds no usable
cookie. The role and name come from the users table on every resolution (cached per session for
`session_cache_seconds`, because states resolve the viewer on every event).
Losing Redis signs everyone out; it never grants anything.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from functools import lru_cache

import redis
from sqlalchemy import select
from sqlmodel import Session

from setlist_app.auth.cookies import SESSION_COOKIE, sign, unsign
from setlist_app.db import get_engine
from setlist_app.models.users import User
from setlist_app.settings import get_settings

_PREFIX = "setlist:session"
_CACHE_MAX = 10_000
_cache: dict[str, tuple[float, tuple[int, str, str] | None]] = {}
_cache_lock = threading.Lock()


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2)


def _redis() -> redis.Redis:
    settings = get_settings()
    return _client(settings.redis_db_url(settings.redis_db_app))


def _key(session_id: str) -> str:
    return f"{_PREFIX}:{hashlib.sha256(session_id.encode()).hexdigest()}"


def _user_key(user_id: int) -> str:
    return f"{_PREFIX}:user:{user_id}"


def create_session(user_id: int) -> str:
    """Start a session for `user_id`; returns the signed cookie value."""
    max_age = get_settings().session_max_age_seconds
    session_id = secrets.token_urlsafe(32)
    pipe = _redis().pipeline()
    pipe.set(_key(session_id), str(user_id), ex=max_age)
    pipe.sadd(_user_key(user_id), _key(session_id))
    pipe.expire(_user_key(user_id), max_age)
    pipe.execute()
    return sign(session_id, "session")


def session_id_from_cookies(cookies: dict[str, str]) -> str | None:
    return unsign(cookies.get(SESSION_COOKIE), "session", get_settings().session_max_age_seconds)


def destroy_session(cookie_value: str | None) -> None:
    """End the session named by a cookie value (forged or unknown values are ignored)."""
    session_id = unsign(cookie_value, "session", get_settings().session_max_age_seconds)
    if session_id is None:
        return
    _redis().delete(_key(session_id))
    _forget(session_id)


def destroy_user_sessions(user_id: int) -> int:
    """End every session of a user (e.g. after a ban); returns how many were live."""
    client = _redis()
    keys = [k.decode() for k in client.smembers(_user_key(user_id))]
    ended = int(client.delete(*keys)) if keys else 0
    client.delete(_user_key(user_id))
    clear_cache()
    return ended


def _forget(session_id: str) -> None:
    with _cache_lock:
        _cache.pop(session_id, None)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _lookup(session_id: str) -> tuple[int, str, str] | None:
    raw = _redis().get(_key(session_id))
    if raw is None:
        return None
    with Session(get_engine()) as db:
        row = db.execute(select(User.id, User.role, User.name).where(User.id == int(raw))).one_or_none()
    return (row.id, row.role, row.name) if row is not None else None


def user_from_cookies(cookies: dict[str, str]) -> tuple[int, str, str] | None:
    """(user id, role, name) of the session the cookie names, or None (then the visitor is anonymous)."""
    session_id = session_id_from_cookies(cookies)
    if session_id is None:
        return None
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(session_id)
    if hit is not None and hit[0] > now:
        found = hit[1]
    else:
        found = _lookup(session_id)
        with _cache_lock:
            if len(_cache) >= _CACHE_MAX:
                _cache.clear()
            _cache[session_id] = (now + get_settings().session_cache_seconds, found)
    return found
