"""Database preparation shared by the launcher and scripts: migrate to head, seed demo data once."""

from __future__ import annotations

import logging

from sqlalchemy import func
from sqlmodel import Session, select

from setlist_app.db import get_engine
from setlist_app.migrations import upgrade_to_head
from setlist_app.models import Artist
from setlist_app.settings import Settings

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> None:
    """Migrate, then load the demo catalog if the database has no artists yet."""
    upgrade_to_head(settings.database_url)
    with Session(get_engine()) as session:
        if session.exec(select(func.count()).select_from(Artist)).one() == 0:
            from setlist_app.services.demo_seed import seed_demo_catalog

            report = seed_demo_catalog(session)
            log.info("seeded the demo catalog: %s", report)
