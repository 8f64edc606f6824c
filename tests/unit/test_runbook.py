"""docs/runbook.md names only commands that exist: every command in its shell blocks resolves and its
arguments parse, and every command named inline is a real command or subcommand. What each command
does is tested elsewhere (tests/integration/test_ops_cli.py, test_runbook_commands.py,
test_migrations.py)."""

from __future__ import annotations

import importlib
import re
import shlex
import shutil
from pathlib import Path

import pytest
from alembic.config import CommandLine
from arq.cli import cli as arq_cli

from setlist_app import ops
from setlist_app.api.app import api_routes
from setlist_app.settings import PROJECT_ROOT

RUNBOOK = PROJECT_ROOT / "docs" / "runbook.md"
BIN = Path(PROJECT_ROOT / ".venv" / "bin")


def _block_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", RUNBOOK.read_text(), re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _inline_commands() -> list[str]:
    text = re.sub(r"```sh\n.*?```", "", RUNBOOK.read_text(), flags=re.S)
    spans = [" ".join(s.split()) for s in re.findall(r"`([^`]+)`", text)]
    return [s for s in spans if s.split()[0] in {"python", "alembic", "arq", "curl", "redis-cli", "pg_dump"}]


def _executable(name: str) -> bool:
    return (BIN / name).exists() or shutil.which(name) is not None


def _ops_subcommands() -> set[str]:
    sub = next(a for a in ops.parser()._actions if a.dest == "command")
    return set(sub.choices)  # type: ignore[arg-type]


def check(argv: list[str]) -> None:
    """Raise unless `argv` is a command that exists with arguments it accepts."""
    word, args = argv[0], argv[1:]
    if word == "python":
        assert args[:2] == ["-m", "setlist_app.ops"], argv
        ops.parser().parse_args(args[2:])  # SystemExit on unknown commands or bad arguments
    elif word == "alembic":
        CommandLine().parser.parse_args(args)
    elif word == "arq":
        arq_cli.make_context("arq", list(args))
        module, _, name = args[-1].rpartition(".")
        getattr(importlib.import_module(module), name)
    elif word == "curl":
        path = re.sub(r"^https?://[^/]+", "", args[-1])
        assert path in {r.path for r in api_routes()}, path  # type: ignore[attr-defined]
    else:
        assert word in {"redis-cli", "pg_dump", "pg_restore"}, f"unchecked command {word}"
    assert _executable(word), f"{word} is not installed"


def test_the_runbook_has_commands() -> None:
    commands = _block_commands()
    assert len(commands) > 20
    assert {c.split()[0] for c in commands} == {
        "python",
        "alembic",
        "arq",
        "curl",
        "redis-cli",
        "pg_dump",
        "pg_restore",
    }
    # every operator subcommand is in the runbook, so none is undocumented
    used = {shlex.split(c)[3] for c in commands if c.startswith("python -m setlist_app.ops")}
    assert used == _ops_subcommands()


@pytest.mark.parametrize("command", _block_commands())
def test_every_command_in_the_runbook_exists_and_parses(command: str) -> None:
    check(shlex.split(command))


@pytest.mark.parametrize("command", _inline_commands())
def test_every_command_named_inline_exists(command: str) -> None:
    argv = command.split()
    assert _executable(argv[0]), command
    if argv[:3] == ["python", "-m", "setlist_app.ops"] and len(argv) > 3:
        assert argv[3] in _ops_subcommands(), command
    if argv[0] == "alembic":
        assert argv[1] in {"current", "history", "upgrade", "downgrade"}, command


def test_the_checker_rejects_what_does_not_exist() -> None:
    """The checks above can fail: unknown subcommands, arguments, routes and tools are refused."""
    for argv in (
        ["python", "-m", "setlist_app.ops", "reboot"],
        ["python", "-m", "setlist_app.ops", "circuit", "open", "myspace", "--as", "a@b.c"],
        ["python", "-m", "setlist_app.ops", "kill-switch", "on"],  # --as is required
        ["alembic", "rewind"],
        ["curl", "-fsS", "http://127.0.0.1:3000/livez"],
        ["kubectl", "rollout", "undo"],
    ):
        with pytest.raises((SystemExit, AssertionError)):
            check(argv)
