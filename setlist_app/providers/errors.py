"""One typed error family for every provider client.

Callers (executors, breakers) branch on the class, never on status codes or message text.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class: something went wrong talking to `provider`."""

    #: Whether the failure says something about the provider's health (counts toward its breaker).
    counts_as_failure: bool = True

    def __init__(self, provider: str, message: str = "", *, status: int | None = None) -> None:
        self.provider = provider
        self.status = status
        self.message = message or self.__class__.__name__
        super().__init__(f"{provider}: {self.message}")


class RateLimited(ProviderError):
    """The provider (or our shared limiter) asks us to wait `retry_after` seconds."""

    def __init__(self, provider: str, retry_after: float, message: str = "", *, status: int | None = None):
        self.retry_after = max(0.0, float(retry_after))
        super().__init__(
            provider, message or f"rate limited, retry after {self.retry_after:.1f}s", status=status
        )


class QuotaExceeded(ProviderError):
    """The provider's quota (daily budget, Spotify QUOTA_EXCEEDED) is used up; opens the circuit."""


class NotFound(ProviderError):
    """The requested resource does not exist; not a provider health problem."""

    counts_as_failure = False


class BadResponse(ProviderError):
    """The provider answered with something we cannot use (malformed JSON, HTML, wrong shape, 4xx)."""


class Unavailable(ProviderError):
    """The provider could not be reached or failed (5xx, timeout, connection error, open circuit)."""
