"""The layer contracts (.importlinter, docs/architecture.md) hold, and fail when a forbidden import
comes back: each cycle issue 15 removed is put back in a copy of the tree and must be reported."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# module file -> import put back -> the complaint import-linter must make about it
FORBIDDEN = [
    (  # the use case owned a job kind the executor needed: services <-> sync
        "setlist_app/sync/artist_request.py",
        "from setlist_app.services import search",
        "setlist_app.sync is not allowed to import setlist_app.services",
    ),
    (  # the Spotify token store requested catalog jobs: auth <-> sync
        "setlist_app/auth/spotify_tokens.py",
        "from setlist_app.sync import jobs",
        "setlist_app.auth is not allowed to import setlist_app.sync",
    ),
    (  # scoring wrote the feed through a use case module
        "setlist_app/domain/setlists.py",
        "from setlist_app.services import activity_feed",
        "setlist_app.domain is not allowed to import setlist_app.services",
    ),
    (  # the pusher looked up the UI substates it pushes to
        "setlist_app/live/pusher.py",
        "from setlist_app.state.show import ShowLive",
        "setlist_app.live is not allowed to import setlist_app.state",
    ),
    (  # the vote lane lived beside the show state it answered for (live/pusher <-> state/show <-> vote lane)
        "setlist_app/live/vote_lane.py",
        "from setlist_app.state.show import ShowState",
        "setlist_app.live is not allowed to import setlist_app.state",
    ),
    (  # the wire reading Reflex's delta field suffix itself instead of being handed it
        "setlist_app/live/reflex_wire.py",
        "from reflex_base.constants.state import FIELD_MARKER",
        "setlist_app.live.reflex_wire -> reflex_base",
    ),
    (  # a rule opening its own connection instead of taking the caller's session
        "setlist_app/domain/trending.py",
        "from setlist_app.db import get_engine",
        "setlist_app.domain.trending -> setlist_app.db",
    ),
    (  # scrape-time gauges read the sync budget from the bottom layer
        "setlist_app/observability/metrics.py",
        "from setlist_app.sync import budget",
        "setlist_app.observability is not allowed to import setlist_app.sync",
    ),
    (  # the fakes matched names with the app's own code
        "simulator/catalog.py",
        "from setlist_app.domain.titles import normalize_name",
        "simulator.catalog -> setlist_app.domain.titles",
    ),
    (
        "setlist_app/services/search.py",
        "import reflex",
        "setlist_app.services.search -> reflex",
    ),
    (
        "workers/settings.py",
        "from setlist_app.state import show",
        "workers.settings -> setlist_app.state.show",
    ),
]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd), "COLUMNS": "400", "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_contract() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_each_forbidden_import_put_back_breaks_a_contract(tmp_path: Path) -> None:
    skip = shutil.ignore_patterns("__pycache__", "*.json", "*.md", "data")
    for package in ("setlist_app", "workers", "simulator"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=skip)
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    for module, line, _ in FORBIDDEN:
        path = tmp_path / module
        path.write_text(path.read_text() + f"\n{line}  # put back\n")

    result = _lint_imports(tmp_path)

    assert result.returncode != 0
    report = " ".join(result.stdout.split())  # whatever the console wrapped
    missing = [complaint for _, _, complaint in FORBIDDEN if complaint not in report]
    assert not missing, result.stdout
    assert "5 broken" in report


def test_the_readme_layout_names_every_package() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    names = [p.name + "/" for p in (ROOT / "setlist_app").iterdir() if (p / "__init__.py").exists()]
    names += [p.name for p in (ROOT / "setlist_app").glob("*.py") if p.name != "__init__.py"]
    assert not [name for name in names if name not in layout]
