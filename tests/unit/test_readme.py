"""The README stays true: its configuration table matches settings.py and lists every variable the
code reads, its commands exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from scripts.settings_doc import ROOT, readme_with_table
from setlist_app.settings import Settings


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


def _environment_reads(path: Path) -> set[str]:
    """Names the module reads from os.environ directly (`[...]`, `.get(...)`, `os.getenv(...)`),
    with module-level string constants resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        t.id: n.value.value
        for n in tree.body
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
        for t in n.targets
        if isinstance(t, ast.Name)
    }

    def name(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return constants.get(node.id) if isinstance(node, ast.Name) else None

    def is_environ(node: ast.expr) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "environ"

    found: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_environ(node.value):
            found.add(name(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            func = node.func
            if (func.attr == "get" and is_environ(func.value)) or func.attr == "getenv":
                found.add(name(node.args[0]))
    return {n for n in found if n}


def test_the_readme_lists_every_variable_the_code_reads() -> None:
    """One settings object (settings.Settings, whose table is generated) and, for the few variables
    read directly from the environment, a mention in the README."""
    sources = [*(ROOT / "setlist_app").rglob("*.py"), *(ROOT / "workers").rglob("*.py"), ROOT / "rxconfig.py"]
    settings_classes = [
        f"{path.relative_to(ROOT)}:{node.name}"
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and any(getattr(b, "id", "") == "BaseSettings" for b in node.bases)
    ]
    assert settings_classes == ["setlist_app/settings.py:Settings"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`|\b([A-Z][A-Z0-9_]+)=", readme))
    names = {n for pair in documented for n in pair if n}
    for field in Settings.model_fields:
        assert field.upper() in names, field
    read = set().union(*(_environment_reads(path) for path in sources))
    assert "PROMETHEUS_MULTIPROC_DIR" in read  # the scan sees constants
    assert read <= names, sorted(read - names)
