"""Admin services on Postgres: audit log, job history/retry/cancel, crons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from setlist_app.auth.roles import PermissionDenied
from setlist_app.auth.viewer import Viewer
from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Show, Venue
from setlist_app.models.ops import AdminAuditLog
from setlist_app.models.sync import CronRun, CronSetting, JobStatus, SyncJob
from setlist_app.services.admin import audit, crons, jobs
from setlist_app.services.admin.audit import AdminError, AdminOutdated
from setlist_app.state.admin.common import act
from setlist_app.sync import crons as sync_crons
from setlist_app.sync import jobs as gateway
from setlist_app.sync import registry  # noqa: F401  (registers every planner)
from setlist_app.sync import status as sync_status
from tests.integration.admin.conftest import People
from tests.integration.sync.helpers import add_artists


def _log(session: Session) -> list[AdminAuditLog]:
    session.expire_all()
    return list(session.exec(select(AdminAuditLog).order_by(AdminAuditLog.id)))


def test_show_jobs_read_as_the_show(session: Session) -> None:
    (artist,) = add_artists(session, 1)
    venue = Venue(slug="hall", name="The Hall", city="Leeds", country="UK", country_code="GB", timezone="UTC")
    session.add(venue)
    session.flush()
    day = utcnow().date()
    show = Show(slug="s", artist_id=artist, venue_id=venue.id, name="S", starts_at=utcnow(), local_date=day)
    session.add(show)
    session.flush()
    job = gateway.request(
        session, "setlist_import", f"show:{show.id}", requested_by="planner:test", show_id=show.id
    ).job_id
    session.commit()
    row = jobs.get_job(session, job)
    assert row is not None and row.subject == f"Artist 0 at The Hall, {day:%d %b %Y}"


def test_perform_records_success_refusal_and_failure(session: Session, people: People) -> None:
    assert audit.perform(session, people.admin, "x.ok", lambda: 7, target="t:1", arguments={"a": 1}) == 7
    session.commit()

    def refuse() -> None:
        session.add(CronSetting(name="should-roll-back"))
        session.flush()
        raise AdminError("no way")

    with pytest.raises(AdminError):
        audit.perform(session, people.admin, "x.refused", refuse)
    with pytest.raises(ZeroDivisionError):
        audit.perform(session, people.admin, "x.failed", lambda: 1 / 0)
    with pytest.raises(PermissionDenied):
        audit.perform(session, people.fan, "x.fan", lambda: 1)
    rows = _log(session)
    assert [(r.action, r.result) for r in rows] == [
        ("x.ok", "ok: 7"),
        ("x.refused", "refused: no way"),
        ("x.failed", "failed: ZeroDivisionError: division by zero"),
    ]
    assert rows[0].admin_user_id == people.admin.user_id and rows[0].arguments == {"a": 1}
    assert session.get(CronSetting, "should-roll-back") is None  # the refused action changed nothing
    page = audit.list_entries(session, action="x.", page=1, page_size=2)
    assert page.total == 3 and page.pages == 2 and [e.action for e in page.items] == ["x.failed", "x.refused"]
    assert page.items[0].admin == "Ada"
    assert audit.actions(session) == ["x.failed", "x.ok", "x.refused"]


def _job(session: Session, kind: str, key: str, artist_id: int | None = None) -> int:
    return gateway.request(session, kind, key, requested_by="planner:test", artist_id=artist_id).job_id


async def test_job_history_filters_retry_and_cancel(session: Session, people: People) -> None:
    (artist,) = add_artists(session, 1)
    failed = _job(session, "catalog_sync", "artist:1", artist)
    pending = _job(session, "trending", "all")
    old = _job(session, "show_status", "x")
    now = utcnow()
    session.execute(
        SyncJob.__table__.update()
        .where(SyncJob.__table__.c.id == failed)
        .values(
            status="failed", error="boom", attempts=3, started_at=now - timedelta(seconds=3), finished_at=now
        )
    )
    session.execute(
        SyncJob.__table__.update()
        .where(SyncJob.__table__.c.id == old)
        .values(status="succeeded", created_at=now - timedelta(days=2))
    )
    session.commit()

    everything = jobs.list_jobs(session, jobs.JobFilters())
    assert everything.total == 3
    assert [r.id for r in jobs.list_jobs(session, jobs.JobFilters(status="failed")).items] == [failed]
    assert [r.id for r in jobs.list_jobs(session, jobs.JobFilters(kind="trending")).items] == [pending]
    assert [r.id for r in jobs.list_jobs(session, jobs.JobFilters(artist="artist 0")).items] == [failed]
    assert [r.id for r in jobs.list_jobs(session, jobs.JobFilters(artist=str(artist))).items] == [failed]
    assert {r.id for r in jobs.list_jobs(session, jobs.JobFilters(since="24h")).items} == {failed, pending}
    assert jobs.list_jobs(session, jobs.JobFilters(artist="%")).total == 0  # wildcards are literal
    assert [r.subject for r in everything.items] == ["all", "Artist 0", "x"]  # names, not keys
    detail = jobs.get_job(session, failed)
    assert (
        detail and detail.duration_seconds == pytest.approx(3) and detail.error == "boom" and detail.can_retry
    )
    assert jobs.status_counts(session)["failed"] == 1 and jobs.kinds(session) == [
        "catalog_sync",
        "show_status",
        "trending",
    ]

    retried = jobs.retry_job(session, people.admin, failed)
    session.commit()
    assert retried.created and retried.job_id != failed
    again = jobs.retry_job(session, people.admin, failed)  # deduplicated by the gateway
    session.commit()
    assert not again.created and again.job_id == retried.job_id
    assert session.get(SyncJob, retried.job_id).requested_by == f"admin:{people.admin.user_id}"
    with pytest.raises(AdminError, match="still pending"):
        jobs.retry_job(session, people.admin, pending)
    with pytest.raises(AdminError, match="succeeded: there is nothing to retry"):
        jobs.retry_job(session, people.admin, old)

    assert jobs.cancel_job(session, people.admin, pending)
    session.commit()
    session.expire_all()
    assert session.get(SyncJob, pending).status == JobStatus.CANCELLED
    # Cancelled (or finished) meanwhile: the page was out of date, a warning rather than an error.
    with pytest.raises(AdminOutdated, match="is cancelled already: there was nothing left to cancel"):
        jobs.cancel_job(session, people.admin, pending)
    outcome = await act(jobs.cancel_job, people.admin, pending)
    assert not outcome.ok and outcome.outdated
    with pytest.raises(AdminError, match="does not exist"):
        jobs.cancel_job(session, people.admin, 999_999)
    with pytest.raises(PermissionDenied):
        jobs.cancel_job(session, people.fan, retried.job_id)
    actions = [(r.action, r.result.split(":")[0]) for r in _log(session)]
    assert actions == [
        ("job.retry", "ok"),
        ("job.retry", "ok"),
        ("job.retry", "refused"),
        ("job.retry", "refused"),
        ("job.cancel", "ok"),
        ("job.cancel", "refused"),  # outdated: already cancelled
        ("job.cancel", "refused"),  # the same through the page's path (`act`)
        ("job.cancel", "refused"),  # no such job
    ]


def test_crons_list_toggle_interval_and_run_now(session: Session, people: People) -> None:
    now = utcnow()
    sync_crons.ensure_defaults(session, now)
    for i, status in enumerate(["succeeded", "failed", "skipped"]):
        session.add(
            CronRun(name="trending", started_at=now - timedelta(minutes=i), finished_at=now, status=status)
        )
    session.commit()
    rows = {c.name: c for c in crons.list_crons(session, runs_per_cron=2)}
    assert "catalog_sync" in rows and "stale_job_sweeper" in rows
    assert [r.status for r in rows["trending"].last_runs] == ["succeeded", "failed"]

    assert crons.set_enabled(session, people.admin, "trending", False) is False
    session.commit()
    session.expire_all()
    assert session.get(CronSetting, "trending").enabled is False
    assert crons.set_interval(session, people.admin, "trending", 120) == 120
    session.commit()
    session.expire_all()
    assert session.get(CronSetting, "trending").interval_seconds == 120
    for bad in (5, "abc", 10**9):
        with pytest.raises(AdminError):
            crons.set_interval(session, people.admin, "trending", bad)  # type: ignore[arg-type]
    with pytest.raises(LookupError):
        crons.set_enabled(session, people.admin, "nope", True)
    crons.run_now(session, people.admin, "trending")
    session.commit()
    session.expire_all()
    assert session.get(CronSetting, "trending").run_now_requested_at is not None
    assert [r.status for r in crons.runs(session, "trending")] == ["succeeded", "failed", "skipped"]
    assert [r.action for r in _log(session)] == [
        "cron.disable",
        "cron.interval",
        "cron.interval",
        "cron.interval",
        "cron.interval",
        "cron.enable",
        "cron.run_now",
    ]


def test_run_now_during_the_budget_alarm_needs_confirmation_and_a_reason(
    session: Session, people: People
) -> None:
    now = utcnow()
    sync_crons.ensure_defaults(session, now)
    sync_status.set_budget_state(session, now, "1200 jobs/min exceeds the spike threshold of 1000")
    session.commit()
    for reason, confirmed in (("", False), ("", True), ("catalog is stale", False)):
        with pytest.raises(AdminError, match="budget alarm"):
            crons.run_now(session, people.admin, "catalog_sync", reason=reason, confirmed=confirmed)
    session.expire_all()
    assert session.get(CronSetting, "catalog_sync").run_now_requested_at is None

    crons.run_now(session, people.admin, "catalog_sync", reason="  catalog is stale ", confirmed=True)
    session.commit()
    session.expire_all()
    assert session.get(CronSetting, "catalog_sync").run_now_requested_at is not None
    entry = _log(session)[-1]
    assert (entry.action, entry.result) == ("cron.run_now", "ok")
    assert entry.arguments == {
        "name": "catalog_sync",
        "budget_alarm": "1200 jobs/min exceeds the spike threshold of 1000",
        "confirmed": True,
        "reason": "catalog is stale",
    }
    assert [e.result.split(":")[0] for e in _log(session)] == ["refused"] * 3 + ["ok"]


def test_non_admin_viewers_are_refused_everywhere(session: Session, people: People) -> None:
    for viewer in (
        people.fan,
        Viewer(),
        Viewer(anon_id="a1"),
        Viewer(user_id=people.fan.user_id, role="banned"),
    ):
        with pytest.raises(PermissionDenied):
            crons.run_now(session, viewer, "trending")
    assert _log(session) == []
