"""Admin services on Postgres and Redis: providers, artists, overview, users, moderation, usage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlmodel import Session, select

from setlist_app.auth.roles import PermissionDenied
from setlist_app.auth.viewer import Viewer
from setlist_app.models import Artist, Show
from setlist_app.models.base import utcnow
from setlist_app.models.ops import AdminAuditLog, Alert, ContentFlag, ErrorLog
from setlist_app.models.sync import SyncJob
from setlist_app.models.users import User
from setlist_app.models.voting import Activity, PredictionSong, Vote
from setlist_app.providers import breaker, request_counter
from setlist_app.services import moderation as reports
from setlist_app.services.admin import artists, moderation, overview, providers, usage, users
from setlist_app.services.admin.audit import AdminError
from setlist_app.sync import budget, status
from tests.integration.admin.conftest import FanPick, People
from tests.integration.sync.helpers import add_artists


def _actions(session: Session) -> list[str]:
    session.expire_all()
    return [r.action for r in session.exec(select(AdminAuditLog).order_by(AdminAuditLog.id))]


def test_provider_circuits_artist_breakers_and_resets(session: Session, people: People) -> None:
    now = utcnow()
    breaker.record_failure(session, "spotify", now, "QUOTA_EXCEEDED", quota=True)
    a, b = add_artists(session, 2)
    session.execute(
        Artist.__table__.update()
        .where(Artist.__table__.c.id == a)
        .values(catalog_failures=3, catalog_backoff_until=now + timedelta(hours=72))
    )
    session.commit()
    rows = {c.provider: c for c in providers.circuits(session)}
    assert set(rows) >= {"spotify", "ticketmaster", "setlistfm", "musicbrainz"}
    assert rows["spotify"].state == "open" and rows["ticketmaster"].state == "closed"
    assert [r.artist_id for r in providers.open_artist_breakers(session, now)] == [a]
    assert providers.open_artist_breaker_count(session, now) == 1

    providers.reset_provider(session, people.admin, "spotify")
    providers.reset_artist_breaker(session, people.admin, a)
    session.commit()
    assert {c.provider: c.state for c in providers.circuits(session)}["spotify"] == "closed"
    assert providers.open_artist_breakers(session, now) == []
    session.expire_all()
    assert session.get(Artist, a).version == 2  # through the one artist write path
    with pytest.raises(AdminError):
        providers.reset_provider(session, people.admin, "myspace")
    with pytest.raises(AdminError):
        providers.reset_artist_breaker(session, people.admin, 999_999)
    assert session.get(Artist, b).catalog_failures == 0
    assert _actions(session) == [
        "provider.reset",
        "artist.reset_breaker",
        "provider.reset",
        "artist.reset_breaker",
    ]


def test_artist_search_and_deduplicated_sync_now(session: Session, people: People) -> None:
    a, _ = add_artists(session, 2)
    (no_spotify,) = add_artists(session, 1, spotify=False, start=5)
    page = artists.search(session, "artist", page_size=2)
    assert page.total == 3 and page.pages == 2 and all(r.job_status == "" for r in page.items)
    assert [r.id for r in artists.search(session, "Artist 0").items] == [a]

    first = artists.sync_now(session, people.admin, a)
    session.commit()
    second = artists.sync_now(session, people.admin, a)
    session.commit()
    assert first.created and not second.created and second.job_id == first.job_id
    assert second.message == "A sync is already queued for this artist"
    row = artists.search(session, "Artist 0").items[0]
    assert row.job_id == first.job_id and row.job_status == "pending"
    assert session.exec(select(SyncJob)).all().__len__() == 1
    with pytest.raises(AdminError, match="no Spotify id"):
        artists.sync_now(session, people.admin, no_spotify)
    session.get(SyncJob, first.job_id).status = "succeeded"
    third = artists.sync_now(session, people.admin, a)  # the first one finished: a new job
    session.commit()
    row = artists.search(session, "Artist 0").items[0]
    assert third.created and row.job_id == third.job_id and row.job_status == "pending"  # the latest
    assert _actions(session) == ["artist.sync_now"] * 4


def test_overview_counts_health_kill_switch_alert_and_errors(
    session: Session, people: People, fan_pick: FanPick
) -> None:
    now = utcnow()
    counts = overview.counts(session, now)
    assert counts == {
        "users": 4,
        "artists": 1,
        "shows_upcoming": 1,
        "shows_completed": 0,
        "songs": 1,
        "votes": 2,
        "votes_today": 2,
    }
    view = overview.health(session, now)
    assert view.level == "down" and view.heartbeat_at is None  # no worker has reported
    status.refresh(session, now, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    session.commit()
    assert overview.health(session, now).level == "ok"

    overview.set_kill_switch(session, people.admin, True)
    session.commit()
    view = overview.health(session, now)
    assert view.kill_switch and view.level == "degraded" and "paused by an administrator" in view.message
    overview.set_kill_switch(session, people.admin, False)
    session.commit()

    with pytest.raises(LookupError, match="no alert 1"):
        overview.acknowledge_alert(session, people.admin, 1)
    session.add(
        Alert(key="spike", open_key="spike", message="1500 jobs/min exceeds the spike threshold of 1000")
    )
    session.add(Alert(key="budget", message="old", raised_at=now - timedelta(days=1), cleared_at=now))
    session.commit()
    assert [(a.key, a.acknowledged_by, a.webhook) for a in overview.alert_history(session)] == [
        ("spike", "", "off"),
        ("budget", "", "off"),
    ]
    overview.acknowledge_alert(session, people.admin2, 1)
    session.commit()
    spike = overview.alert_history(session)[0]
    assert spike.acknowledged_by == "Grace" and spike.cleared_at is None  # still listed, marked
    with pytest.raises(ValueError, match="already cleared"):
        overview.acknowledge_alert(session, people.admin, 2)
    session.commit()

    failed = SyncJob(
        kind="catalog_sync",
        key="k",
        requested_by="planner:x",
        status="failed",
        error="HTTP 500",
        finished_at=now,
    )
    session.add(failed)
    session.commit()
    errors = overview.recent_errors(session, now=now)
    assert [(e.source, e.message) for e in errors] == [("job:catalog_sync", "HTTP 500")]
    detail = overview.error_detail(session, errors[0].ref)
    assert detail.detail == "HTTP 500" and "kind=catalog_sync key=k" in detail.context
    session.add(
        ErrorLog(source="worker", message="boom", detail="Traceback: boom", count=7, context={"job_id": 3})
    )
    session.commit()
    recorded = overview.recent_errors(session, now=now)[0]
    assert (recorded.ref, recorded.count) == ("error 1", 7)
    detail = overview.error_detail(session, "error 1")
    assert (detail.count, detail.context, detail.detail) == (7, "job_id=3", "Traceback: boom")
    with pytest.raises(LookupError):
        overview.error_detail(session, "error 99")
    assert _actions(session) == [
        "kill_switch.on",
        "kill_switch.off",
        "alert.acknowledge",
        "alert.acknowledge",
        "alert.acknowledge",
    ]


def test_users_search_roles_last_admin_and_bans(session: Session, people: People) -> None:
    page = users.search(session, "")
    assert page.total == 4 and all("***@" in u.email for u in page.items)
    assert "sam@setlist.test" not in str(page)
    assert [u.name for u in users.search(session, "sam").items] == ["Sam"]
    assert [u.id for u in users.search(session, f"#{people.fan.user_id}").items] == [people.fan.user_id]
    assert {u.name for u in users.search(session, "", role="admin").items} == {"Ada", "Grace"}

    assert users.change_role(session, people.admin, people.fan.user_id, "admin") == "admin"
    session.commit()
    with pytest.raises(PermissionDenied):  # cannot demote yourself
        users.change_role(session, people.admin, people.admin.user_id, "user")
    users.change_role(session, people.admin, people.fan.user_id, "user")
    users.change_role(session, people.admin, people.admin2.user_id, "user")  # Ada stays: not the last
    session.commit()
    grace = Viewer(user_id=people.admin2.user_id, role="admin")  # a stale session of a demoted admin
    session.execute(
        User.__table__.update().where(User.__table__.c.id == people.admin2.user_id).values(role="admin")
    )
    session.commit()
    users.change_role(session, grace, people.admin.user_id, "user")
    session.commit()
    with pytest.raises(AdminError, match="last admin"):
        users.change_role(session, people.admin, people.admin2.user_id, "banned")
    with pytest.raises(AdminError, match="Unknown role"):
        users.change_role(session, grace, people.fan.user_id, "owner")
    users.change_role(session, grace, people.fan2.user_id, "banned")
    session.commit()
    with pytest.raises(AdminError, match="not banned"):
        users.unban(session, grace, people.fan.user_id)
    users.unban(session, grace, people.fan2.user_id)
    session.commit()
    session.expire_all()
    assert session.get(User, people.fan2.user_id).role == "user"
    assert _actions(session) == [
        "user.role",
        "user.role",
        "user.role",
        "user.role",
        "user.role",
        "user.ban",
        "user.role",
        "user.ban",
        "user.unban",
        "user.unban",
    ]


def test_report_then_dismiss_or_remove_with_counts_fixed(
    session: Session, people: People, fan_pick: FanPick
) -> None:
    ps = fan_pick.prediction_song_id
    with pytest.raises(reports.ReportRejected):
        reports.report_song(session, Viewer(), ps)
    with pytest.raises(reports.ReportRejected):
        reports.report_song(session, Viewer(user_id=people.fan2.user_id, role="banned"), ps)
    first = reports.report_song(session, people.fan2, ps, "  spam\u0000 song ")
    again = reports.report_song(session, people.fan2, ps, "again")
    anon = reports.report_song(session, Viewer(anon_id="anon1"), ps, "")
    session.commit()
    assert first.created and not again.created and again.flag_id == first.flag_id and anon.created
    assert session.get(ContentFlag, first.flag_id).reason == "spam song"

    flags = moderation.list_flags(session)
    assert flags.total == 2 and moderation.open_count(session) == 2
    row = next(f for f in flags.items if f.id == first.flag_id)
    fans = (people.fan.user_id, people.fan2.user_id)
    session.expire_all()
    assert [session.get(User, i).votes_cast for i in fans] == [1, 1]  # the adder's vote and fan2's
    assert (row.song, row.added_by, row.vote_count, row.reports, row.reporter) == (
        "Hit",
        "Sam",
        2,
        2,
        f"fan #{people.fan2.user_id}",
    )
    moderation.dismiss(session, people.admin, anon.flag_id)
    session.commit()
    with pytest.raises(AdminError, match="already dismissed"):
        moderation.dismiss(session, people.admin, anon.flag_id)

    removal = moderation.remove_song(session, people.admin, first.flag_id)
    session.commit()
    assert removal.votes_removed == 2 and removal.show_id == fan_pick.show_id and removal.flags_closed == 1
    session.expire_all()
    song = session.get(PredictionSong, ps)
    assert song.hidden and song.vote_count == 0
    assert [session.get(User, i).votes_cast for i in fans] == [0, 0]  # their removed votes too
    assert session.get(Show, fan_pick.show_id).vote_count == 0
    assert session.exec(select(Vote).where(Vote.prediction_song_id == ps)).all() == []
    assert moderation.open_count(session) == 0
    assert [f.status for f in moderation.list_flags(session, status="removed").items] == ["removed"]
    with pytest.raises(reports.ReportRejected):
        reports.report_song(session, people.fan, ps)  # hidden now
    assert _actions(session) == ["flag.dismiss", "flag.dismiss", "flag.remove"]


def test_only_fan_added_songs_can_be_reported(session: Session, people: People, fan_pick: FanPick) -> None:
    session.execute(
        PredictionSong.__table__.update()
        .where(PredictionSong.__table__.c.id == fan_pick.prediction_song_id)
        .values(source="seed")
    )
    session.commit()
    with pytest.raises(reports.ReportRejected, match="added by fans"):
        reports.report_song(session, people.fan2, fan_pick.prediction_song_id)


async def test_usage_series_budget_and_rates(
    session: Session, people: People, fan_pick: FanPick, redis_url: str
) -> None:
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    now = utcnow()
    try:
        for _ in range(3):
            await budget.count_job(redis, now)
        await budget.count_job(redis, now - timedelta(minutes=2))
        await request_counter.count_provider_call(redis, "spotify", now, 5)
        await request_counter.count_provider_call(redis, "ticketmaster", now - timedelta(hours=1), 2)
        jobs = await usage.jobs_per_minute(redis, now)
        assert (
            len(jobs) == 60
            and jobs[-1]["jobs"] == 3
            and jobs[-3]["jobs"] == 1
            and sum(j["jobs"] for j in jobs) == 4
        )
        calls = await usage.calls_per_hour(redis, now)
        assert len(calls) == 24 and calls[-1]["spotify"] == 5 and calls[-2]["ticketmaster"] == 2
        assert calls[-1]["t"] == now.strftime("%H:00")
        rows = {b.name: b for b in await usage.budget_today(redis, now)}
        assert rows["Jobs today"].used == 4 and rows["spotify calls today"].used == 5
        assert rows["ticketmaster calls today"].limit == 5000
        together = rows["Jobs and provider calls today"]  # the audit's < 100,000 calls a day
        earlier_today = (now - timedelta(hours=1)).date() == now.date()
        assert together.used == 4 + 5 + (2 if earlier_today else 0) and together.limit == 90_000
        assert usage.hourly_quota_pace() == {"ticketmaster": 208, "setlistfm": 60}
        rates = {r.provider: r for r in await providers.rate_usage(redis)}
        assert rates["ticketmaster"].per_day_limit == 5000 and rates["spotify"].per_day_limit is None
    finally:
        await redis.flushdb()
        await redis.aclose()
    votes = usage.votes_per_minute(session, now)
    assert (
        len(votes) == 60 and sum(v["votes"] for v in votes) == 2 and votes[-1]["t"] == now.strftime("%H:%M")
    )
    session.add(Activity(kind="vote", created_at=now - timedelta(hours=2)))
    session.commit()
    assert sum(v["votes"] for v in usage.votes_per_minute(session, now)) == 2  # outside the window
