"""Run Alembic migrations from code (app start, launcher, tests) without the alembic CLI."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from setlist_app.db import make_engine
from setlist_app.settings import PROJECT_ROOT


def _config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.cmd_opts = None
    cfg.attributes["url"] = url
    return cfg


def upgrade_to_head(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to the newest revision (or to `revision`: tests of a data migration)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = _config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def downgrade_to_base(url: str) -> None:
    """Undo every migration (used by tests of the migrations themselves)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = _config(url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
    finally:
        engine.dispose()


def is_at_head(url: str) -> bool:
    """True when the database's revision is the newest one (readiness check)."""
    head = ScriptDirectory.from_config(_config(url)).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() == head
    finally:
        engine.dispose()
