"""The activity feed: recent fan actions, globally or for one user, as display-ready rows.

Reads `activity` newest first by primary key (an index scan, never a table scan); `after_id`
lets a page poll cheaply for what is new. Anonymous fans appear as "A fan" (their id never leaves
the server); unvotes and unfollows are recorded but not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, text
from sqlmodel import Session

from setlist_app.models import Activity, utcnow
from setlist_app.services.formatting import gradient, initials

_CREATED_AT = Activity.__table__.c.created_at.type  # type: ignore[attr-defined]
_SELECT = """
SELECT a.id, a.created_at, a.kind, a.user_id, coalesce(u.name, ''), coalesce(ar.name, ''),
       coalesce(ar.slug, ''), coalesce(s.slug, ''), coalesce(v.name, ''), coalesce(v.city, ''),
       coalesce(so.title, ''), a.data
FROM activity a
LEFT JOIN users u ON u.id = a.user_id
LEFT JOIN artists ar ON ar.id = a.artist_id
LEFT JOIN shows s ON s.id = a.show_id
LEFT JOIN venues v ON v.id = s.venue_id
LEFT JOIN songs so ON so.id = a.song_id
WHERE a.kind IN ('vote', 'add_song', 'follow', 'prediction_scored') AND a.id > :after
"""


@dataclass
class FeedItem:
    id: int = 0
    icon: str = ""
    actor: str = ""
    actor_href: str = ""  # "" for anonymous fans
    initials: str = ""
    gradient: str = ""
    verb: str = ""
    subject: str = ""  # song title or artist name, emphasised
    subject_href: str = ""
    context: str = ""  # "Radiohead at Madison Square Garden, New York"
    context_href: str = ""
    ago: str = ""


def ago(then: datetime, now: datetime | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', '2 d ago'."""
    seconds = max(int(((now or utcnow()) - then).total_seconds()), 0)
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(seconds // 60, 1)} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def feed(
    session: Session, *, user_id: int | None = None, after_id: int = 0, limit: int = 30
) -> list[FeedItem]:
    """Newest shown activity (of one user when `user_id` is given), newest first."""
    sql = _SELECT + (" AND a.user_id = :u" if user_id is not None else "") + " ORDER BY a.id DESC LIMIT :n"
    typed = text(sql).columns(created_at=_CREATED_AT, data=JSON())
    rows = session.execute(typed, {"after": after_id, "u": user_id, "n": max(1, min(limit, 100))}).all()
    now = utcnow()
    return [_item(row, now) for row in rows]


def latest_id(session: Session) -> int:
    """The newest activity id (0 when empty): the cheap "anything new?" check."""
    return int(session.execute(text("SELECT coalesce(max(id), 0) FROM activity")).scalar_one())


def _item(row: tuple, now: datetime) -> FeedItem:  # type: ignore[type-arg]
    act_id, created, kind, user_id, user_name, artist, artist_slug, show_slug, venue, city, song, data = row
    actor = user_name or "A fan"
    item = FeedItem(
        id=act_id,
        actor=actor,
        actor_href=f"/users/{user_id}" if user_id is not None else "",
        initials=initials(actor) if user_id is not None else "♪",
        gradient=gradient(actor + str(user_id)),
        ago=ago(created, now),
        context=f"{artist} at {venue}, {city}" if show_slug else "",
        context_href=f"/shows/{show_slug}" if show_slug else "",
    )
    if kind == "vote":
        item.icon, item.verb, item.subject = "thumbs-up", "voted for", song
    elif kind == "add_song":
        item.icon, item.verb, item.subject = "list-plus", "added", song
    elif kind == "follow":
        item.icon, item.verb, item.subject = "heart", "started following", artist
        item.subject_href = f"/artists/{artist_slug}"
    else:  # prediction_scored: the fan's prediction was scored against the real setlist
        info = data if isinstance(data, dict) else {}
        correct = int(info.get("correct", 0) or 0)
        item.icon, item.verb = "target", "called it:"
        item.subject = f"{correct} song{'s' if correct != 1 else ''} played"
    return item
