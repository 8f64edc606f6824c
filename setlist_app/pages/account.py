"""The account page (profile, Spotify connect, sign-in methods, sign out here or everywhere, delete
the account) and the /sign-in page (a button per sign-in provider).

Identity changes go through plain HTML forms/links to /auth/* so the browser reloads and the
websocket reconnects with the new cookies.
"""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import empty_state, section, skeleton_rows
from setlist_app.components.layout import page_shell, post_form, server_link
from setlist_app.state.account import (
    AccountState,
    ImportedArtistRow,
    ProviderButton,
    SignInMethodRow,
    SignInState,
)

SIGN_IN_URL = "/auth/login?next=/account"


def post_button(label: str, action: str, icon: str, **props: object) -> rx.Component:
    """A button submitting a native POST form (no Reflex event: the response redirects)."""
    return post_form(rx.button(rx.icon(icon, size=16), label, type="submit", **props), action=action)


def _signed_out() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.icon("user-round", size=32, color=rx.color("accent", 9)),
                rx.heading("Sign in to see your account", size="5"),
                rx.text("Your votes, follows and Spotify artists live here.", color=rx.color("gray", 11)),
                server_link(rx.button("Sign in", size="3"), SIGN_IN_URL),
                align="center",
                spacing="3",
                padding="16px",
            )
        ),
        padding_y="48px",
    )


def _profile() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.avatar(src=AccountState.avatar_url, fallback=AccountState.initials, size="6", radius="full"),
            rx.vstack(
                rx.heading(
                    AccountState.name, size="6", as_="h1", class_name="account-name", word_break="break-word"
                ),
                rx.text(AccountState.email, color=rx.color("gray", 11), size="2"),
                rx.cond(
                    AccountState.role == "admin",
                    rx.badge("Admin", color_scheme="violet"),
                    rx.cond(AccountState.role == "banned", rx.badge("Suspended", color_scheme="red")),
                ),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            post_button("Sign out", "/auth/logout", "log-out", variant="soft", color_scheme="gray"),
            align="center",
            spacing="4",
            width="100%",
            wrap="wrap",
        ),
        width="100%",
    )


def _artist_chip(artist: ImportedArtistRow) -> rx.Component:
    return rx.link(
        rx.badge(
            rx.cond(artist.source == "top", rx.icon("flame", size=12), rx.icon("heart", size=12)),
            artist.name,
            size="2",
            variant="surface",
            radius="full",
        ),
        href="/artists/" + artist.slug,
        underline="none",
        class_name="imported-artist",
    )


def _spotify_connected() -> rx.Component:
    return rx.vstack(
        rx.cond(
            AccountState.spotify_needs_reconnect,
            rx.callout(
                AccountState.spotify_message,
                icon="triangle-alert",
                color_scheme="amber",
                width="100%",
            ),
        ),
        rx.cond(
            AccountState.spotify_artists.length() > 0,
            rx.flex(rx.foreach(AccountState.spotify_artists, _artist_chip), wrap="wrap", gap="8px"),
            empty_state("music", "No artists imported yet."),
        ),
        rx.hstack(
            rx.cond(
                AccountState.spotify_needs_reconnect,
                server_link(
                    rx.button(rx.icon("refresh-cw", size=16), "Reconnect Spotify"), "/auth/spotify/connect"
                ),
                post_button("Import again", "/auth/spotify/import", "refresh-cw", variant="soft"),
            ),
            post_button(
                "Disconnect", "/auth/spotify/disconnect", "unlink", variant="soft", color_scheme="red"
            ),
            spacing="3",
            wrap="wrap",
        ),
        spacing="4",
        width="100%",
    )


def _spotify() -> rx.Component:
    return rx.card(
        section(
            "Spotify",
            rx.cond(
                ~AccountState.spotify_available,
                rx.callout(AccountState.spotify_message, icon="lock", color_scheme="gray", width="100%"),
                rx.cond(
                    AccountState.spotify_connected,
                    _spotify_connected(),
                    rx.vstack(
                        rx.text(
                            "Connect Spotify to follow the artists you already listen to. We only read your "
                            "followed and top artists.",
                            color=rx.color("gray", 11),
                        ),
                        server_link(
                            rx.button(rx.icon("music", size=16), "Connect Spotify", color_scheme="grass"),
                            "/auth/spotify/connect",
                        ),
                        spacing="3",
                    ),
                ),
            ),
            subtitle="Import the artists you follow and listen to most.",
        ),
        width="100%",
    )


def _method(method: SignInMethodRow) -> rx.Component:
    return rx.hstack(
        rx.icon("key-round", size=16, color=rx.color("accent", 9)),
        rx.text(method.provider, weight="medium"),
        rx.text(method.email, color=rx.color("gray", 11), size="2", word_break="break-all"),
        align="center",
        spacing="2",
        class_name="sign-in-method",
    )


def _delete_account() -> rx.Component:
    """Asks first; the confirmation is a native POST (the response signs the browser out)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("trash-2", size=16),
                "Delete my account",
                color_scheme="red",
                variant="soft",
                class_name="delete-account",
            )
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete your account?"),
            rx.alert_dialog.description(
                "Your profile, sign-in methods, follows and Spotify connection are deleted and every "
                "device is signed out. Your votes stay in the counts, anonymously. This cannot be undone.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                post_form(
                    rx.button(
                        "Delete my account", type="submit", color_scheme="red", class_name="confirm-delete"
                    ),
                    action="/auth/account/delete",
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="440px",
        ),
    )


def _account_control() -> rx.Component:
    return rx.card(
        section(
            "Account",
            rx.vstack(
                rx.text("Sign-in methods", weight="medium", size="2"),
                rx.foreach(AccountState.sign_in_methods, _method),
                rx.hstack(
                    post_button(
                        "Sign out of all sessions",
                        "/auth/logout-everywhere",
                        "log-out",
                        variant="soft",
                        color_scheme="gray",
                        class_name="sign-out-everywhere",
                    ),
                    _delete_account(),
                    spacing="3",
                    wrap="wrap",
                    padding_top="8px",
                ),
                spacing="2",
                width="100%",
            ),
            subtitle="Same verified email, same account: sign in with any of these.",
        ),
        width="100%",
    )


def _email() -> rx.Component:
    return rx.card(
        section(
            "E-mail",
            rx.text(
                rx.switch(
                    checked=AccountState.email_digest,
                    on_change=AccountState.set_email_digest,
                    class_name="digest-switch",
                    margin_right="8px",
                ),
                "An e-mail digest of my unread notifications every 6 hours (new shows of artists I follow, my scores)",
                as_="label",
                size="2",
            ),
            subtitle=rx.cond(
                AccountState.sends_email,
                f"Sent to {AccountState.email}.",
                "This server sends no e-mail yet (no SMTP_URL): your choice applies once it does.",
            ),
        ),
        width="100%",
    )


def _flash() -> rx.Component:
    return rx.cond(
        AccountState.flash != "",
        rx.callout(AccountState.flash, icon="info", width="100%", class_name="account-flash"),
    )


def account() -> rx.Component:
    return page_shell(
        rx.cond(
            AccountState.loading,
            skeleton_rows(2, "120px"),
            rx.vstack(
                _flash(),
                rx.cond(
                    AccountState.signed_in,
                    rx.vstack(
                        _profile(), _spotify(), _email(), _account_control(), spacing="5", width="100%"
                    ),
                    _signed_out(),
                ),
                spacing="5",
                width="100%",
            ),
        )
    )


def _provider_button(provider: ProviderButton) -> rx.Component:
    return server_link(
        rx.button(
            rx.icon("log-in", size=16),
            "Continue with ",
            provider.label,
            size="3",
            width="100%",
            variant="surface",
            class_name="sign-in-provider",
        ),
        provider.href,
    )


def sign_in() -> rx.Component:
    return page_shell(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.icon("user-round", size=32, color=rx.color("accent", 9)),
                    rx.heading("Sign in to Setlist", size="5", as_="h1"),
                    rx.text(
                        "Vote without limits, follow artists and keep your streak.",
                        color=rx.color("gray", 11),
                    ),
                    rx.vstack(
                        rx.foreach(SignInState.providers, _provider_button),
                        width="100%",
                        spacing="3",
                        align="stretch",
                    ),
                    align="center",
                    spacing="3",
                    padding="16px",
                    width="min(360px, 80vw)",
                )
            ),
            padding_y="48px",
        )
    )
