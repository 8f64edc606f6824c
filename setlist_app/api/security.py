"""Security headers on every HTTP response (our routes and the Reflex frontend behind them).

The CSP is what the compiled Reflex app needs, checked in Chromium by tests/e2e/test_auth.py:
scripts from our origin plus inline scripts (Reflex's build inlines its bootstrap and theme
script) and eval (Reflex runs server-sent toasts, call_script and call_function by evaluating
their JavaScript; without it every `rx.toast` from a handler is a CSP error), inline styles
(Emotion/Radix inject them), images from https (artist art) and the local simulator, the event
websocket on our own host. Nothing may frame us, post forms elsewhere, load plugins or rebase URLs.

HSTS and the `Secure` flag on every cookie we set (the anonymous id, the session, the sign-in flow's)
follow one rule, `is_https`: the request's effective scheme (a trusted proxy's X-Forwarded-Proto,
see `api/proxy.py`) or an https `APP_URL`.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from setlist_app.settings import Settings, get_settings


def content_security_policy(settings: Settings, host: str) -> str:
    """The CSP for a response served to `host` (the websocket must go back to the same host)."""
    images = ["'self'", "data:", "blob:", "https:"]
    if settings.uses_simulator:
        images.append(settings.simulator_url.rstrip("/"))
    connect = ["'self'"] + ([f"ws://{host}", f"wss://{host}"] if host else [])
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(settings: Settings, host: str, https: bool) -> dict[str, str]:
    headers = {
        "content-security-policy": content_security_policy(settings, host),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return headers


def is_https(scope: Scope, settings: Settings) -> bool:
    """True when the browser reached us over TLS, directly or through a trusted proxy."""
    return scope.get("scheme") == "https" or settings.app_url.startswith("https://")


def secure_cookie(set_cookie: str) -> str:
    """A Set-Cookie value with the `Secure` attribute (added once)."""
    attributes = [part.strip().lower() for part in set_cookie.split(";")[1:]]
    return set_cookie if "secure" in attributes else f"{set_cookie}; Secure"


class SecurityHeadersMiddleware:
    """Adds the headers above to HTTP responses that do not set them already; over https, marks
    every cookie `Secure`."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings or get_settings()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        # A hostile Host header must not inject directives.
        host = host if host and all(c.isalnum() or c in ".-:[]" for c in host) else ""
        https = is_https(scope, self.settings)
        extra = security_headers(self.settings, host, https)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
                if https:
                    message["headers"] = [
                        (k, secure_cookie(v.decode("latin-1")).encode("latin-1") if k == b"set-cookie" else v)
                        for k, v in message["headers"]
                    ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
