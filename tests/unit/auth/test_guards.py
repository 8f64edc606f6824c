"""Small pure checks: redirect targets, names, avatars, same-origin, CSP."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from setlist_app.api.auth_routes import safe_next
from setlist_app.api.guards import same_origin
from setlist_app.api.security import content_security_policy
from setlist_app.auth.accounts import clean_name, safe_avatar_url
from setlist_app.settings import Settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/shows/x?a=1", "/shows/x?a=1"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
        (None, "/"),
        ("/" + "a" * 600, "/"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_clean_name_and_avatar() -> None:
    assert clean_name("  Ada \u202e\u0000 Lovelace\n") == "Ada Lovelace"
    assert clean_name("") == "Fan" and len(clean_name("x" * 999)) == 200
    assert clean_name("<b>hi</b>") == "<b>hi</b>"  # kept as text: rendering escapes it
    assert safe_avatar_url("https://a.example/p.png") == "https://a.example/p.png"
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://a.example/a b", "https://" + "a" * 1000):
        assert safe_avatar_url(bad) is None


def _request(**headers: str) -> Request:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in {"host": "app.test", **headers}.items()]
    return Request({"type": "http", "method": "POST", "headers": raw, "path": "/"})


def test_same_origin() -> None:
    assert same_origin(_request(origin="http://app.test"))
    assert same_origin(_request())  # not a browser request: nothing to forge
    assert not same_origin(_request(origin="https://evil.example"))
    assert not same_origin(_request(origin="null"))
    assert not same_origin(_request(referer="https://evil.example/page"))
    assert not same_origin(_request(sec_fetch_site="cross-site"))


def test_csp_allows_only_what_the_app_needs() -> None:
    csp = content_security_policy(Settings(_env_file=None), "app.test")
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "form-action 'self'" in csp
    assert "connect-src 'self' ws://app.test wss://app.test" in csp
    assert "http://127.0.0.1:8765" in csp  # simulator artwork in the demo
