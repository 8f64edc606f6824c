"""The external commands of docs/runbook.md, run for real: the worker health check, Redis' ping,
and a PostgreSQL backup restored into an empty database brought to the code's revision (alembic)."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import psycopg
import redis

from setlist_app.migrations import is_at_head
from setlist_app.settings import PROJECT_ROOT
from tests.conftest import PG_ADMIN_URL
from workers.settings import HEALTH_CHECK_KEY

BIN = PROJECT_ROOT / ".venv" / "bin"


def _run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_arq_check_reports_whether_a_worker_is_alive(redis_url: str) -> None:
    base, db = redis_url.rsplit("/", 1)
    env = {"REDIS_URL": base, "REDIS_DB_QUEUE": db}
    client = redis.Redis.from_url(redis_url)
    try:
        client.delete(HEALTH_CHECK_KEY)
        assert _run([str(BIN / "arq"), "--check", "workers.settings.WorkerSettings"], **env).returncode == 1
        client.set(
            HEALTH_CHECK_KEY, "Mar-03 10:00:00 j_complete=1 j_failed=0 j_retried=0 j_ongoing=0 queued=0"
        )
        result = _run([str(BIN / "arq"), "--check", "workers.settings.WorkerSettings"], **env)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        client.delete(HEALTH_CHECK_KEY)
        client.close()


def test_redis_cli_ping(redis_url: str) -> None:
    assert _run(["redis-cli", "-u", redis_url, "ping"]).stdout.strip() == "PONG"


def test_restore_a_backup_into_an_empty_database(database_url: str, tmp_path: Path) -> None:
    """pg_dump the session database, pg_restore it elsewhere, alembic current/upgrade head."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO error_log (source, message, logger, fingerprint, count, context, created_at)"
            " VALUES ('worker', 'kept by the backup', '', 'f', 3, '{}', now())"
        )
    name = f"setlist_restore_{secrets.token_hex(4)}"
    target = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    dump = tmp_path / "setlist.dump"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        dumped = _run(["pg_dump", "--format=custom", f"--file={dump}", database_url])
        assert dumped.returncode == 0, dumped.stderr
        restored = _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={target}", str(dump)]
        )
        assert restored.returncode == 0, restored.stderr
        current = _run([str(BIN / "alembic"), "current"], DATABASE_URL=target)
        assert current.returncode == 0 and "(head)" in current.stdout, current.stdout + current.stderr
        assert _run([str(BIN / "alembic"), "upgrade", "head"], DATABASE_URL=target).returncode == 0
        assert is_at_head(target)
        with psycopg.connect(target) as conn:
            assert conn.execute(
                "SELECT count FROM error_log WHERE message = 'kept by the backup'"
            ).fetchone() == (3,)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM error_log WHERE message = 'kept by the backup'")
