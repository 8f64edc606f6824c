"""Which sign-in providers the settings configure, in which order, with which redirect URIs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from setlist_app.auth.oidc import SignInUnavailable, oidc_providers
from setlist_app.settings import Settings

GOOGLE = {
    "id": "google",
    "issuer_url": "https://accounts.google.com",
    "client_id": "g",
    "client_secret": "gs",
}
CLERK = {"id": "clerk", "issuer_url": "https://happy-otter-1.clerk.accounts.dev/", "client_id": "c"}


def _listed(settings: Settings) -> list[tuple[str, str, str, str]]:
    return [(p.id, p.issuer, p.provider_name, p.callback_path) for p in oidc_providers(settings)]


def test_nothing_configured_means_the_simulators_two_issuers() -> None:
    assert _listed(Settings(simulator_url="http://sim:1/")) == [
        ("demo", "http://sim:1/oidc", "Demo sign-in", "/auth/callback/demo"),
        ("demo-id", "http://sim:1/oidc-b", "Demo ID", "/auth/callback/demo-id"),
    ]


def test_a_list_of_providers_each_with_its_own_button_and_redirect_uri() -> None:
    assert _listed(Settings(oidc_providers=[GOOGLE, {**CLERK, "name": "Clerk login"}])) == [
        ("google", "https://accounts.google.com", "Google", "/auth/callback/google"),
        ("clerk", "https://happy-otter-1.clerk.accounts.dev", "Clerk login", "/auth/callback/clerk"),
    ]


def test_the_single_issuer_settings_come_first_with_their_old_redirect_uri() -> None:
    settings = Settings(
        oidc_issuer_url="https://accounts.google.com", oidc_client_id="g", oidc_providers=[CLERK]
    )
    assert _listed(settings) == [
        ("oidc", "https://accounts.google.com", "Google", "/auth/callback"),
        ("clerk", "https://happy-otter-1.clerk.accounts.dev", "Clerk", "/auth/callback/clerk"),
    ]
    with pytest.raises(SignInUnavailable):
        oidc_providers(Settings(oidc_issuer_url="https://accounts.google.com"))  # no client id


@pytest.mark.parametrize(
    "providers",
    [
        [GOOGLE, GOOGLE],  # the same id twice
        [{**GOOGLE, "id": "spotify"}],  # taken by Spotify connect
        [{**GOOGLE, "id": "Bad Id"}],
        [{**GOOGLE, "client_id": ""}],
        [{**GOOGLE, "issuer_url": "accounts.google.com"}],
    ],
)
def test_a_bad_provider_list_is_refused_at_startup(providers: list[dict[str, str]]) -> None:
    with pytest.raises(ValidationError):
        Settings(oidc_providers=providers)
