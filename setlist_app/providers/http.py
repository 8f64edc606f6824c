"""Shared httpx plumbing: one place that turns HTTP outcomes into the typed error family."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from setlist_app.models.base import utcnow
from setlist_app.observability import metrics
from setlist_app.providers.errors import (
    BadResponse,
    NotFound,
    ProviderError,
    RateLimited,
    Unavailable,
)
from setlist_app.providers.ratelimit import RateLimiter
from setlist_app.providers.request_counter import RequestHook, outcome_of

#: Provider-specific classification of a non-2xx response; None falls back to the defaults.
Classifier = Callable[[str, httpx.Response], ProviderError | None]
AuthHeaders = Callable[[], Awaitable[dict[str, str]]]

DEFAULT_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 24 * 3600.0


def retry_after_seconds(response: httpx.Response, default: float = DEFAULT_RETRY_AFTER) -> float:
    """Seconds from a `Retry-After` header (delta seconds or HTTP date), clamped to [0, 1 day]."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        try:
            value = (parsedate_to_datetime(raw) - utcnow()).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return default
    if value != value:  # NaN
        return default
    return min(max(value, 0.0), MAX_RETRY_AFTER)


def decode_json(provider: str, response: httpx.Response) -> Any:
    """The JSON body of a response, or `BadResponse` for HTML pages and malformed JSON."""
    ctype = response.headers.get("content-type", "")
    if "html" in ctype or response.content.lstrip()[:1] == b"<":
        raise BadResponse(provider, "HTML page instead of JSON", status=response.status_code)
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError) as exc:
        raise BadResponse(provider, f"malformed JSON: {exc}", status=response.status_code) from exc


def default_error(provider: str, response: httpx.Response) -> ProviderError:
    """Map a non-2xx status to the error family."""
    status = response.status_code
    if status == 404:
        return NotFound(provider, "not found", status=status)
    if status == 429:
        return RateLimited(provider, retry_after_seconds(response), status=status)
    if status >= 500:
        return Unavailable(provider, f"HTTP {status}", status=status)
    return BadResponse(provider, f"HTTP {status}: {response.text[:200]}", status=status)


class ProviderHttp:
    """An httpx client bound to one provider: rate limit, auth, error mapping, bounded 429 retries."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        headers: dict[str, str] | None = None,
        classify: Classifier | None = None,
        auth: AuthHeaders | None = None,
        on_unauthorized: Callable[[], Awaitable[None]] | None = None,
        max_retries: int = 2,
        max_retry_after: float = 30.0,
    ) -> None:
        self.provider = provider
        self.limiter = limiter
        self._classify = classify
        self._auth = auth
        self._on_unauthorized = on_unauthorized
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        #: Called once per exchange (each page, each retry, each failure); the factory wires the
        #: shared request counter (`request_counter.hook`).
        self.on_request: RequestHook | None = None
        self.client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json", **(headers or {})},
        )

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET `path` (relative to the base URL) and return decoded JSON or raise a ProviderError."""
        reauthed = False
        attempt = 0
        while True:
            if self.limiter is not None:
                await self.limiter.acquire(self.provider)
            response = await self._send(path.lstrip("/"), params)
            if response.is_success:
                return decode_json(self.provider, response)
            if response.status_code == 401 and self._on_unauthorized and not reauthed:
                reauthed = True
                await self._on_unauthorized()
                continue
            error = (self._classify and self._classify(self.provider, response)) or default_error(
                self.provider, response
            )
            if isinstance(error, RateLimited):
                retry = attempt < self.max_retries and error.retry_after <= self.max_retry_after
                if self.limiter is not None:
                    await self.limiter.pause(self.provider, error.retry_after)  # acquire() waits it out
                elif retry:
                    await asyncio.sleep(error.retry_after)
                if retry:
                    attempt += 1
                    continue
            raise error

    async def _send(self, path: str, params: dict[str, Any] | None) -> httpx.Response:
        headers = await self._auth() if self._auth else None
        started = time.perf_counter()
        try:
            response = await self.client.get(path, params=params, headers=headers)
        except httpx.TimeoutException as exc:
            await self.record("timeout", started)
            raise Unavailable(self.provider, f"timeout: {exc!r}") from exc
        except httpx.HTTPError as exc:
            await self.record("error", started)
            raise Unavailable(self.provider, f"transport error: {exc!r}") from exc
        await self.record(response.status_code, started)
        return response

    async def record(self, status: int | str, started: float) -> None:
        """One exchange (`status`: HTTP status, "timeout" or "error"): the process metric, and the
        shared request counter when one is wired. Public for requests made beside `get` (Spotify's
        token endpoint), which the provider counts as well."""
        metrics.provider_call(self.provider, status, started)
        if self.on_request is not None:
            await self.on_request(self.provider, outcome_of(status if isinstance(status, int) else None))

    async def aclose(self) -> None:
        await self.client.aclose()
