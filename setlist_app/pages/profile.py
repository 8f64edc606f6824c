"""/profile (you) and /users/<id>: votes, accuracy, streaks, leaderboard rank and activity."""

from __future__ import annotations

import reflex as rx

from setlist_app.components.activity import feed_list
from setlist_app.components.cards import not_found, section
from setlist_app.components.layout import page_shell, sign_in_url
from setlist_app.pages.catalog import loaded
from setlist_app.services.profiles import LeaderRow, MyVote
from setlist_app.state.profile import ProfileState


def _stat(label: str, value: rx.Var, hint: rx.Var | str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="1", color=rx.color("gray", 10), weight="medium"),
            rx.heading(value, size="7", class_name="stat-value"),
            rx.text(hint, size="1", color=rx.color("gray", 10)),
            spacing="1",
        ),
        width="100%",
        class_name="stat",
    )


def _leader(row: LeaderRow) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.text(row.rank, weight="bold", min_width="2em", color=rx.color("gray", 10)),
            rx.center(
                rx.text(row.initials, size="1", weight="bold", color="white"),
                width="28px",
                height="28px",
                min_width="28px",
                border_radius="50%",
                background=row.gradient,
            ),
            rx.text(row.name, weight=rx.cond(row.is_me, "bold", "regular"), flex="1", truncate=True),
            rx.text(row.correct, " called", size="2"),
            rx.text(
                row.accuracy, size="2", color=rx.color("gray", 10), min_width="3.5em", text_align="right"
            ),
            align="center",
            spacing="3",
            width="100%",
            padding="8px",
            border_radius="var(--radius-3)",
            background=rx.cond(row.is_me, rx.color("accent", 3), "transparent"),
        ),
        href="/users/" + row.user_id.to_string(),
        underline="none",
        color="inherit",
        width="100%",
    )


def _vote(v: MyVote) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.vstack(
                rx.text(v.song, weight="medium", truncate=True),
                rx.text(v.artist + " · " + v.show_label, size="1", color=rx.color("gray", 10), truncate=True),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            rx.match(
                v.outcome,
                ("played", rx.badge("played", color_scheme="grass", variant="soft")),
                ("not played", rx.badge("not played", color_scheme="red", variant="soft")),
                rx.badge(v.status, variant="soft", color_scheme="gray"),
            ),
            align="center",
            width="100%",
            padding_y="8px",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        href="/shows/" + v.show_slug,
        underline="none",
        color="inherit",
        width="100%",
    )


def _body() -> rx.Component:
    p = ProfileState.profile
    header = rx.hstack(
        rx.cond(
            p.avatar_url != "",
            rx.avatar(src=p.avatar_url, fallback=p.initials, size="7", radius="full"),
            rx.center(
                rx.text(p.initials, size="6", weight="bold", color="white"),
                width="80px",
                height="80px",
                border_radius="50%",
                background=p.gradient,
            ),
        ),
        rx.vstack(
            rx.heading(p.name, size="8", as_="h1"),
            rx.text(
                "Fan since ",
                p.member_since,
                " · following ",
                p.following,
                rx.cond(p.following == 1, " artist", " artists"),
                color=rx.color("gray", 10),
            ),
            spacing="1",
        ),
        align="center",
        spacing="4",
        wrap="wrap",
    )
    stats = rx.grid(
        _stat("Accuracy", p.accuracy, p.record),
        _stat("Votes", p.votes, "songs upvoted"),
        _stat("Streak", p.current_streak, "best: " + p.best_streak.to_string() + " shows in a row"),
        _stat(
            "Rank",
            rx.cond(p.rank > 0, "#" + p.rank.to_string(), "—"),
            "of " + p.ranked_fans.to_string() + " ranked fans",
        ),
        columns=rx.breakpoints(initial="2", md="4"),
        spacing="3",
        width="100%",
    )
    return rx.vstack(
        header,
        stats,
        rx.grid(
            rx.vstack(
                section(
                    rx.cond(ProfileState.is_me, "My votes", "Votes"),  # type: ignore[arg-type]
                    rx.cond(
                        p.recent_votes.length() > 0,  # type: ignore[attr-defined]
                        rx.vstack(rx.foreach(p.recent_votes, _vote), spacing="0", width="100%"),
                        rx.text("No votes yet.", color=rx.color("gray", 10)),
                    ),
                ),
                section("Activity", feed_list(ProfileState.feed, "Nothing here yet.")),
                width="100%",
            ),
            section(
                "Leaderboard",
                rx.cond(
                    ProfileState.leaders.length() > 0,  # type: ignore[attr-defined]
                    rx.vstack(rx.foreach(ProfileState.leaders, _leader), spacing="1", width="100%"),
                    rx.text(
                        ProfileState.leaders_note, color=rx.color("gray", 10), class_name="leaders-empty"
                    ),
                ),
                subtitle="Most songs called correctly.",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="6",
            width="100%",
        ),
        width="100%",
        spacing="4",
    )


def profile() -> rx.Component:
    signed_out = rx.center(
        rx.vstack(
            rx.icon("user-round", size=40, color=rx.color("accent", 9)),
            rx.heading("Sign in to see your profile", size="5"),
            rx.text(
                "Your votes, accuracy, streak and leaderboard rank live here.", color=rx.color("gray", 10)
            ),
            rx.link(rx.button("Sign in"), href=sign_in_url()),
            align="center",
            spacing="3",
        ),
        padding_y="64px",
        width="100%",
    )
    body = rx.cond(
        ProfileState.needs_sign_in,
        signed_out,
        rx.cond(ProfileState.not_found, not_found("fan"), _body()),
    )
    return page_shell(loaded(ProfileState, body))
