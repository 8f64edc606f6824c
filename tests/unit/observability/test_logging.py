"""Structured logs with context ids, and no secret, token, cookie or authorization value in any line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from setlist_app.observability import logging as obs_logging
from setlist_app.settings import Settings

SECRETS = {
    "secret_key": "s3cr3t-signing-key-0123456789",
    "oidc_client_secret": "oidc-client-secret-value",
    "spotify_client_secret": "spotify-secret-value",
    "ticketmaster_api_key": "tm-api-key-value",
    "setlistfm_api_key": "sfm-api-key-value",
    "metrics_token": "metrics-bearer-token",
    "token_encryption_keys": "k1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=,k0:b2xkLWtleS1vbGQta2V5",
}


@pytest.fixture
def capture() -> logging.Handler:
    settings = Settings(environment="prod", log_format="json", **SECRETS)
    stream = io.StringIO()
    handler = obs_logging.configure_logging(settings, stream=stream)
    handler.stream_value = stream  # type: ignore[attr-defined]
    yield handler
    obs_logging.configure_logging(Settings(), stream=io.StringIO())


def lines(handler: logging.Handler) -> list[dict]:
    return [json.loads(line) for line in handler.stream_value.getvalue().splitlines()]  # type: ignore[attr-defined]


HOSTILE = [
    ("header %s", ("Authorization: Bearer abc.def.ghi",)),
    (
        "headers %r",
        ({"authorization": "Basic dXNlcjpwYXNz", "cookie": "sl_session=xyz123; sl_anon=anon456"},),
    ),
    ("scope headers %s", ([(b"cookie", b"sl_session=xyz123"), (b"authorization", b"Bearer tok999")],)),
    ("Set-Cookie: sl_session=xyz123; HttpOnly", ()),
    ("token response %s", ('{"access_token": "at-111", "refresh_token": "rt-222", "expires_in": 3600}',)),
    ("callback GET /auth/callback?code=authcode777&state=st888", ()),
    ("redis at redis://user:redispass@host:6379/0", ()),
    ("jwt %s", ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ",)),
    ("client_secret=%s api_key=%s password=%s", ("cs-333", "ak-444", "pw-555")),
    ("settings dump %s", (SECRETS,)),
    ("x-api-key: %s", ("sfm-other-999",)),
    ("code_verifier=%s", ("ver-666",)),
]
LEAKS = [
    "abc.def.ghi",
    "dXNlcjpwYXNz",
    "xyz123",
    "anon456",
    "tok999",
    "at-111",
    "rt-222",
    "authcode777",
    "st888",
    "redispass",
    "c2lnbmF0dXJlLXBhcnQ",
    "cs-333",
    "ak-444",
    "pw-555",
    "sfm-other-999",
    "ver-666",
    *SECRETS.values(),
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
    "b2xkLWtleS1vbGQta2V5",
]


def test_no_secret_reaches_a_log_line(capture: logging.Handler) -> None:
    log = logging.getLogger("setlist.test")
    for message, args in HOSTILE:
        log.warning(message, *args)
    try:
        raise RuntimeError(f"failed with Authorization: Bearer tok999 and {SECRETS['secret_key']}")
    except RuntimeError:
        log.exception("boom token=%s", "at-111")
    log.info("extra", extra={"cookie_header": "sl_session=xyz123", "detail": "Bearer tok999"})
    logging.getLogger("granian.access").error("Cookie: sl_anon=anon456")  # other loggers too
    output = capture.stream_value.getvalue()  # type: ignore[attr-defined]
    assert output.count("\n") == len(HOSTILE) + 3
    for leak in LEAKS:
        assert leak not in output, leak
    assert "[REDACTED]" in output
    assert "expires_in" in output and "/auth/callback" in output  # the rest of the line survives


def test_json_lines_carry_context_ids(capture: logging.Handler) -> None:
    log = logging.getLogger("setlist.test")
    with obs_logging.context(request_id="req-1"):
        log.info("in a request")
        with obs_logging.context(job_id=7, job_kind="catalog_sync"):
            log.info("in a job")
    log.info("outside")
    first, second, third = lines(capture)
    assert first["request_id"] == "req-1" and first["msg"] == "in a request" and first["level"] == "info"
    assert second["job_id"] == 7 and second["job_kind"] == "catalog_sync" and second["request_id"] == "req-1"
    assert "request_id" not in third and "ts" in third and third["logger"] == "setlist.test"


def test_development_format_is_readable() -> None:
    stream = io.StringIO()
    obs_logging.configure_logging(Settings(environment="dev"), stream=stream)
    with obs_logging.context(event_id="e1"):
        logging.getLogger("setlist.dev").warning("hello %s", "world")
    line = stream.getvalue().strip()
    assert "WARNING" in line and "setlist.dev: hello world [event_id=e1]" in line
    assert not line.startswith("{")


def test_every_sign_in_providers_client_secret_is_redacted() -> None:
    clerk = {"id": "clerk", "issuer_url": "https://x.clerk.accounts.dev", "client_id": "c"}
    stream = io.StringIO()
    obs_logging.configure_logging(
        Settings(oidc_providers=[{**clerk, "client_secret": "clerk-secret-4242"}]), stream=stream
    )
    try:
        logging.getLogger("setlist.test").warning("the issuer echoed %s", "clerk-secret-4242")
    finally:
        obs_logging.configure_logging(Settings(), stream=io.StringIO())
    assert "clerk-secret-4242" not in stream.getvalue() and "[REDACTED]" in stream.getvalue()
