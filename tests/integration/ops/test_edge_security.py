"""Production edge checks on real app processes (issue 19): sign-out, bans and role changes hold on
every worker from the next event; CORS and the event websocket accept APP_URL's origin only.

Two app processes (one backend worker each) on one Postgres and one Redis stand for a multi-worker
deployment, so a test can send the sign-out to one worker and the next vote to the other — the case
the per-process viewer cache got wrong: a vote right after sign-out was stored as the signed-out
user for up to 5 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import redis
import socketio
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.auth import sessions
from setlist_app.auth.cookies import SESSION_COOKIE
from setlist_app.models.users import User
from setlist_app.services.demo_seed import seed_demo_catalog
from tests.integration.ops.cluster import Proc, app_process, service_env, upcoming_songs, wait_http
from tests.integration.ops.wsclient import ShowClient

pytestmark = [
    pytest.mark.slow,  # two app processes
    pytest.mark.timeout(240),
    pytest.mark.postgres_only("two app processes on one database: the production topology"),
]
APP_URL = "https://setlist.example.com"


@pytest.fixture
def apps(engine: Engine, database_url: str, redis_url: str) -> Iterator[list[Proc]]:
    with Session(engine) as session:
        seed_demo_catalog(session)
    redis.Redis.from_url(redis_url).flushdb()
    env = service_env(database_url, redis_url, APP_URL=APP_URL)
    procs = [app_process(f"edge-app{i}", env).start() for i in (1, 2)]
    try:
        for proc in procs:
            wait_http(f"{proc.url}/ping", 120, procs)
        yield procs
    finally:
        for proc in procs:
            proc.stop()


def _fan(engine: Engine, name: str) -> tuple[int, str]:
    """A signed-in fan: (user id, session cookie value)."""
    with Session(engine) as session:
        user = User(name=name, email=f"{name.lower()}@setlist.test")
        session.add(user)
        session.commit()
        user_id = user.id or 0
    return user_id, sessions.create_session(user_id)


def _voter(engine: Engine, prediction_song_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT voter FROM votes WHERE prediction_song_id = :p"), {"p": prediction_song_id}
        ).scalar_one()


async def test_sign_out_and_ban_hold_on_the_other_worker_at_once(
    apps: list[Proc], engine: Engine, database_url: str
) -> None:
    one, other = apps
    slug, _show_id, songs = upcoming_songs(database_url, 1)[0]
    sam_id, sam_cookie = _fan(engine, "Sam")
    riley_id, riley_cookie = _fan(engine, "Riley")
    sam = ShowClient(one.url, slug, session_cookie=sam_cookie)
    riley = ShowClient(one.url, slug, session_cookie=riley_cookie)
    await sam.connect()
    await riley.connect()
    try:
        await sam.vote(songs[0])
        await riley.vote(songs[1])
        assert _voter(engine, songs[0]) == f"u:{sam_id}" and _voter(engine, songs[1]) == f"u:{riley_id}"

        # Sign-out through the other worker (303 to "/"), then the very next vote on this one.
        logout = httpx.post(
            f"{other.url}/auth/logout",
            headers={"Cookie": f"{SESSION_COOKIE}={sam_cookie}", "Origin": other.url},
        )
        assert logout.status_code == 303, logout.text
        await sam.vote(songs[2])
        assert _voter(engine, songs[2]) == f"a:{sam.anon_id}"

        # A ban from another process (an admin's worker) ends Riley's sessions before the next vote.
        sessions.destroy_user_sessions(riley_id)
        await riley.vote(songs[3])
        assert _voter(engine, songs[3]) == f"a:{riley.anon_id}"
    finally:
        await sam.close()
        await riley.close()


async def test_cors_and_the_websocket_accept_only_the_app_origin(
    apps: list[Proc], engine: Engine, database_url: str
) -> None:
    # A page on another site opening our socket with a fan's cookie gets nothing.
    slug = upcoming_songs(database_url, 1)[0][0]
    _user_id, cookie = _fan(engine, "Sam")
    foreign = ShowClient(apps[0].url, slug, session_cookie=cookie, headers={"Origin": "https://evil.example"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await foreign.connect(timeout=10)
    assert not foreign.loaded.is_set() and foreign.live_updates == 0 and not foreign.connected
    own = ShowClient(apps[0].url, slug, session_cookie=cookie, headers={"Origin": APP_URL})
    await own.connect()  # the same cookie from the app's own origin is served
    await own.close()

    for origin, allowed in ((APP_URL, True), ("https://evil.example", False)):
        response = httpx.get(f"{apps[0].url}/ping", headers={"Origin": origin, "Cookie": "sl_anon=x"})
        given = response.headers.get("access-control-allow-origin")
        assert (given == origin) is allowed and (given is None) is not allowed, (origin, given)
