"""Voting UI of the show page: live-ranked rows, vote buttons, the song picker and sign-in prompt.

Rows keep a stable DOM order (by seed position) and are placed by `translateY(rank)` with a CSS
transition, so a change in the ranking glides rows to their new places instead of re-rendering the
list (no jump, no scroll shift, focus stays on the button that was pressed).
"""

from __future__ import annotations

import reflex as rx

from setlist_app.components.layout import server_link, sign_in_url
from setlist_app.components.report import report_button
from setlist_app.domain.scoring import SEEDED_HINT, SEEDED_LABEL
from setlist_app.services.voting import PickerSong
from setlist_app.state.show import LiveSong, ShowLive, ShowState, ShowVoter

ROW_HEIGHT = 64
ROW_STEP = ROW_HEIGHT + 8


def _count(song: LiveSong) -> rx.Var:
    """The viewer's own optimistic/confirmed count until the live snapshot catches up, else live."""
    key = song.id.to_string()
    return rx.cond(ShowLive.seq < ShowVoter.pending_seq[key], ShowVoter.pending[key], ShowLive.votes[key])


def vote_button(song: LiveSong) -> rx.Component:
    mine = ShowVoter.my_votes.contains(song.id)
    busy = ShowVoter.busy.contains(song.id)
    return rx.button(
        rx.icon("thumbs-up", size=16),
        rx.text(_count(song), weight="bold", class_name="vote-count"),
        variant=rx.cond(mine, "solid", "soft"),
        size="2",
        min_width="4.5em",
        aria_pressed=rx.cond(mine, "true", "false"),
        aria_busy=rx.cond(busy, "true", "false"),
        aria_label=rx.cond(mine, "Remove your vote for ", "Vote for ") + song.title,
        opacity=rx.cond(busy, "0.75", "1"),
        on_click=ShowState.vote(song.id),
        class_name="vote-button",
        custom_attrs={"data-song-id": song.id},
    )


def _count_badge(song: LiveSong) -> rx.Component:
    return rx.hstack(
        rx.icon("thumbs-up", size=16),
        rx.text(_count(song), weight="bold", class_name="vote-count"),
        spacing="1",
        color=rx.color("gray", 11),
        aria_label="votes",
    )


def seeded_badge() -> rx.Component:
    """Marks a song we seeded from the artist's recent setlists, so it never reads as a fan pick.

    On phones only the icon shows (the label squeezed the title out of its fixed-height row)."""
    return rx.tooltip(
        rx.badge(
            rx.icon("history", size=12),
            rx.text(SEEDED_LABEL, as_="span", display=rx.breakpoints(initial="none", sm="inline")),
            variant="outline",
            size="1",
            color_scheme="gray",
            flex_shrink="0",
            aria_label=SEEDED_LABEL,
            class_name="seeded-badge",
        ),
        content=SEEDED_HINT,
    )


def prediction_row(song: LiveSong) -> rx.Component:
    key = song.id.to_string()
    rank = ShowLive.ranks[key].to(int)
    mine = ShowVoter.my_votes.contains(song.id)
    return rx.box(
        rx.hstack(
            rx.text(
                rank, weight="bold", size="4", color=rx.color("gray", 9), min_width="2em", text_align="center"
            ),
            rx.vstack(
                rx.hstack(
                    rx.text(song.title, weight="bold", truncate=True),
                    rx.cond(
                        song.source == "fan",
                        rx.hstack(
                            rx.badge("fan pick", variant="soft", size="1", color_scheme="iris"),
                            report_button(prediction_song_id=song.id),
                            spacing="1",
                            align="center",
                        ),
                        seeded_badge(),
                    ),
                    spacing="2",
                    align="center",
                    min_width="0",
                ),
                rx.text(song.album, size="1", color=rx.color("gray", 10), truncate=True),
                spacing="0",
                min_width="0",
                flex="1",
            ),
            rx.cond(ShowState.voting_open, vote_button(song), _count_badge(song)),
            align="center",
            width="100%",
            height="100%",
            padding_x="12px",
            spacing="3",
        ),
        position="absolute",
        top="0",
        left="0",
        right="0",
        height=f"{ROW_HEIGHT}px",
        transform=f"translateY({(rank - 1) * ROW_STEP}px)",
        transition="transform 450ms cubic-bezier(0.2, 0.8, 0.2, 1)",
        border_radius="var(--radius-4)",
        background=rx.cond(mine, rx.color("accent", 3), rx.color("gray", 2)),
        border=rx.cond(mine, f"1px solid {rx.color('accent', 7)}", f"1px solid {rx.color('gray', 4)}"),
        role="listitem",
        aria_posinset=rank,
        class_name="prediction-row",
        custom_attrs={"data-rank": rank, "data-song-id": song.id},
    )


def prediction_list() -> rx.Component:
    return rx.box(
        rx.foreach(ShowLive.songs, prediction_row),
        position="relative",
        width="100%",
        height=f"calc({ShowLive.songs.length()} * {ROW_STEP}px)",
        role="list",
        aria_label="Fan prediction, ranked by votes",
        class_name="prediction-list",
    )


def viewer_badge() -> rx.Component:
    return rx.badge(
        rx.box(
            width="8px",
            height="8px",
            border_radius="50%",
            background=rx.color("grass", 9),
            class_name="live-dot",
        ),
        rx.text(ShowLive.viewers, class_name="viewer-count"),
        rx.text(rx.cond(ShowLive.viewers == 1, "watching now", "watching now")),
        color_scheme="grass",
        variant="soft",
        size="2",
        aria_live="polite",
        class_name="viewer-badge",
    )


def allowance_note() -> rx.Component:
    """For anonymous fans: what is left for free, and a way to sign in."""
    return rx.cond(
        ShowState.voting_open & ~ShowVoter.signed_in & (ShowVoter.votes_left >= 0),
        rx.callout(
            rx.hstack(
                rx.text(
                    "You have ",
                    rx.text.strong(ShowVoter.votes_left, class_name="votes-left"),
                    rx.cond(ShowVoter.votes_left == 1, " free vote and ", " free votes and "),
                    rx.text.strong(ShowVoter.adds_left),
                    rx.cond(ShowVoter.adds_left == 1, " song add", " song adds"),
                    " left for this show.",
                ),
                server_link(
                    rx.text("Sign in for unlimited", weight="medium", color=rx.color("accent", 11)),
                    sign_in_url(),
                ),
                spacing="2",
                wrap="wrap",
            ),
            icon="sparkles",
            size="1",
            variant="surface",
            width="100%",
        ),
    )


def closed_note() -> rx.Component:
    return rx.cond(
        ShowState.closed_message != "",
        rx.callout(
            ShowState.closed_message,
            icon="lock",
            color_scheme="gray",
            size="1",
            width="100%",
            class_name="voting-closed",
        ),
    )


def sign_in_prompt() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.icon("heart-handshake", size=32, color=rx.color("accent", 9)),
                rx.dialog.title("Keep voting: sign in"),
                rx.dialog.description(
                    "Without an account every fan gets 2 votes and 2 song adds per show. Sign in (it's "
                    "free) to vote on as many songs as you like. Your votes so far come with you."
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Not now", variant="soft", color_scheme="gray")),
                    server_link(rx.button("Sign in", class_name="sign-in-button"), sign_in_url()),
                    spacing="3",
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                align="start",
            ),
            max_width="420px",
            class_name="sign-in-prompt",
        ),
        open=ShowState.sign_in_prompt,
        on_open_change=ShowState.set_sign_in_prompt,
    )


def _picker_row(song: PickerSong) -> rx.Component:
    present = ShowState.present_songs.contains(song.song_id)
    return rx.hstack(
        rx.vstack(
            rx.text(song.title, weight="medium", truncate=True),
            rx.text(song.album, size="1", color=rx.color("gray", 10), truncate=True),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.cond(
            present,
            rx.badge(rx.icon("check", size=12), "In prediction", variant="soft", color_scheme="gray"),
            rx.button(
                rx.icon("plus", size=14),
                "Add",
                size="1",
                loading=ShowState.adding == song.song_id,
                disabled=ShowState.adding != 0,
                on_click=ShowState.add_song(song.song_id),
                aria_label="Add " + song.title,
            ),
        ),
        align="center",
        width="100%",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="picker-row",
    )


def song_picker() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.icon("plus", size=16), "Add a song", variant="outline", on_click=ShowState.open_picker
            )
        ),
        rx.dialog.content(
            rx.dialog.title("Add a song"),
            rx.dialog.description(
                "Pick from the artist's studio songs. Adding a song also counts your vote for it.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                placeholder="Search songs or albums",
                on_change=ShowState.set_picker_query.debounce(150),
                aria_label="Search songs",
                margin_y="12px",
                auto_focus=True,
            ),
            rx.scroll_area(
                rx.cond(
                    ShowState.catalog.length() == 0,
                    rx.vstack(*[rx.skeleton(height="40px", width="100%") for _ in range(4)], width="100%"),
                    rx.cond(
                        ShowState.picker_results.length() == 0,
                        rx.text("No songs match that search.", color=rx.color("gray", 10), padding="12px"),
                        rx.vstack(
                            rx.foreach(ShowState.picker_results, _picker_row),
                            spacing="0",
                            width="100%",
                            # The scrollbar overlays the content: keep the badges and buttons clear of it.
                            padding_right="var(--space-4)",
                            class_name="picker-results",
                        ),
                    ),
                ),
                max_height="50vh",
                type="auto",
                scrollbars="vertical",
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                justify="end",
                width="100%",
                margin_top="12px",
            ),
            max_width="520px",
            class_name="song-picker",
        ),
        open=ShowState.picker_open,
        on_open_change=ShowState.set_picker_open,
    )
