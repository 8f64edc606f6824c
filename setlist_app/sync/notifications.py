"""Notifications: created by the `notifications` planner only; the optional e-mail digest.

- "An artist you follow announced a show": a show created after the follow, still upcoming.
- "The setlist of a show you voted on is in: your accuracy N %": a setlist imported recently, for
  each signed-in voter (accuracy = their votes for songs that were played, as the leaderboard counts).

Why a planner: executors import shows and setlists, and must never set off more work (DESIGN.md §6),
so they notify nobody; `create` raises inside an executor like a job request does. The planner looks
back over a bounded window each run; the unique (user, kind, show) makes re-runs harmless. After
committing it publishes the notified user ids, and each backend worker's live pusher updates those
users' bells.

The digest (only with `SMTP_URL`): the `notification_digest` planner requests one job per subscribed
user with unread, unsent notifications; the executor mails them over SMTP (stdlib `smtplib`) with a
signed unsubscribe link (`/notifications/unsubscribe`, `setlist_app.api`) and marks them sent.
"""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlencode, urlparse

from redis.asyncio import Redis
from sqlalchemy import and_, exists, select, update
from sqlmodel import Session, col

from setlist_app.auth.cookies import sign
from setlist_app.db import insert_for
from setlist_app.domain.notifications import user_notifications
from setlist_app.domain.user_stats import show_scores
from setlist_app.models import (
    ActualSetlist,
    Follow,
    Notification,
    NotificationKind,
    Role,
    Show,
    ShowStatus,
    SyncJob,
    User,
    Vote,
)
from setlist_app.settings import Settings, get_settings
from setlist_app.sync import jobs, kinds
from setlist_app.sync.context import SyncContext
from setlist_app.sync.executors import executor
from setlist_app.sync.planners import PlanContext, planner

LOOKBACK = timedelta(days=2)  # shows announced and setlists imported this recently are examined
# Per run: only what is not notified yet is read, so a backlog is worked off over the next runs.
MAX_ROWS = 5000  # announcements
MAX_SHOWS = 200  # imported setlists
UNSUBSCRIBE_PURPOSE = "digest-unsubscribe"
UNSUBSCRIBE_PATH = "/notifications/unsubscribe"
UNSUBSCRIBE_MAX_AGE = 365 * 24 * 3600
_NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]


def channel(settings: Settings | None = None) -> str:
    """Pub/sub channel of notified user ids (channels ignore DB numbers: the app DB is in the name)."""
    settings = settings or get_settings()
    return f"setlist:live:{settings.redis_db_app}:notify"


def create(session: Session, rows: Iterable[dict[str, Any]]) -> set[int]:
    """Insert notifications (duplicates ignored); the ids of the users notified. The caller commits.

    Planners only: inside an executor this raises, as creating a job does.
    """
    jobs.refuse_in_executor("notifications")
    rows = list(rows)
    if not rows:
        return set()
    session.execute(
        insert_for(session, _NOTIFICATIONS)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "show_id"])
    )
    return {int(r["user_id"]) for r in rows}


def _not_notified(kind: str, user: Any, show: Any) -> Any:
    return ~exists().where(
        Notification.user_id == user, Notification.kind == kind, Notification.show_id == show
    )


def announced(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Followers of each recently announced upcoming show, who followed before it was announced."""
    kind = NotificationKind.SHOW_ANNOUNCED.value
    rows = session.execute(
        select(Follow.user_id, Show.id, Show.artist_id)
        .join(Show, col(Show.artist_id) == Follow.artist_id)
        .where(
            Show.created_at >= now - LOOKBACK,
            Show.status == ShowStatus.UPCOMING,
            Show.starts_at > now,
            col(Follow.created_at) < Show.created_at,
            _not_notified(kind, Follow.user_id, Show.id),
        )
        .order_by(col(Show.id), col(Follow.user_id))
        .limit(MAX_ROWS)
    ).all()
    return [{"user_id": u, "kind": kind, "show_id": s, "artist_id": a, "created_at": now} for u, s, a in rows]


def setlists_in(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Each signed-in voter of each recently imported setlist, with their accuracy on that show."""
    kind = NotificationKind.SETLIST_IN.value
    waiting = exists().where(
        Vote.show_id == ActualSetlist.show_id,
        col(Vote.user_id).is_not(None),
        _not_notified(kind, Vote.user_id, Vote.show_id),
    )
    shows = session.execute(
        select(ActualSetlist.show_id, ActualSetlist.id, Show.artist_id)
        .join(Show, col(Show.id) == ActualSetlist.show_id)
        .where(ActualSetlist.imported_at >= now - LOOKBACK, waiting)
        .order_by(col(ActualSetlist.id))
        .limit(MAX_SHOWS)
    ).all()
    rows: list[dict[str, Any]] = []
    for show_id, setlist_id, artist_id in shows:
        done = set(
            session.scalars(
                select(Notification.user_id).where(Notification.kind == kind, Notification.show_id == show_id)
            )
        )
        for user_id, score in sorted(show_scores(session, show_id, setlist_id).items()):
            if user_id in done or not score.scored:
                continue
            rows.append(
                {
                    "user_id": user_id,
                    "kind": kind,
                    "show_id": show_id,
                    "artist_id": artist_id,
                    "accuracy": round(100.0 * score.correct / score.scored, 1),
                    "created_at": now,
                }
            )
    return rows


async def publish(redis: Redis | None, user_ids: Iterable[int]) -> None:
    """Tell the live pushers whose bells changed (after commit)."""
    if redis is None:
        return
    pipe = redis.pipeline(transaction=False)
    for user_id in sorted(user_ids):
        pipe.publish(channel(), str(user_id))
    await pipe.execute()


@planner(
    "notifications",
    interval_seconds=60,
    limit_per_run=0,
    essential=True,
    description="Notify followers of announced shows and voters of imported setlists (creates no jobs)",
)
async def plan_notifications(p: PlanContext) -> int:
    rows = announced(p.session, p.now) + setlists_in(p.session, p.now)
    users = create(p.session, rows)
    p.session.commit()  # before the publish: a pusher re-reads the bell at once
    await publish(p.sync.redis, users)
    return len(rows)


def _deliverable(email: Any) -> Any:
    """A real address: the reserved `.invalid` domain (demo fans) is never mailed."""
    return and_(email.is_not(None), ~email.like("%.invalid"))


@planner(
    "notification_digest",
    interval_seconds=6 * 3600,
    limit_per_run=500,
    description="E-mail each subscribed user their unread notifications (only when SMTP_URL is set)",
)
async def plan_digest(p: PlanContext) -> int:
    if not p.sync.settings.smtp_url or p.remaining == 0:
        return 0
    users = p.session.scalars(
        select(Notification.user_id)
        .join(User, col(User.id) == Notification.user_id)
        .where(
            col(Notification.emailed_at).is_(None),
            col(Notification.read_at).is_(None),
            col(User.email_digest).is_(True),
            User.role != Role.BANNED,
            _deliverable(col(User.email)),
        )
        .distinct()
        .order_by(Notification.user_id)
        .limit(p.remaining)
    ).all()
    for user_id in users:
        p.request(kinds.NOTIFICATION_DIGEST, f"user:{user_id}", payload={"user_id": user_id})
    return len(users)


def unsubscribe_url(settings: Settings, user_id: int) -> str:
    token = sign(str(user_id), UNSUBSCRIBE_PURPOSE)
    return f"{settings.app_url.rstrip('/')}{UNSUBSCRIBE_PATH}?{urlencode({'token': token})}"


def digest_message(
    settings: Settings, to: str, name: str, lines: list[tuple[str, str]], unsub: str
) -> EmailMessage:
    """The digest: one line and link per notification, and the unsubscribe link (also as a header)."""
    base = settings.app_url.rstrip("/")
    msg = EmailMessage()
    msg["Subject"] = f"Setlist: {len(lines)} new notification{'s' if len(lines) != 1 else ''}"
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["List-Unsubscribe"] = f"<{unsub}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    body = [f"Hi {name or 'there'},", ""]
    body += [f"- {text}\n  {base}{href}" for text, href in lines]
    body += ["", f"No more of these e-mails: {unsub}"]
    msg.set_content("\n".join(body))
    return msg


def send_mail(smtp_url: str, message: EmailMessage) -> None:
    """Send over SMTP: `smtp://[user:password@]host[:port]` (STARTTLS when offered) or `smtps://`."""
    url = urlparse(smtp_url)
    secure = url.scheme == "smtps"
    port = url.port or (465 if secure else 25)
    timeout = get_settings().http_timeout_seconds
    client = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with client(url.hostname or "localhost", port, timeout=timeout) as smtp:
        if not secure:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


def _digest(ctx: SyncContext, user_id: int) -> tuple[EmailMessage, list[int]] | None:
    with ctx.session() as session:
        user = session.get(User, user_id)
        if user is None or not user.email_digest or not user.email or user.email.endswith(".invalid"):
            return None
        pending = session.scalars(
            select(Notification.id).where(
                Notification.user_id == user_id,
                col(Notification.emailed_at).is_(None),
                col(Notification.read_at).is_(None),
            )
        ).all()
        if not pending:
            return None
        items = user_notifications(session, user_id, limit=len(pending), ids=list(pending))
        lines = [(i.text, i.href) for i in items]
        message = digest_message(
            ctx.settings, user.email, user.name, lines, unsubscribe_url(ctx.settings, user_id)
        )
        return message, list(pending)


@executor(kinds.NOTIFICATION_DIGEST)
async def run_digest(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    """Mail one user's unread, unsent notifications and mark them sent (no job, no notification)."""
    user_id = int(job.payload.get("user_id", 0))
    digest = _digest(ctx, user_id)
    if digest is None:
        return {"sent": 0}
    message, ids = digest
    await asyncio.to_thread(send_mail, ctx.settings.smtp_url, message)
    with ctx.session() as session:
        session.execute(
            update(Notification).where(col(Notification.id).in_(ids)).values(emailed_at=ctx.now())
        )
        session.commit()
    return {"sent": len(ids)}
