"""Loaded by every Python process of the suite's libfaketime runs (scripts/test.sh puts this folder
on PYTHONPATH there, nowhere else).

The runs fake only the wall clock (FAKETIME_DONT_FAKE_MONOTONIC=1), because Python's lock timeouts
wait on the real monotonic clock and would hang on a faked one. libfaketime 0.9.10 (Debian
bookworm) then fails `time.sleep` with EINVAL: its clock_nanosleep wrapper shifts the monotonic
deadline Python passes. Sleeping on a timed lock wait instead measures the same real time.
"""

from __future__ import annotations

import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


time.sleep = _sleep
