"""Hypothesis: every parser turns any payload into a result or a typed ProviderError, nothing else."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from setlist_app.providers import musicbrainz, setlistfm, spotify, ticketmaster
from setlist_app.providers.errors import BadResponse, ProviderError
from setlist_app.providers.http import decode_json, default_error, retry_after_seconds

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)

# Field names the parsers look for, so hypothesis reaches deep into the shapes, not just the top level.
KEYS = [
    "id",
    "name",
    "items",
    "next",
    "total",
    "artists",
    "genres",
    "images",
    "url",
    "album_type",
    "release_date",
    "track_number",
    "disc_number",
    "duration_ms",
    "external_ids",
    "isrc",
    "_embedded",
    "events",
    "attractions",
    "venues",
    "page",
    "totalElements",
    "totalPages",
    "dates",
    "start",
    "localDate",
    "localTime",
    "dateTime",
    "status",
    "code",
    "classifications",
    "segment",
    "genre",
    "subGenre",
    "primary",
    "city",
    "state",
    "country",
    "countryCode",
    "location",
    "latitude",
    "longitude",
    "upcomingEvents",
    "_total",
    "externalLinks",
    "spotify",
    "musicbrainz",
    "setlist",
    "eventDate",
    "sets",
    "set",
    "song",
    "encore",
    "tape",
    "cover",
    "with",
    "venue",
    "tour",
    "itemsPerPage",
    "sort-name",
    "score",
    "access_token",
    "expires_in",
    "token_type",
]
shaped = st.recursive(
    scalars | st.sampled_from(["2024-05-01", "01-05-2024", "19:30:00", "2024-05-01T19:30:00Z", "canceled"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6)
    ),
    max_leaves=40,
)
payloads = json_values | shaped

PARSERS: list[Callable[[Any], Any]] = [
    spotify.parse_artist,
    spotify.parse_search,
    spotify.parse_album_page,
    lambda p: spotify.parse_track_page(p, "album"),
    ticketmaster.parse_event,
    ticketmaster.parse_venue,
    ticketmaster.parse_events_page,
    ticketmaster.parse_attractions_page,
    setlistfm.parse_setlist,
    setlistfm.parse_setlist_page,
    musicbrainz.parse_artist,
    musicbrainz.parse_search,
]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: getattr(p, "__qualname__", "lambda"))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads)
def test_parsers_never_raise_untyped(parser: Callable[[Any], Any], payload: Any) -> None:
    try:
        parser(payload)
    except BadResponse as exc:
        assert exc.provider


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=200), ctype=st.sampled_from(["application/json", "text/html", ""]))
def test_decode_json_any_bytes(body: bytes, ctype: str) -> None:
    response = httpx.Response(200, content=body, headers={"content-type": ctype})
    with contextlib.suppress(BadResponse):
        decode_json("spotify", response)


@settings(max_examples=200, deadline=None)
@given(status=st.integers(400, 599), retry=st.text(max_size=40), body=st.binary(max_size=60))
def test_error_mapping_is_typed(status: int, retry: str, body: bytes) -> None:
    headers = {"retry-after": retry} if retry.isprintable() and retry.isascii() else {}
    response = httpx.Response(status, content=body, headers=headers)
    assert 0 <= retry_after_seconds(response) <= 86400
    for classify in (spotify.classify, ticketmaster.classify, musicbrainz.classify):
        error = classify("p", response) or default_error("p", response)
        assert isinstance(error, ProviderError)


def test_retry_after_forms() -> None:
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "3"})) == 3
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "junk"})) == 1.0
    assert (
        retry_after_seconds(httpx.Response(429, headers={"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}))
        == 0
    )
