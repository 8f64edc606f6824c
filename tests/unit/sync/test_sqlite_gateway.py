"""The gateway's upserts and claims also work on the embedded SQLite database (first run)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from setlist_app.db import make_engine
from setlist_app.migrations import upgrade_to_head
from setlist_app.models import CronSetting
from setlist_app.sync import crons, jobs, registry, status

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_single_flight_claim_and_crons_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            first = jobs.request(session, "catalog_sync", "artist:1", requested_by="user:1", now=T0)
            again = jobs.request(session, "catalog_sync", "artist:1", requested_by="user:2", now=T0)
            session.commit()
            assert first.created and not again.created and first.job_id == again.job_id
            job = jobs.claim(session, first.job_id, T0, 60)
            assert job is not None and jobs.claim(session, first.job_id, T0, 60) is None
            assert jobs.release_expired_leases(session, T0 + timedelta(seconds=61)) == 1
            session.commit()
            job = jobs.claim(session, first.job_id, T0 + timedelta(seconds=61), 60)
            assert jobs.finish(session, job, T0, {"ok": True})
            assert jobs.request(session, "catalog_sync", "artist:1", requested_by="user:1", now=T0).created
            crons.ensure_defaults(session, T0)
            status.record_outcome(session, "catalog_sync", T0)
            session.commit()
            assert set(session.exec(select(CronSetting.name))) == set(registry.registered_planners())
            assert status.get_status(session).last_success == {"catalog_sync": T0.isoformat()}
    finally:
        engine.dispose()
