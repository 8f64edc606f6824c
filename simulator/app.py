"""The simulator app: one Starlette process serving every fake provider API.

Mounts: /spotify (/v1/...), /spotify-accounts (/api/token; /authorize is added by the auth work),
/spotify-images (generated SVG artwork), /ticketmaster (/discovery/v2/...), /setlistfm (/rest/1.0/...),
/musicbrainz (/ws/2/...), and two OIDC issuers at /oidc and /oidc-b. Control: GET /__hits,
POST /__reset, POST /__faults, POST /__spotify/expire-tokens.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from simulator import control, musicbrainz, oidc, setlistfm, spotify, spotify_user, ticketmaster
from simulator.catalog import DATA_DIR, Catalog

#: The keys the fake APIs accept by default. The app has its own copy for when no real keys are set
#: (`setlist_app.providers.factory.SIMULATOR_CREDENTIALS`); tests/unit/test_simulator_contract.py
#: checks the two agree.
CREDENTIALS = {
    "spotify_client_id": "sim-spotify-client",
    "spotify_client_secret": "sim-spotify-secret",
    "ticketmaster_api_key": "sim-ticketmaster-key",
    "setlistfm_api_key": "sim-setlistfm-key",
}


async def _expire_tokens(request: Request) -> Response:
    request.app.state.spotify_accounts.expire_all()
    return JSONResponse({"ok": True})


async def _health(request: Request) -> Response:
    cat: Catalog = request.app.state.catalog
    return JSONResponse({"ok": True, "artists": len(cat.artists), "shows": len(cat.shows)})


def _oidc_mounts() -> list[BaseRoute]:
    """Two OIDC issuers, so the app's several sign-in providers run end to end."""
    return [
        Mount("/oidc", app=oidc.create_oidc_app(oidc.DEMO_USERS)),
        Mount("/oidc-b", app=oidc.create_oidc_app(oidc.SECOND_ISSUER_USERS)),
    ]


def create_app(
    data_dir: Path = DATA_DIR,
    *,
    catalog: Catalog | None = None,
    spotify_client_id: str = CREDENTIALS["spotify_client_id"],
    spotify_client_secret: str = CREDENTIALS["spotify_client_secret"],
    ticketmaster_api_key: str = CREDENTIALS["ticketmaster_api_key"],
    setlistfm_api_key: str = CREDENTIALS["setlistfm_api_key"],
    token_ttl: int = 3600,
    tm_deep_limit: int = 1000,
    today: date | None = None,
) -> Starlette:
    """Build the simulator over `catalog` (default: the bundled demo data in `data_dir`, its dates
    anchored to `today`, the wall-clock day unless given)."""
    v1 = [*spotify.api_routes(), *spotify_user.me_routes]
    routes: list[BaseRoute] = [
        Route("/__hits", control.hits),
        Route("/__reset", control.reset, methods=["POST"]),
        Route("/__faults", control.faults, methods=["POST"]),
        Route("/__spotify/expire-tokens", _expire_tokens, methods=["POST"]),
        Route("/__health", _health),
        *spotify_user.control_routes,
        Mount("/spotify", routes=[Mount("/v1", routes=v1)]),
        Mount("/spotify-accounts", routes=[*spotify_user.accounts_routes, *spotify.accounts_routes]),
        Mount("/spotify-images", routes=spotify.image_routes),
        Mount("/ticketmaster", routes=ticketmaster.routes),
        Mount("/setlistfm", routes=setlistfm.routes),
        Mount("/musicbrainz", routes=musicbrainz.routes),
        *_oidc_mounts(),
    ]
    app = Starlette(routes=routes)
    state = app.state
    state.catalog = catalog if catalog is not None else Catalog.load(data_dir, today)
    state.control = control.Control()
    state.spotify_accounts = spotify.Accounts(spotify_client_id, spotify_client_secret, token_ttl)
    state.keys = {"ticketmaster": ticketmaster_api_key, "setlistfm": setlistfm_api_key}
    state.tm_deep_limit = tm_deep_limit
    state.tm_events = None
    app.add_middleware(control.ControlMiddleware, control=state.control)
    return app
