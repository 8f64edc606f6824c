"""The client's real address and scheme behind a reverse proxy (README "Production", TRUSTED_PROXIES).

uvicorn's `ProxyHeadersMiddleware` (a pinned dependency) does the parsing: only when the socket's
peer is one of `TRUSTED_PROXIES` (IPs or CIDRs) does it take the scheme from `X-Forwarded-Proto` and
the client from `X-Forwarded-For` (the right-most address that is not itself a trusted proxy, so a
client cannot spoof its address by sending its own header). It rewrites the ASGI scope's `client`
and `scheme` for HTTP and websocket requests alike, before anything else reads them: our routes,
the per-IP limits (Reflex's `router.session.client_ip` comes from the websocket scope's client),
log lines and the HSTS/Secure-cookie decision. `Forwarded` (RFC 7239) is not read: nginx sends the
X- headers (deploy/nginx/setlist.conf).
"""

from __future__ import annotations

from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from setlist_app.settings import Settings, get_settings


def trusted_proxies(app: ASGIApp, settings: Settings | None = None) -> ASGIApp:
    """`app` with forwarded headers believed from `TRUSTED_PROXIES` only (none by default)."""
    hosts = list((settings or get_settings()).trusted_proxies)
    return ProxyHeadersMiddleware(app, trusted_hosts=hosts)  # type: ignore[arg-type]
