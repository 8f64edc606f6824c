"""Security headers on every HTTP response (our routes and the Reflex frontend behind them).

The CSP is what the compiled Reflex app needs, checked in Chromium by tests/e2e/test_auth.py:
scripts from our origin plus inline scripts (Reflex's build inlines its bootstrap and theme
script) and eval (Reflex runs server-sent toasts, call_script and call_function by evaluating
their JavaScript; without it every `rx.toast` from a handler is a CSP error), inline styles
(Emotion/Radix inject them), images from https (artist art) and the local simulator, the event
websocket on our own host. Nothing may frame us, post forms elsewhere, load plugins or rebase URLs.
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


class SecurityHeadersMiddleware:
    """Adds the headers above to HTTP responses that do not set them already."""

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
        extra = security_headers(self.settings, host, scope.get("scheme") == "https")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
