"""The app's one clock: every "now" in domain code, row defaults included, comes from `now()`.

Production reads the wall clock. A test that needs time to stand still or jump installs a fake
with `use()`; services, planners, executors and row defaults then all see that same time, so a
fake clock is never mixed with wall-clock writes (DESIGN.md §13).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

Source = Callable[[], datetime]


def wall() -> datetime:
    """Timezone-aware wall-clock time in UTC."""
    return datetime.now(UTC)


_source: Source = wall


def now() -> datetime:
    """The current time in UTC, from the installed source (the wall clock unless a test says)."""
    return _source()


@contextmanager
def use(source: Source) -> Iterator[None]:
    """Make `source` the app's clock until the block ends (tests only)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
