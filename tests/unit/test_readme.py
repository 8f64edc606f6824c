"""The README stays true: its configuration table matches settings.py, its commands exist."""

from __future__ import annotations

import re

from scripts.settings_doc import ROOT, readme_with_table


def test_configuration_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme) == readme, "run: .venv/bin/python scripts/settings_doc.py --write"


def test_readme_commands_are_make_targets() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^make (\w+)", readme, flags=re.MULTILINE):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_readme_shows_the_nginx_configuration_the_tests_run() -> None:
    """tests/integration/ops/test_nginx.py runs deploy/nginx/setlist.conf: the README shows that file."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"```nginx\n(.*?)```", readme, flags=re.DOTALL)
    assert shown == [(ROOT / "deploy" / "nginx" / "setlist.conf").read_text(encoding="utf-8")]
