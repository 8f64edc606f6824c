"""The banner's source: read_health levels (incl. first-run progress) and HealthWatch change detection."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.live.health import HealthWatch
from setlist_app.models import SyncStatus, utcnow
from setlist_app.sync import status


def _beat(engine: Engine, message: str | None = None) -> None:
    with Session(engine) as s:
        status.refresh(s, utcnow(), phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
        s.execute(update(SyncStatus).where(SyncStatus.id == 1).values(message=message))
        s.commit()


async def test_watch_reports_each_change_once(engine: Engine) -> None:
    watch = HealthWatch()
    assert await watch.refresh()  # no heartbeat: down
    assert watch.current.level == "down"
    assert not await watch.refresh()  # unchanged: nothing to push

    _beat(engine, "Importing catalogs: 3/22 artists")
    assert await watch.refresh()
    assert watch.current == status.Health("syncing", "Importing catalogs: 3/22 artists")

    _beat(engine)
    assert await watch.refresh()
    assert watch.current == status.Health("ok", "")

    with Session(engine) as s:
        status.set_kill_switch(s, True, utcnow())
        s.commit()
    assert await watch.refresh()
    assert watch.current.level == "degraded"
    assert "paused by an administrator" in watch.current.message
