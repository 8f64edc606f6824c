"""/admin/providers: circuits, rate-limit usage and per-artist breakers, with resets."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.admin.layout import admin_page
from setlist_app.components.admin.widgets import (
    chip,
    confirm_button,
    data_table,
    empty_row,
    keyed,
    poller,
    section_card,
)
from setlist_app.state.admin.providers import AdminProvidersState


def providers() -> rx.Component:
    circuits = data_table(
        ["Provider", "Circuit", "Failures", "Opened", "Next probe", "Last error", ""],
        rx.table.body(
            rx.foreach(
                AdminProvidersState.circuits,
                lambda c: keyed(
                    c.provider,
                    rx.table.row(
                        rx.table.cell(rx.text(c.provider, weight="medium")),
                        rx.table.cell(chip(c.state)),
                        rx.table.cell(c.failures),
                        rx.table.cell(rx.text(c.opened, size="1")),
                        rx.table.cell(rx.text(c.retry, size="1")),
                        rx.table.cell(rx.text(c.last_error, size="1", trim="both"), max_width="260px"),
                        rx.table.cell(
                            rx.cond(
                                c.state != "closed",
                                confirm_button(
                                    "Reset",
                                    title="Close the " + c.provider + " circuit?",
                                    description="Calls resume at once. If the provider is still failing, the circuit "
                                    "opens again.",
                                    on_confirm=AdminProvidersState.reset_provider(c.provider),
                                    loading=AdminProvidersState.busy == "provider:" + c.provider,
                                    color="amber",
                                    class_name="reset-provider",
                                ),
                            )
                        ),
                        class_name="circuit-row",
                        custom_attrs={"data-provider": c.provider, "data-state": c.state},
                    ),
                ),
            )
        ),
        "circuits-table",
    )
    rates = data_table(
        ["Provider", "This second", "Today", "", "Notes"],
        rx.table.body(
            rx.foreach(
                AdminProvidersState.rates,
                lambda r: rx.table.row(
                    rx.table.cell(rx.text(r.provider, weight="medium")),
                    rx.table.cell(rx.text(r.second, size="1")),
                    rx.table.cell(rx.text(r.day, size="1")),
                    rx.table.cell(rx.progress(value=r.percent, max=100, size="1"), min_width="120px"),
                    rx.table.cell(rx.text(r.notes, size="1")),
                    class_name="rate-row",
                    custom_attrs={"data-provider": r.provider},
                ),
            )
        ),
        "rates-table",
    )
    artists = data_table(
        ["Artist", "Failures", "Backoff until", ""],
        rx.table.body(
            rx.cond(
                AdminProvidersState.artist_breakers.length() == 0, empty_row(4, "No artist is in backoff.")
            ),
            rx.foreach(
                AdminProvidersState.artist_breakers,
                lambda a: keyed(
                    a.id,
                    rx.table.row(
                        rx.table.cell(rx.link(a.name, href="/artists/" + a.slug)),
                        rx.table.cell(a.failures),
                        rx.table.cell(rx.text(a.until + " (" + a.until_ago + ")", size="1")),
                        rx.table.cell(
                            confirm_button(
                                "Reset",
                                title="End the backoff of " + a.name + "?",
                                description="The catalog planner may sync this artist again on its next run.",
                                on_confirm=AdminProvidersState.reset_artist(a.id),
                                loading=AdminProvidersState.busy == "artist:" + a.id,
                                color="amber",
                                class_name="reset-artist",
                            )
                        ),
                    ),
                ),
            ),
        ),
        "artist-breakers-table",
    )
    return admin_page(
        "Providers",
        "Providers",
        "Circuit breakers and shared rate limits for Spotify, Ticketmaster, setlist.fm and MusicBrainz.",
        section_card("Circuits", circuits, subtitle="An error storm or an exhausted quota opens a circuit."),
        section_card("Rate limits", rates, subtitle="Shared by every worker process (Redis)."),
        section_card(
            "Artist catalog breakers",
            artists,
            subtitle="Three consecutive failures put an artist in a 72 h backoff.",
        ),
        poller(AdminProvidersState.poll),
        loaded=AdminProvidersState.loaded,
    )
