"""Start the already-built app's backend under granian with N workers, without rebuilding `.web`.

`reflex run --env prod` rebuilds the frontend on every start; a second app on the same tree (the
2-worker e2e test, the benchmark) only needs the backend, serving the existing build when asked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.common import taskset
from setlist_app.settings import PROJECT_ROOT

_SERVE = (
    "from reflex.utils.exec import run_granian_backend_prod;"
    "from reflex_base.constants import LogLevel;"
    "run_granian_backend_prod('127.0.0.1', {port}, LogLevel.WARNING)"
)


def start_backend(
    port: int,
    workers: int,
    env: dict[str, str],
    log: Path,
    *,
    mount_frontend: bool = False,
    cpus: str | None = None,
) -> subprocess.Popen[bytes]:
    """Launch the backend (its own process group, pinned to `cpus` if given) and wait until /ping answers."""
    full_env = {
        **os.environ,
        **env,
        "GRANIAN_WORKERS": str(workers),
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_STATE_MANAGER_MODE": "redis",
    }
    # Reflex's internal switches (what `reflex run --env prod` sets for its backend): never touch
    # `.web`, and optionally serve the existing frontend build on the same port.
    full_env["__REFLEX_SKIP_COMPILE"] = "true"
    full_env["__REFLEX_MOUNT_FRONTEND_COMPILED_APP"] = "true" if mount_frontend else "false"
    out = log.open("wb")
    proc = subprocess.Popen(
        [*taskset(cpus), sys.executable, "-c", _SERVE.format(port=port)],
        cwd=PROJECT_ROOT,
        env=full_env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"backend exited early; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as r:
                if r.status == 200:
                    time.sleep(1.0)  # let every worker finish booting
                    return proc
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"backend did not start; see {log}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
