"""Fan profiles: votes, accuracy, streaks and leaderboard rank, from the incremental user stats.

`users.scored_votes/correct_votes/current_streak/best_streak` are maintained by
`domain.user_stats` when a setlist is scored. Reading a profile costs index lookups only: the
rank is 1 + the number of users with more correct votes (a range count on
`ix_users_correct_votes`), and the leaderboard is the top of that index — never a scan of all users.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from setlist_app.domain.scoring import fan_record, format_pct
from setlist_app.models import Show, User
from setlist_app.services.formatting import gradient, initials, show_when


def accuracy_pct(correct: int, scored: int) -> float | None:
    """Share of the fan's scored upvotes whose song was played, in percent (None before any)."""
    if scored <= 0:
        return None
    return round(100.0 * max(min(correct, scored), 0) / scored, 1)


@dataclass
class LeaderRow:
    rank: int = 0
    user_id: int = 0
    name: str = ""
    initials: str = ""
    gradient: str = ""
    correct: int = 0
    scored: int = 0
    accuracy: str = ""
    is_me: bool = False


@dataclass
class MyVote:
    song: str = ""
    artist: str = ""
    show_slug: str = ""
    show_label: str = ""
    status: str = ""  # upcoming | completed | ...
    outcome: str = ""  # played | not played | "" (not scored yet)


@dataclass
class Profile:
    user_id: int = 0
    name: str = ""
    avatar_url: str = ""
    initials: str = ""
    gradient: str = ""
    member_since: str = ""
    votes: int = 0
    scored: int = 0
    correct: int = 0
    accuracy: str = "—"
    record: str = ""  # "Called 3 of the 7 songs voted for" (domain.scoring's words)
    current_streak: int = 0
    best_streak: int = 0
    rank: int = 0  # 0 = not ranked yet (nothing scored)
    ranked_fans: int = 0
    following: int = 0
    recent_votes: list[MyVote] = field(default_factory=list)


def leaderboard_rank(session: Session, correct_votes: int) -> int:
    """Competition rank (ties share a rank) of a fan with `correct_votes` correct votes."""
    above = session.execute(
        text("SELECT count(*) FROM users WHERE correct_votes > :c"), {"c": correct_votes}
    ).scalar_one()
    return int(above) + 1


def leaderboard(session: Session, limit: int = 10, me: int | None = None) -> list[LeaderRow]:
    """Top fans by correct votes (then fewer votes needed, then earliest account)."""
    rows = session.execute(
        text(
            "SELECT id, name, correct_votes, scored_votes FROM users"
            " WHERE correct_votes > 0 AND role <> 'banned'"
            " ORDER BY correct_votes DESC, scored_votes, id LIMIT :n"
        ),
        {"n": limit},
    ).all()
    board: list[LeaderRow] = []
    for position, (user_id, name, correct, scored) in enumerate(rows, start=1):
        rank = board[-1].rank if board and board[-1].correct == correct else position
        display = name or f"Fan #{user_id}"
        board.append(
            LeaderRow(
                rank=rank,
                user_id=user_id,
                name=display,
                initials=initials(display),
                gradient=gradient(display + str(user_id)),
                correct=correct,
                scored=scored,
                accuracy=format_pct(accuracy_pct(correct, scored)),
                is_me=user_id == me,
            )
        )
    return board


def empty_leaderboard_note(session: Session) -> str:
    """What an empty leaderboard says: shows may well be scored while no fan has called a song yet."""
    shows = int(session.execute(text("SELECT count(*) FROM actual_setlists")).scalar_one())
    if shows == 0:
        return "No setlists are in yet: fans are scored when a show they voted on has happened."
    plural = "show has" if shows == 1 else "shows have"
    return (
        f"{shows:,} {plural} been scored, but no fan has called a played song yet. "
        "Vote on an upcoming show to get on the board."
    )


def profile(session: Session, user_id: int, recent: int = 10) -> Profile | None:
    """One fan's profile (None for an unknown or banned user)."""
    user = session.get(User, user_id)
    if user is None or user.role == "banned":
        return None
    name = user.name or f"Fan #{user_id}"
    counts = session.execute(
        text(
            "SELECT (SELECT count(*) FROM votes WHERE user_id = :u),"
            " (SELECT count(*) FROM follows WHERE user_id = :u),"
            " (SELECT count(*) FROM users WHERE correct_votes > 0)"
        ),
        {"u": user_id},
    ).one()
    return Profile(
        user_id=user_id,
        name=name,
        avatar_url=user.avatar_url or "",
        initials=initials(name),
        gradient=gradient(name + str(user_id)),
        member_since=_month(user.created_at),
        votes=int(counts[0]),
        scored=user.scored_votes,
        correct=user.correct_votes,
        accuracy=format_pct(accuracy_pct(user.correct_votes, user.scored_votes)),
        record=fan_record(user.correct_votes, user.scored_votes),
        current_streak=user.current_streak,
        best_streak=user.best_streak,
        rank=leaderboard_rank(session, user.correct_votes) if user.scored_votes > 0 else 0,
        ranked_fans=int(counts[2]),
        following=int(counts[1]),
        recent_votes=recent_votes(session, user_id, recent),
    )


def recent_votes(session: Session, user_id: int, limit: int = 10) -> list[MyVote]:
    """The fan's latest votes with the show and, once scored, whether the song was played."""
    rows = session.execute(
        text(
            "SELECT so.title, ar.name, sh.slug, sh.starts_at, ve.timezone, ve.name, sh.status,"
            " (SELECT CASE WHEN count(*) > 0 THEN 1 ELSE 0 END FROM actual_setlist_songs ass"
            "   WHERE ass.setlist_id = st.id AND ass.song_id = ps.song_id AND NOT ass.is_tape),"
            " st.id"
            " FROM votes v JOIN prediction_songs ps ON ps.id = v.prediction_song_id"
            " JOIN songs so ON so.id = ps.song_id JOIN shows sh ON sh.id = v.show_id"
            " JOIN artists ar ON ar.id = sh.artist_id JOIN venues ve ON ve.id = sh.venue_id"
            " LEFT JOIN actual_setlists st ON st.show_id = sh.id"
            " WHERE v.user_id = :u ORDER BY v.id DESC LIMIT :n"
        ).columns(starts_at=_STARTS_AT),
        {"u": user_id, "n": limit},
    ).all()
    return [
        MyVote(
            song=title,
            artist=artist,
            show_slug=slug,
            show_label=f"{venue} · {show_when(starts_at, tz)}",
            status=status,
            outcome="" if setlist_id is None else ("played" if played else "not played"),
        )
        for title, artist, slug, starts_at, tz, venue, status, played, setlist_id in rows
    ]


_STARTS_AT = Show.__table__.c.starts_at.type  # type: ignore[attr-defined]


def _month(value: datetime | None) -> str:
    return value.strftime("%B %Y") if value else ""
