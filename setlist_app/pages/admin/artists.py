"""/admin/artists: catalog sync state per artist and "sync now"."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.admin.layout import admin_page
from setlist_app.components.admin.widgets import (
    chip,
    data_table,
    empty_row,
    keyed,
    muted,
    pager,
    poller,
    search_box,
    section_card,
)
from setlist_app.state.admin.artists import AdminArtistsState


def _artist_row(a: rx.Var) -> rx.Component:
    return keyed(
        a.id,
        rx.table.row(
            rx.table.cell(
                rx.vstack(
                    rx.link(a.name, href="/artists/" + a.slug, weight="medium"),
                    muted(rx.cond(a.spotify_id != "", "spotify " + a.spotify_id, "no Spotify id")),
                    spacing="0",
                ),
            ),
            rx.table.cell(chip(a.catalog_status)),
            rx.table.cell(a.songs),
            rx.table.cell(rx.text(a.attempted, size="1"), white_space="nowrap"),
            rx.table.cell(rx.text(a.synced, size="1"), white_space="nowrap"),
            rx.table.cell(
                rx.text(
                    a.failures + " · " + a.breaker,
                    size="1",
                    color=rx.cond(a.breaker_open != "", rx.color("red", 11), rx.color("gray", 11)),
                )
            ),
            rx.table.cell(
                rx.hstack(
                    chip(a.job_status),
                    rx.cond(a.job_active != "", rx.spinner(size="1")),
                    spacing="2",
                    align="center",
                ),
                class_name="artist-job",
                custom_attrs={"data-status": a.job_status},
            ),
            rx.table.cell(
                rx.button(
                    rx.icon("refresh-cw", size=12),
                    "Sync now",
                    size="1",
                    variant="soft",
                    loading=AdminArtistsState.busy == "sync:" + a.id,
                    on_click=AdminArtistsState.sync_now(a.id),
                    class_name="sync-now",
                )
            ),
            class_name="artist-row",
            custom_attrs={"data-artist": a.slug},
        ),
    )


def artists() -> rx.Component:
    return admin_page(
        "Artists",
        "Artists",
        'Catalog sync state per artist. "Sync now" is deduplicated and still honours the 24 h guard.',
        section_card(
            "Catalog sync",
            search_box("Search artists", AdminArtistsState.query, AdminArtistsState.search, "artist-search"),
            data_table(
                ["Artist", "Catalog", "Songs", "Last attempt", "Last sync", "Breaker", "Latest job", ""],
                rx.table.body(
                    rx.cond(AdminArtistsState.rows.length() == 0, empty_row(8, "No artist matches.")),
                    rx.foreach(AdminArtistsState.rows, _artist_row),
                ),
                "artists-table",
            ),
            pager(
                AdminArtistsState.page,
                AdminArtistsState.pages,
                AdminArtistsState.total,
                AdminArtistsState.go_page,
                "artists",
            ),
        ),
        poller(AdminArtistsState.poll),
        loaded=AdminArtistsState.loaded,
    )
