"""The app behind a real nginx with the README's configuration (`deploy/nginx/setlist.conf`).

nginx (the Debian package; scripts/test.sh installs it) runs as this test's own process on free
ports with a temporary prefix, TLS with a throwaway self-signed certificate. Clients connect from
distinct loopback addresses (127.0.0.2, 127.0.0.3: every 127/8 address is this machine), so nginx
sees two different visitors while it reaches the app from 127.0.0.1, the one trusted proxy. Through
it: HSTS and Secure cookies (TLS ends at nginx), the visitor's own address in the app's log lines,
the anonymous per-IP vote limit counted per visitor (not one bucket for everybody), /metrics denied.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.services.demo_seed import seed_demo_catalog
from setlist_app.settings import PROJECT_ROOT
from tests.integration.ops.cluster import (
    Proc,
    app_process,
    free_port,
    service_env,
    upcoming_songs,
    wait_http,
    wait_port,
)
from tests.integration.ops.wsclient import ShowClient

pytestmark = [
    pytest.mark.slow,  # an app process and nginx
    pytest.mark.timeout(240),
    pytest.mark.postgres_only("the production shape: an app process and a proxy in front of it"),
]
SITE = PROJECT_ROOT / "deploy" / "nginx" / "setlist.conf"
HOST = "setlist.example.com"
VISITOR, OTHER_VISITOR = "127.0.0.2", "127.0.0.3"
PER_IP = 3  # ANON_IP_RATE_PER_MINUTE for this app


def render_site(app_port: int, https_port: int, http_port: int, cert: Path, key: Path) -> str:
    """The README's file with only addresses, ports and certificate paths replaced (each exactly once)."""
    text = SITE.read_text(encoding="utf-8")
    for old, new in (
        ("server 127.0.0.1:3000;", f"server 127.0.0.1:{app_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("/etc/ssl/setlist/fullchain.pem", str(cert)),
        ("/etc/ssl/setlist/privkey.pem", str(key)),
    ):
        assert text.count(old) == 1, f"{SITE} no longer has {old!r} once: update this test"
        text = text.replace(old, new)
    return text


@dataclass
class Edge:
    app: Proc
    url: str  # https://127.0.0.1:<port> (send Host: setlist.example.com)


@pytest.fixture
def edge(engine: Engine, database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Edge]:
    with Session(engine) as session:
        seed_demo_catalog(session)
    redis.Redis.from_url(redis_url).flushdb()
    env = service_env(
        database_url,
        redis_url,
        lift_limits=False,
        APP_URL=f"https://{HOST}",
        TRUSTED_PROXIES="127.0.0.1",
        ANON_IP_RATE_PER_MINUTE=str(PER_IP),
    )
    app = app_process("nginx-app", env).start()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={HOST}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    https_port, http_port = free_port(), free_port()
    site = render_site(int(app.url.rsplit(":", 1)[1]), https_port, http_port, cert, key)
    conf = tmp_path / "nginx.conf"
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        f"daemon off; master_process off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log info;\n"
        f"events {{}}\nhttp {{\naccess_log {tmp_path}/access.log;\n{temp}{site}\n}}\n"
    )
    proxy = Proc(
        "nginx", ["nginx", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")], env
    )
    try:
        wait_http(f"{app.url}/ping", 120, [app])
        proxy.start()
        wait_port(https_port)
        yield Edge(app, f"https://127.0.0.1:{https_port}")
    finally:
        proxy.stop()
        app.stop()


def _client(source: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source, verify=False)
    return httpx.Client(transport=transport, headers={"Host": HOST}, timeout=10)


async def _anonymous_vote(edge: Edge, engine: Engine, slug: str, song: int, source: str) -> bool:
    """One vote by a fresh anonymous visitor at `source`; True when it was stored."""
    voter = ShowClient(
        edge.url, slug, source_address=source, headers={"Host": HOST, "Origin": f"https://{HOST}"}
    )
    await voter.connect()
    try:
        await voter.vote(song)  # a refusal is answered with a toast, not an error
    finally:
        await voter.close()
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM votes WHERE prediction_song_id = :p AND voter = :v"),
            {"p": song, "v": f"a:{voter.anon_id}"},
        ).scalar_one()
    return stored == 1


async def test_behind_nginx(edge: Edge, engine: Engine, database_url: str) -> None:
    with _client(VISITOR) as browser:
        page = browser.get(f"{edge.url}/ping")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        cookies = page.headers.get_list("set-cookie")
        assert cookies and all("; Secure" in c and "HttpOnly" in c for c in cookies), cookies
        # nginx adds the visitor's address after any it was sent: a forged one does not stick.
        refused = browser.post(
            f"{edge.url}/api/admin/tokens/reencrypt", headers={"X-Forwarded-For": "6.6.6.6"}
        )
        assert refused.status_code == 401
        assert browser.get(f"{edge.url}/metrics").status_code == 403
    log = edge.app.log_path.read_text(encoding="utf-8", errors="replace")
    refusal = [line for line in log.splitlines() if "/api/admin/tokens/reencrypt refused" in line]
    assert refusal and f"client={VISITOR}" in refusal[-1] and "6.6.6.6" not in refusal[-1], refusal

    # The anonymous per-IP vote limit: fresh cookies from one visitor share one bucket; another
    # visitor has their own (behind a proxy that is not trusted, everyone shared the proxy's).
    slug, _show_id, songs = upcoming_songs(database_url, 1)[0]
    results = [await _anonymous_vote(edge, engine, slug, songs[i], VISITOR) for i in range(PER_IP + 1)]
    assert results == [True] * PER_IP + [False]
    assert await _anonymous_vote(edge, engine, slug, songs[PER_IP + 1], OTHER_VISITOR)
