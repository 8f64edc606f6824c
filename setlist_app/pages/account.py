"""The account page (profile, Spotify connect, sign out) and the minimal /admin page.

Identity changes go through plain HTML forms/links to /auth/* so the browser reloads and the
websocket reconnects with the new cookies.
"""

from __future__ import annotations

import reflex as rx

from setlist_app.components.cards import empty_state, section, skeleton_rows
from setlist_app.components.layout import page_shell, post_form, server_link
from setlist_app.state.account import AccountState, ImportedArtistRow

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


def account() -> rx.Component:
    return page_shell(
        rx.cond(
            AccountState.loading,
            skeleton_rows(2, "120px"),
            rx.cond(
                AccountState.signed_in,
                rx.vstack(
                    rx.cond(
                        AccountState.flash != "",
                        rx.callout(AccountState.flash, icon="info", width="100%", class_name="account-flash"),
                    ),
                    _profile(),
                    _spotify(),
                    spacing="5",
                    width="100%",
                ),
                _signed_out(),
            ),
        )
    )
