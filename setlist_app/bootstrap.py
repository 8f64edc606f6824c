"""Database preparation shared by the launcher and scripts: migrate to head, arm the first run.

An empty database is NOT loaded directly: it fills through the real sync pipeline (discovery →
enrichment → catalogs → seeded predictions → past setlists with scores) from the local simulator
or the real APIs, with shortened cron intervals while it fills (setlist_app.sync.first_run) and
progress in sync_status. The direct demo loader (services.demo_seed) is a test fixture only.
"""

from __future__ import annotations

import logging

from sqlalchemy import func
from sqlmodel import Session, select

from setlist_app.db import get_engine
from setlist_app.migrations import upgrade_to_head
from setlist_app.models import Artist, utcnow
from setlist_app.settings import Settings

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> bool:
    """Migrate, register the crons, and start first-run mode when there are no artists yet.

    Returns True when a first run was armed (the worker fills the database from then on).
    """
    from setlist_app.sync import crons, first_run, registry  # noqa: F401  (registry fills the crons)

    upgrade_to_head(settings.database_url)
    with Session(get_engine()) as session:
        now = utcnow()
        empty = session.exec(select(func.count()).select_from(Artist)).one() == 0
        if empty:
            first_run.start(session, now)
            source = "the local simulator" if settings.uses_simulator else "the configured APIs"
            log.info("empty database: the worker will fill it from %s (first-run mode)", source)
        else:
            crons.ensure_defaults(session, now)
        session.commit()
    return empty
