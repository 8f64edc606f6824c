"""The simulator and the app share no code (import-linter forbids it); these tests are where they
must agree: the credentials the app uses against the simulator, and how names are compared when
the app asks a fake API to find an artist or an event."""

from __future__ import annotations

import inspect

import pytest

from setlist_app.auth.oidc import SIMULATOR_ISSUERS, SIMULATOR_OIDC_CLIENT
from setlist_app.domain.titles import normalize_name
from setlist_app.providers.factory import SIMULATOR_CREDENTIALS
from simulator import demo_data, oidc
from simulator.app import CREDENTIALS, create_app
from simulator.text import fold


def test_the_app_uses_the_credentials_the_simulator_accepts() -> None:
    assert SIMULATOR_CREDENTIALS == CREDENTIALS
    defaults = inspect.signature(create_app).parameters
    assert {name: defaults[name].default for name in CREDENTIALS} == CREDENTIALS
    assert (oidc.OIDC_CLIENT_ID, oidc.OIDC_CLIENT_SECRET) == SIMULATOR_OIDC_CLIENT


def _demo_names() -> list[str]:
    names = [a["name"] for a in demo_data.read("artists.json")]
    names += [v["name"] for v in demo_data.read("venues.json")]
    for record in demo_data.read("shows.json") + demo_data.read("noise_events.json"):
        names += [record["name"], *record.get("attraction_names", [])]
    return names


@pytest.mark.parametrize("name", sorted(set(_demo_names())))
def test_names_fold_the_same_way(name: str) -> None:
    assert fold(name) == normalize_name(name)


@pytest.mark.parametrize(
    "typed",
    [
        "Beyoncé",
        "BEYONCE",
        "Florence + the Machine",
        "Florence and The Machine",
        "Guns N\u2019 Roses",
        "AC/DC",
    ],
)
def test_what_a_fan_types_folds_the_same_way(typed: str) -> None:
    assert fold(typed) == normalize_name(typed)


def test_the_app_signs_in_at_the_simulators_two_issuers() -> None:
    mounts = {getattr(route, "path", "") for route in create_app().routes}
    assert {path for _, path, _ in SIMULATOR_ISSUERS} == {"/oidc", "/oidc-b"} <= mounts
