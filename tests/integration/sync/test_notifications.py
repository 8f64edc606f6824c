"""Notifications: made by the `notifications` planner only, once each, pushed to the live channel;
the e-mail digest over SMTP (a local aiosmtpd server) with a working unsubscribe link.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette

from setlist_app.api.notifications import notification_routes
from setlist_app.domain.notifications import user_notifications
from setlist_app.domain.setlists import PlayedSong, store_actual_setlist
from setlist_app.models import Follow, Notification, Show, ShowStatus, SyncJob, User
from setlist_app.services import voting
from setlist_app.services.notifications import set_email_digest
from setlist_app.settings import Settings
from setlist_app.sync import executors, jobs, notifications
from setlist_app.sync.planners import PlanContext
from tests.fixtures.clock import NOW, FakeClock
from tests.fixtures.voting import make_show, signed_in_fans
from tests.integration.ops.cluster import free_port
from tests.integration.sync.helpers import add_artists, add_show, make_ctx


def _users(session: Session, *emails: str) -> list[int]:
    users = [User(email=e, name=e.split("@")[0].title()) for e in emails]
    session.add_all(users)
    session.commit()
    return [u.id for u in users]


def _rows(session: Session) -> list[tuple[int, str, int, float | None]]:
    return [
        tuple(r)
        for r in session.execute(
            select(
                Notification.user_id, Notification.kind, Notification.show_id, Notification.accuracy
            ).order_by(Notification.id)
        )
    ]


async def _plan(session: Session, ctx: Any, name: str = "notifications", limit: int = 0) -> int:
    spec = notifications.plan_notifications if name == "notifications" else notifications.plan_digest
    return await spec(PlanContext(name, session, ctx.now(), limit, ctx))


async def test_followers_hear_of_a_new_show_once_and_live(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings, aredis: Redis
) -> None:
    artist, other = add_artists(session, 2)
    early, late, elsewhere = _users(session, "early@x.test", "late@x.test", "other@x.test")
    session.add_all(
        [
            Follow(user_id=early, artist_id=artist, created_at=NOW - timedelta(days=30)),
            Follow(user_id=elsewhere, artist_id=other, created_at=NOW - timedelta(days=30)),
        ]
    )
    session.commit()
    clock.advance(seconds=60)
    show = add_show(session, artist, NOW + timedelta(days=20))  # announced now
    add_show(session, artist, NOW - timedelta(days=1))  # already played: nobody is told
    clock.advance(seconds=60)
    session.add(Follow(user_id=late, artist_id=artist))  # followed after the announcement
    session.commit()
    pubsub = aredis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(notifications.channel())
    ctx = make_ctx(engine, settings, redis=aredis, clock=clock)

    assert await _plan(session, ctx) == 1
    assert await _plan(session, ctx) == 0  # a re-run notifies nobody twice

    assert _rows(session) == [(early, "show_announced", show, None)]
    async with asyncio.timeout(10):
        message = await anext(pubsub.listen())
    assert message["data"] == str(early).encode()
    await pubsub.aclose()
    [item] = user_notifications(session, early)
    assert (
        item.unread
        and item.text.startswith("Artist 0 announced a show: ")
        and item.href == "/shows/" + (session.get(Show, show).slug)
    )
    assert session.scalar(select(SyncJob.id)) is None  # the planner made notifications, not jobs


async def test_voters_hear_their_accuracy_when_the_setlist_is_in(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings
) -> None:
    fixture = make_show(session, seeded=3, spare=0)
    hitter, misser = signed_in_fans(session, 2)
    first, second, third = fixture.prediction_song_ids
    for viewer, psid in ((hitter, first), (hitter, second), (misser, third)):
        voting.set_vote(session, viewer, psid, True)
    session.commit()
    show = session.get(Show, fixture.show_id)
    show.status = ShowStatus.COMPLETED
    store_actual_setlist(session, show, [PlayedSong("Song a0"), PlayedSong("Song a9")])
    session.commit()
    ctx = make_ctx(engine, settings, clock=clock)

    assert await _plan(session, ctx) == 2

    assert sorted(_rows(session)) == [
        (hitter.user_id, "setlist_in", fixture.show_id, 50.0),
        (misser.user_id, "setlist_in", fixture.show_id, 0.0),
    ]
    [item] = user_notifications(session, hitter.user_id or 0)
    assert item.text.startswith("The setlist of Artist a at Hall, Town") and item.text.endswith(
        "your accuracy 50 %"
    )
    assert await _plan(session, ctx) == 0


async def test_a_backlog_is_worked_off_run_by_run(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notifications, "MAX_ROWS", 1)
    [artist] = add_artists(session, 1)
    fans = _users(session, "a@x.test", "b@x.test")
    session.add_all(Follow(user_id=f, artist_id=artist, created_at=NOW - timedelta(days=1)) for f in fans)
    session.commit()
    clock.advance(seconds=60)
    add_show(session, artist, NOW + timedelta(days=10))
    ctx = make_ctx(engine, settings, clock=clock)
    assert [await _plan(session, ctx) for _ in range(3)] == [1, 1, 0]
    assert sorted(r[0] for r in _rows(session)) == fans


def test_an_executor_cannot_create_notifications(session: Session) -> None:
    [artist] = add_artists(session, 1)
    show = add_show(session, artist, NOW + timedelta(days=3))
    [user] = _users(session, "fan@x.test")
    row = {"user_id": user, "kind": "show_announced", "show_id": show, "artist_id": artist, "created_at": NOW}
    with jobs.executor_scope("setlist_import"), pytest.raises(jobs.JobCreationInExecutorError):
        notifications.create(session, [row])
    assert notifications.create(session, [row]) == {user}  # a planner may


class Inbox:
    """aiosmtpd handler: keeps every message it is sent."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def test_the_digest_mails_unread_notifications_and_its_link_unsubscribes(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings, inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    [artist] = add_artists(session, 1)
    show = add_show(session, artist, NOW + timedelta(days=9))
    reader, demo = _users(session, "reader@x.test", "mia@crowd.demo.invalid")
    row = {"kind": "show_announced", "show_id": show, "artist_id": artist, "created_at": NOW}
    notifications.create(session, [{"user_id": reader, **row}, {"user_id": demo, **row}])
    session.commit()
    ctx = make_ctx(engine, settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"}), clock=clock)

    assert (
        await _plan(session, make_ctx(engine, settings, clock=clock), "notification_digest", 10) == 0
    )  # no SMTP
    assert await _plan(session, ctx, "notification_digest", 10) == 1  # the demo fan is never mailed
    session.commit()
    job_id = session.scalars(select(SyncJob.id)).one()
    outcome = await executors.run_job(job_id, ctx)
    assert outcome.status == "succeeded", outcome

    [mail] = handler.messages
    body = mail.get_content()
    assert mail["To"] == "reader@x.test" and "Artist 0 announced a show" in body
    link = re.search(r"No more of these e-mails: (\S+)", body)
    assert link is not None and mail["List-Unsubscribe"] == f"<{link.group(1)}>"
    session.expire_all()
    assert session.scalar(select(Notification.emailed_at).where(Notification.user_id == reader)) is not None

    transport = httpx.ASGITransport(app=Starlette(routes=notification_routes()))
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get(link.group(1) + "x")).status_code == 400  # forged
        answer = await client.get(link.group(1))
    assert answer.status_code == 200 and "unsubscribed" in answer.text
    session.expire_all()
    assert session.get(User, reader).email_digest is False
    notifications.create(session, [{"user_id": reader, **row, "kind": "setlist_in"}])
    session.commit()
    assert await _plan(session, ctx, "notification_digest", 10) == 0  # unsubscribed: nothing more
    assert set_email_digest(session, reader, True)  # the account page's switch, back on
    session.commit()
    assert await _plan(session, ctx, "notification_digest", 10) == 1
