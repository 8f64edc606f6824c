"""Unknown artists, shows, venues and fans answer HTTP 404 with the app's own not-found page.

The app's real Starlette front (`build_api`) is placed over a stand-in for Reflex's frontend mount,
which, like Reflex, answers every page path with the same SPA shell and status 200 (the browser
test in tests/e2e/test_regressions.py runs the same check against the real app).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.testclient import TestClient

from setlist_app.api.app import build_api
from setlist_app.models import Role, User
from tests.fixtures.voting import make_show

SHELL = "<!doctype html><html><body><div id='root'>the app shell</div></body></html>"
ETAG = '"shell"'


async def _spa_shell(request: Request) -> Response:
    """Like a static file server: the shell, or 304 when the browser already has it."""
    if request.headers.get("if-none-match") == ETAG:
        return Response(status_code=304, headers={"etag": ETAG})
    return HTMLResponse(SHELL, headers={"etag": ETAG})


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    """The app's HTTP front over an SPA stand-in; known rows: artist-a, show-a, venue-a, two fans."""
    make_show(session, tag="a")
    session.add_all([User(id=41, name="Known Fan"), User(id=42, name="Gone Fan", role=Role.BANNED)])
    session.commit()
    api = build_api()
    spa = Starlette()
    spa.add_route("/{path:path}", _spa_shell, methods=["GET", "HEAD", "POST"])
    api.mount("", spa)
    with TestClient(api) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("known", "unknown"),
    [
        ("/artists/artist-a", "/artists/no-such-artist"),
        ("/shows/show-a", "/shows/no-such-show"),
        ("/venues/venue-a", "/venues/no-such-venue"),
        ("/users/41", "/users/987654"),
    ],
)
def test_known_pages_answer_200_and_unknown_ones_404(client: TestClient, known: str, unknown: str) -> None:
    ok = client.get(known)
    assert (ok.status_code, ok.text) == (200, SHELL)
    missing = client.get(unknown)
    assert (missing.status_code, missing.text) == (404, SHELL)  # the same page: it shows "not found"
    assert missing.headers["cache-control"] == "no-cache"
    assert client.head(unknown).status_code == 404


@pytest.mark.parametrize("path", ["/users/42", "/users/not-a-number", "/users/99999999999", "/users/0"])
def test_banned_or_impossible_fans_are_not_found(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_conditional_request_cannot_turn_the_404_into_304(client: TestClient) -> None:
    assert client.get("/artists/no-such-artist", headers={"if-none-match": ETAG}).status_code == 404


@pytest.mark.parametrize("path", ["/artists", "/artists/artist-a/", "/shows/no-such-show/extra", "/search"])
def test_other_paths_are_left_alone(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_only_page_reads_are_checked(client: TestClient) -> None:
    assert client.post("/artists/no-such-artist").status_code == 200
