"""What Reflex does at start (rxconfig.py) adds only meaningful lines to app.log.

`reflex run` used to compare its own model metadata with the Alembic-made schema on every start
(dozens of alembic lines and, on SQLite, "Detected database schema changes. Run reflex db
makemigrations"), to time requests to npm registries, logging every failed try, and to print
authlib's import-time deprecation warning.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from reflex.utils import prerequisites, registry
from reflex_base.config import Config, reload_config

from setlist_app.migrations import upgrade_to_head
from setlist_app.settings import PROJECT_ROOT, get_settings


@pytest.fixture
def sqlite_app_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Config]:
    """Reflex's config for the embedded default: a SQLite file migrated by Alembic (as `make run`)."""
    url = f"sqlite:///{tmp_path}/setlist.db"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade_to_head(url)
    yield reload_config()
    monkeypatch.undo()
    get_settings.cache_clear()
    reload_config()


def test_reflex_leaves_the_alembic_schema_alone(
    sqlite_app_config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    prerequisites.check_schema_up_to_date()  # what `reflex run` calls on every start
    assert [r.getMessage() for r in caplog.records] == []


def test_reflex_takes_the_npm_registry_without_timing_mirrors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NPM_CONFIG_REGISTRY", raising=False)
    reload_config()  # runs rxconfig.py, as a fresh `reflex run` does

    def probe() -> str:
        raise AssertionError("Reflex timed npm registries (and logged each failed connection)")

    monkeypatch.setattr(registry, "_get_best_registry", probe)
    assert registry.get_npm_registry.__wrapped__() == "https://registry.npmjs.org"  # type: ignore[attr-defined]


@pytest.mark.slow  # imports Reflex and the app in a fresh interpreter
def test_the_app_imports_print_no_warning_after_rxconfig() -> None:
    """Reflex loads rxconfig.py before the app; the app's imports then print nothing to app.log."""
    code = "import rxconfig, setlist_app.auth.oidc, setlist_app.providers.spotify"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
