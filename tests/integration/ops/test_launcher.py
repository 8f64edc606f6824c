"""The launcher's supervision: restart on crash with backoff, clean shutdown, no orphans."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

from setlist_app.launcher import Child, stop_all, supervise

PY = sys.executable
# A child that spawns a grandchild and then sleeps (like reflex spawning granian workers).
PARENT_WITH_GRANDCHILD = textwrap.dedent(
    """
    import subprocess, sys, time, pathlib
    kid = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    pathlib.Path(sys.argv[1]).write_text(str(kid.pid))
    time.sleep(600)
    """
)
IGNORES_TERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_crashing_child_restarts_with_growing_backoff(tmp_path: Path) -> None:
    child = Child("crasher", [PY, "-c", "raise SystemExit(3)"], dict(os.environ), log_path=tmp_path / "c.log")
    starts: list[float] = []
    deadline = time.monotonic() + 20  # generous: a loaded machine starts processes slowly
    while time.monotonic() < deadline and len(starts) < 3:
        before = child.proc
        child.poll()
        if child.proc is not None and child.proc is not before:
            starts.append(time.monotonic())
        time.sleep(0.05)
    assert len(starts) == 3, starts
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # Never earlier than the backoff (1 s, then 2 s); no upper bound, which would only measure load.
    assert gaps[0] >= 1.0 and gaps[1] >= 2.0, gaps
    assert child.failures == 2 and child.backoff() == 2.0
    child.backoff_max, child.failures = 3.0, 10
    assert child.backoff() == 3.0
    stop_all([child], 2)


def test_stop_all_leaves_no_orphans(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    children = [
        Child(
            "tree",
            [PY, "-c", PARENT_WITH_GRANDCHILD, str(marker)],
            dict(os.environ),
            log_path=tmp_path / "t.log",
        ),
        Child("stubborn", [PY, "-c", IGNORES_TERM], dict(os.environ), log_path=tmp_path / "s.log"),
    ]
    for child in children:
        child.start()
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    pids = [c.proc.pid for c in children if c.proc] + [int(marker.read_text())]
    started = time.monotonic()
    stop_all(children, timeout=1.0)
    assert time.monotonic() - started < 5  # SIGKILL after the timeout, all groups in parallel
    assert all(_gone(pid) for pid in pids), [p for p in pids if not _gone(p)]


def test_crashed_leader_does_not_leave_its_workers_behind(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    child = Child(
        "tree", [PY, "-c", PARENT_WITH_GRANDCHILD, str(marker)], dict(os.environ), log_path=tmp_path / "t.log"
    )
    child.start()
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    grandchild = int(marker.read_text())
    assert child.proc is not None
    os.kill(child.proc.pid, signal.SIGKILL)  # the leader crashes, its worker survives it...
    child.proc.wait()
    child.poll()  # ...until the supervisor notices and clears the group before restarting
    time.sleep(0.2)
    assert _gone(grandchild)
    assert child.restarts == 1
    stop_all([child], 1)


LAUNCHER_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from setlist_app.launcher import Child, stop_all, supervise
    stopping = []
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    kids = [Child(f"k{i}", [sys.executable, "-c", "import time; time.sleep(600)"], dict(os.environ),
                  log_path=__import__("pathlib").Path(sys.argv[1]) / f"k{i}.log") for i in range(3)]
    for k in kids:
        k.start()
    print(" ".join(str(k.proc.pid) for k in kids), flush=True)
    try:
        supervise(kids, lambda: bool(stopping), 0.05)
    finally:
        stop_all(kids, 5)
    """
)


def test_ctrl_c_stops_everything_and_launcher_death_kills_children(tmp_path: Path) -> None:
    for how in (signal.SIGINT, signal.SIGKILL):
        proc = subprocess.Popen([PY, "-c", LAUNCHER_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 3 and not any(_gone(p) for p in pids)
        proc.send_signal(how)  # Ctrl-C, or the launcher itself killed (PR_SET_PDEATHSIG)
        proc.wait(timeout=15)
        deadline = time.monotonic() + 20  # generous: a loaded machine starts processes slowly
        while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(_gone(p) for p in pids), how


def test_supervise_returns_when_asked(tmp_path: Path) -> None:
    child = Child(
        "sleeper", [PY, "-c", "import time; time.sleep(60)"], dict(os.environ), log_path=tmp_path / "x.log"
    )
    calls = []
    supervise([child], lambda: len(calls.append(1) or calls) > 3, interval=0.01)
    assert child.proc is not None and child.proc.poll() is None
    stop_all([child], 2)
    assert child.proc is None
