"""Signed cookies: values round-trip; forged, swapped-purpose and expired values are refused."""

from __future__ import annotations

from setlist_app.api.middleware import anon_cookie_header
from setlist_app.auth.cookies import ANON_COOKIE, anon_id_from_cookies, parse_cookie_header, sign, unsign
from setlist_app.auth.viewer import viewer_from_cookie_header


def test_roundtrip_and_tampering() -> None:
    token = sign("abc", "anon")
    assert unsign(token, "anon", 60) == "abc"
    assert unsign(token[:-2] + "xx", "anon", 60) is None
    assert unsign(token, "session", 60) is None  # a token for one purpose is useless for another
    assert unsign("", "anon", 60) is None
    assert unsign(None, "anon", 60) is None


def test_expired_token_is_refused() -> None:
    token = sign("abc", "anon")
    assert unsign(token, "anon", -1) is None


def test_cookie_header_parsing_is_lenient() -> None:
    assert parse_cookie_header('a=1; b="two"') == {"a": "1", "b": "two"}
    assert parse_cookie_header(None) == {}
    assert isinstance(parse_cookie_header("\x00;;=;\u2603"), dict)


def test_anon_cookie_header_is_httponly_and_verifiable() -> None:
    header = anon_cookie_header()
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    value = header.split(";", 1)[0].split("=", 1)[1]
    anon = anon_id_from_cookies({ANON_COOKIE: value})
    assert anon is not None
    assert viewer_from_cookie_header(f"{ANON_COOKIE}={value}").voter_key == f"a:{anon}"


def test_forged_anon_cookie_gives_no_voter() -> None:
    assert viewer_from_cookie_header(f"{ANON_COOKIE}=forged-value").voter_key is None
