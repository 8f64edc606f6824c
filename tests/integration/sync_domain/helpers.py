"""Helpers for the domain job tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from setlist_app.models import Artist, CronSetting, Show
from setlist_app.sync import crons, executors, first_run, jobs, status
from setlist_app.sync.context import SyncContext


async def run(ctx: SyncContext, session: Session, kind: str, key: str, **fields: Any) -> executors.RunOutcome:
    """Request one job as an admin would and perform it."""
    job = jobs.request(session, kind, key, requested_by="admin:1", now=ctx.now(), **fields)
    session.commit()
    return await executors.run_job(job.job_id, ctx)


def artist(session: Session, slug: str) -> Artist:
    session.expire_all()
    return session.exec(select(Artist).where(Artist.slug == slug)).one()


def show(session: Session, show_id: int) -> Show:
    session.expire_all()
    return session.get(Show, show_id)


@dataclass
class Fill:
    ticks: int
    messages: list[str]


async def fill_through_pipeline(ctx: SyncContext, session: Session, *, max_ticks: int = 80) -> Fill:
    """The first run: ticks (planners) and in-process executors on the fake clock, 15 s apart,
    until the first-run cron switches itself off."""
    first_run.start(session, ctx.now())
    session.commit()
    fill = Fill(0, [])
    while fill.ticks < max_ticks:
        report = await crons.tick(ctx)
        assert not report.failed, report.failed
        outcomes = await executors.run_due(ctx)
        assert all(o.status in ("succeeded", "pending") for o in outcomes), outcomes
        fill.ticks += 1
        session.expire_all()
        message = status.get_status(session).message
        if message and message not in fill.messages:
            fill.messages.append(message)
        if not session.get(CronSetting, "first_run").enabled:
            return fill
        ctx.clock.advance(seconds=15)
    raise AssertionError(f"the first run did not finish in {max_ticks} ticks: {fill.messages}")


_DEMO_TABLES = (
    "artists", "venues", "songs", "artist_songs", "shows", "predictions", "prediction_songs",
    "actual_setlists", "actual_setlist_songs", "cron_settings",
)  # fmt: skip
_snapshot: dict[str, list[dict[str, Any]]] = {}


async def demo_database(ctx: SyncContext, session: Session) -> None:
    """The demo catalog as the pipeline imports it. Filled once per session, then restored from a
    snapshot on either backend (the direct demo loader takes ~20 s per use; a restore well under a
    second)."""
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    if not _snapshot:
        await fill_through_pipeline(ctx, session)
        with session.get_bind().connect() as conn:
            for name in _DEMO_TABLES:
                _snapshot[name] = [dict(r._mapping) for r in conn.execute(select(tables[name]))]
        return
    with session.get_bind().begin() as conn:
        conn.execute(text("DELETE FROM cron_settings"))
        for name in _DEMO_TABLES:
            if _snapshot[name]:
                conn.execute(tables[name].insert(), _snapshot[name])
            if "id" in tables[name].c and conn.dialect.name == "postgresql":
                # SQLite's next rowid follows the largest id by itself; Postgres' sequence does not.
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                    )
                )
    session.expire_all()
