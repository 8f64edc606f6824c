"""Signed-in sessions: a signed cookie naming a server-side session (Redis), resolved to a user.

The cookie carries `sign(session id)`; Redis maps sha256(session id) -> user id with the session's
lifetime, so sign-out and "end all sessions" work server-side and a Redis dump holds no usable
cookie. The role and name come from the users table; each process caches them per session (for
`session_cache_seconds`, because states resolve the viewer on every event), but a cached answer is
used only after one Redis round trip (MGET) shows that the session still exists and that the user's
version is the one the answer was read at. So sign-out and `destroy_user_sessions` (a ban, "sign out
everywhere") hold on every worker from the next event, and `user_changed` (a role change) makes every
worker re-read the user on its next event: no cross-process cache invalidation to miss.
Losing Redis signs everyone out; it never grants anything.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis
from sqlalchemy import event, select
from sqlmodel import Session

from setlist_app.auth.cookies import SESSION_COOKIE, sign, unsign
from setlist_app.db import get_engine
from setlist_app.models.users import User
from setlist_app.settings import get_settings

_PREFIX = "setlist:session"
_CACHE_MAX = 10_000
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class _Cached:
    expires: float  # time.monotonic()
    user: tuple[int, str, str] | None  # (id, role, name); None: no such session
    version: bytes | None  # the user's version key when `user` was read


_cache: dict[str, _Cached] = {}


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


def _version_key(user_id: int) -> str:
    return f"{_PREFIX}:version:{user_id}"


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
    """End every session of a user at once on every worker (a ban, "sign out everywhere", a deleted
    account); returns how many were live."""
    client = _redis()
    keys = [k.decode() for k in client.smembers(_user_key(user_id))]
    ended = int(client.delete(*keys)) if keys else 0
    client.delete(_user_key(user_id))
    user_changed(user_id)
    return ended


def user_changed(user_id: int) -> None:
    """Make every worker re-read this user's role and name on its next event (call it after the
    change is committed: a worker reading before the commit would cache the old row at the new
    version)."""
    pipe = _redis().pipeline()
    pipe.incr(_version_key(user_id))
    pipe.expire(_version_key(user_id), get_settings().session_max_age_seconds)
    pipe.execute()


def user_changed_after_commit(db: Session, user_id: int) -> None:
    """`user_changed` once `db` commits (role changes are written inside an admin transaction)."""
    event.listen(db, "after_commit", lambda _db: user_changed(user_id), once=True)


def _forget(session_id: str) -> None:
    with _cache_lock:
        _cache.pop(session_id, None)


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _lookup(session_id: str, expires: float) -> _Cached:
    client = _redis()
    raw = client.get(_key(session_id))
    if raw is None:
        return _Cached(expires, None, None)
    version = client.get(_version_key(int(raw)))  # before the row: a later change bumps it again
    with Session(get_engine()) as db:
        row = db.execute(select(User.id, User.role, User.name).where(User.id == int(raw))).one_or_none()
    return _Cached(expires, (row.id, row.role, row.name) if row is not None else None, version)


def _still_valid(session_id: str, hit: _Cached) -> bool:
    """One round trip: the session still names this user, whose version has not moved."""
    if hit.user is None:
        return True  # an unknown session id never becomes valid (new sessions get new ids)
    owner, version = _redis().mget(_key(session_id), _version_key(hit.user[0]))
    return owner == str(hit.user[0]).encode() and version == hit.version


def user_from_cookies(cookies: dict[str, str]) -> tuple[int, str, str] | None:
    """(user id, role, name) of the session the cookie names, or None (then the visitor is anonymous)."""
    session_id = session_id_from_cookies(cookies)
    if session_id is None:
        return None
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(session_id)
    if hit is None or hit.expires <= now or not _still_valid(session_id, hit):
        hit = _lookup(session_id, now + get_settings().session_cache_seconds)
        with _cache_lock:
            if len(_cache) >= _CACHE_MAX:
                _cache.clear()
            _cache[session_id] = hit
    return hit.user
