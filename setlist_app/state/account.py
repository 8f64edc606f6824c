"""Who is signed in (for the navigation) and the account page.

Only the viewer's own profile reaches the browser; tokens, session ids and other users' data
never enter a public var.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from setlist_app.auth.accounts import AccountSummary, account_summary
from setlist_app.auth.crypto import EncryptionUnavailable, cipher_from_settings
from setlist_app.auth.oidc import oidc_providers
from setlist_app.db import run_db
from setlist_app.services.account import LAST_ADMIN, SignInMethod, sign_in_methods
from setlist_app.services.formatting import initials
from setlist_app.services.notifications import email_digest, set_email_digest
from setlist_app.services.spotify_import import SpotifyStatus, spotify_status
from setlist_app.settings import get_settings
from setlist_app.state.viewer import ViewerMixin

SPOTIFY_FLASH = {
    "connected": "Spotify connected — your artists are imported and followed.",
    "imported": "Imported your latest Spotify artists.",
    "disconnected": "Spotify disconnected. Your tokens were deleted.",
    "throttled": "You imported a moment ago; try again in a few minutes.",
    "reconnect": "Your Spotify connection expired — reconnect Spotify.",
    "import_failed": "Connected, but Spotify didn't answer; try importing again later.",
    "failed": "Connecting Spotify didn't work. Please try again.",
    "disabled": "Spotify connect is turned off on this server.",
}


ACCOUNT_FLASH = {
    "deleted": "Your account was deleted. Your votes still count, anonymously.",
    "refused": LAST_ADMIN,
}


@dataclass
class SignInMethodRow:
    provider: str = ""
    email: str = ""


@dataclass
class ProviderButton:
    label: str = ""
    href: str = ""


@dataclass
class ImportedArtistRow:
    name: str = ""
    slug: str = ""
    image_url: str = ""
    source: str = ""


class SessionState(ViewerMixin, rx.State):
    """The navigation's account menu."""

    signed_in: bool = False
    display_name: str = ""
    avatar_url: str = ""
    is_admin: bool = False

    @rx.event
    async def refresh(self) -> None:
        viewer = await self._viewer()
        summary = await run_db(account_summary, viewer.user_id) if viewer.user_id is not None else None
        self.signed_in = summary is not None
        self.display_name = summary.name if summary else ""
        self.avatar_url = summary.avatar_url if summary else ""
        self.is_admin = viewer.is_admin

    @rx.var
    def initials(self) -> str:
        return initials(self.display_name) if self.display_name else "?"


def _account(
    session: Session, user_id: int
) -> tuple[AccountSummary | None, SpotifyStatus, list[SignInMethod], bool]:
    settings = get_settings()
    try:
        cipher: object = cipher_from_settings(settings)
    except EncryptionUnavailable as exc:
        cipher = exc
    return (
        account_summary(session, user_id),
        spotify_status(session, cipher, user_id),  # type: ignore[arg-type]
        sign_in_methods(session, user_id, settings),
        email_digest(session, user_id),
    )


class AccountState(ViewerMixin, rx.State):
    loading: bool = True
    signed_in: bool = False
    name: str = ""
    email: str = ""
    avatar_url: str = ""
    role: str = ""
    spotify_available: bool = True
    spotify_message: str = ""
    spotify_connected: bool = False
    spotify_needs_reconnect: bool = False
    spotify_artists: list[ImportedArtistRow] = []
    sign_in_methods: list[SignInMethodRow] = []
    email_digest: bool = False
    sends_email: bool = False  # the server has SMTP_URL (the switch is a stored choice either way)
    flash: str = ""

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        # A browser tab keeps its page state across sign-out and sign-in: show the skeleton at once,
        # never the previous account's name, e-mail and sign-in methods while this one loads.
        self.loading, self.name, self.email, self.avatar_url = True, "", "", ""
        self.sign_in_methods, self.spotify_artists = [], []
        yield
        viewer = await self._viewer()
        query = self.router.url.query_parameters
        self.flash = SPOTIFY_FLASH.get(str(query.get("spotify", "")), "") or ACCOUNT_FLASH.get(
            str(query.get("account", "")), ""
        )
        summary, spotify, methods, digest = (
            (None, None, [], False) if viewer.user_id is None else await run_db(_account, viewer.user_id)
        )
        self.signed_in = summary is not None
        self.email_digest, self.sends_email = digest, bool(get_settings().smtp_url)
        self.sign_in_methods = [SignInMethodRow(m.provider, m.email) for m in methods]
        if summary is not None and spotify is not None:
            self.name, self.email, self.avatar_url, self.role = (
                summary.name,
                summary.email,
                summary.avatar_url,
                summary.role,
            )
            self.spotify_available = spotify.available
            self.spotify_message = spotify.message
            self.spotify_connected = spotify.connected
            self.spotify_needs_reconnect = spotify.needs_reconnect
            self.spotify_artists = [
                ImportedArtistRow(a.name, a.slug, a.image_url or "", a.source) for a in spotify.artists
            ]
        self.loading = False

    @rx.event
    async def set_email_digest(self, on: bool):  # type: ignore[no-untyped-def]
        """The digest switch: the same setting the digest's unsubscribe link turns off."""
        viewer = await self._viewer()
        if viewer.user_id is None or not await run_db(set_email_digest, viewer.user_id, bool(on)):
            self.signed_in = False
            return rx.toast.error("Your session ended. Sign in again to change your e-mail settings.")
        self.email_digest = bool(on)
        if not on:
            return rx.toast.success("No more digest e-mails.")
        if not self.sends_email:
            return rx.toast.success("Saved: you'll get the digest once this server sends e-mail.")
        return rx.toast.success("We'll e-mail you a digest of your unread notifications.")

    @rx.var
    def initials(self) -> str:
        return initials(self.name) if self.name else "?"


class SignInState(rx.State):
    """The /sign-in page: one button per configured sign-in provider."""

    providers: list[ProviderButton] = []

    @rx.event
    def load(self) -> None:
        # /auth/login checks `next` again (local paths only); here it is only passed along.
        next_path = str(self.router.url.query_parameters.get("next", "/"))
        self.providers = [
            ProviderButton(p.provider_name, "/auth/login?" + urlencode({"provider": p.id, "next": next_path}))
            for p in oidc_providers(get_settings())
        ]
