"""Print (or --write into README.md) the configuration table generated from setlist_app/settings.py.

Each row: the environment variable, its default, and the comment written beside or above the field.
tests/unit/test_readme.py fails when README.md's table is out of date.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def settings_table() -> str:
    source = (ROOT / "setlist_app" / "settings.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    cls = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        name = node.target.id
        default = _default(ast.get_source_segment(source, _default_node(node.value)) if node.value else "")
        section = _section(lines, node.lineno)
        if section:
            rows.append(f"| *{section}* | | |")
        rows.append(
            f"| `{name.upper()}` | {default} | {_trailing(lines[(node.end_lineno or node.lineno) - 1])} |"
        )
    return "\n".join(rows)


def _default_node(value: ast.expr) -> ast.expr:
    """The default itself: `Field(default, ...)`'s first argument, or the value as written."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "Field":
        return value.args[0] if value.args else value
    return value


def _default(expr: str) -> str:
    if expr.startswith("Field(default_factory=list"):
        return "(empty)"
    if expr.startswith('f"sqlite'):
        return "`sqlite:///<repo>/data/setlist.db`"
    expr = expr.strip()
    if expr in ('""', "''"):
        return "(empty)"
    return f"`{expr.strip(chr(34))}`"


def _trailing(line: str) -> str:
    parts = line.split("  # ", 1)
    return parts[1].strip().replace("|", "\\|") if len(parts) == 2 else ""


def _section(lines: list[str], first: int) -> str:
    """A comment block above a field that follows a blank line: a heading for the fields below."""
    above: list[str] = []
    i = first - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        above.insert(0, lines[i].strip().lstrip("#").strip())
        i -= 1
    return " ".join(above).replace("|", "\\|") if above else ""


def readme_with_table(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{settings_table()}\n{END}{tail}"


if __name__ == "__main__":
    path = ROOT / "README.md"
    if "--write" in sys.argv:
        path.write_text(readme_with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(settings_table())
