"""The request counter's outcome classes and its bucket parsing (no services needed)."""

from __future__ import annotations

import pytest

from setlist_app.providers import request_counter
from setlist_app.providers.breaker import provider_wide
from setlist_app.providers.errors import BadResponse, QuotaExceeded, RateLimited, Unavailable


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "2xx"), (204, "2xx"), (404, "4xx"), (401, "4xx"), (429, "429"), (503, "5xx"), (None, "network")],
)
def test_each_status_has_one_outcome(status: int | None, outcome: str) -> None:
    assert request_counter.outcome_of(status) == outcome
    assert outcome in request_counter.OUTCOMES


def test_a_bucket_splits_into_totals_and_outcomes() -> None:
    bucket = {b"spotify": b"5", b"spotify:2xx": b"3", b"spotify:429": b"2", "ticketmaster": "4"}
    assert request_counter.totals(bucket) == {"spotify": 5, "ticketmaster": 4}
    assert request_counter.by_outcome(bucket) == {"spotify": {"2xx": 3, "429": 2}}


def test_provider_wide_symptoms() -> None:
    assert provider_wide(QuotaExceeded("spotify", "QUOTA_EXCEEDED"))
    assert provider_wide(RateLimited("spotify", 1.0, status=429))
    assert provider_wide(Unavailable("spotify", "timeout"))  # no answer at all
    assert not provider_wide(Unavailable("spotify", "HTTP 503", status=503))  # may be one artist's
    assert not provider_wide(BadResponse("spotify", "HTML page instead of JSON", status=200))
