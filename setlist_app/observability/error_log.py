"""Every ERROR record and uncaught exception of a process lands in `error_log`, deduplicated.

`record_errors(source)` (app, worker, launcher) installs `ErrorRecorder` on the root logger and
hooks uncaught exceptions (main thread, other threads) into logging. The handler never touches the
database on the logging thread: `emit` folds the record into an in-memory map keyed by fingerprint
(a lock and a dict operation, so it cannot block the event loop), and a daemon thread writes that
map about once a second: one UPDATE (`count = count + n`) or INSERT per fingerprint, however many
records arrived. Within `ERROR_LOG_WINDOW_SECONDS` of a row's first occurrence the same fingerprint
increments its count, so an error storm is one row, never a write storm.

Writing never raises into the caller and never recurses: records emitted while the recorder writes
(SQLAlchemy's own errors, our warning about a failed write) are ignored by the recorder, a failed
write keeps the counts for the next attempt, and the map is bounded (`MAX_PENDING` fingerprints;
beyond it, records are counted as dropped and logged as a warning).
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from setlist_app import clock
from setlist_app.db import get_engine
from setlist_app.models.ops import ErrorLog
from setlist_app.observability.logging import bound_ids
from setlist_app.settings import get_settings

MAX_PENDING = 500
_ERRORS = ErrorLog.__table__
_VARYING = re.compile(r"\b[0-9a-f]{8,}\b|\b[0-9a-f-]{32,36}\b|\d+", re.I)  # ids, hashes, numbers
_log = logging.getLogger(__name__)


def fingerprint(record: logging.LogRecord) -> str:
    """What makes two records "the same error": an explicit `extra={"fingerprint": ...}`, else the
    logger, the exception type and the first line of the message with numbers and ids blanked."""
    explicit = getattr(record, "fingerprint", None)
    if explicit:
        basis = f"{record.name}|{explicit}"
    else:
        exc = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        first_line = record.getMessage().split("\n", 1)[0]
        basis = f"{record.name}|{exc}|{_VARYING.sub('#', first_line)}"
    return hashlib.sha1(basis.encode(), usedforsecurity=False).hexdigest()


@dataclass
class _Pending:
    message: str
    detail: str | None
    logger: str
    context: dict[str, Any]
    first_at: datetime
    last_at: datetime
    count: int = 1


class ErrorRecorder(logging.Handler):
    """A logging handler that aggregates ERROR records by fingerprint and writes them from a thread."""

    def __init__(
        self,
        source: str,
        engine: Callable[[], Engine] = get_engine,
        *,
        window_seconds: float | None = None,
        interval_seconds: float = 1.0,
    ) -> None:
        super().__init__(logging.ERROR)
        self.source = source
        self._engine = engine
        self._window = timedelta(
            seconds=get_settings().error_log_window_seconds if window_seconds is None else window_seconds
        )
        self._interval = interval_seconds
        self._pending: dict[str, _Pending] = {}
        self._lock = threading.Lock()  # guards _pending and dropped
        self._write_lock = threading.Lock()  # one writer at a time (the thread, or an explicit flush)
        self._writing = threading.local()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._writing, "active", False):
            return  # raised by our own write: recording it would recurse
        try:
            key = fingerprint(record)
            now = clock.now()
            with self._lock:
                entry = self._pending.get(key)
                if entry is not None:
                    entry.count += 1
                    entry.last_at = now
                elif len(self._pending) < MAX_PENDING:
                    self._pending[key] = _Pending(
                        record.getMessage()[:1000],
                        record.exc_text or (self.format(record) if record.exc_info else None),
                        record.name[:200],
                        dict(getattr(record, "ctx", None) or bound_ids()),
                        now,
                        now,
                    )
                else:
                    self.dropped += 1
            self._ensure_thread()
        except Exception:
            self.handleError(record)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="error-log-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self._interval)
            self.flush()

    def flush(self) -> None:
        """Write what has been recorded so far (the thread calls this; so do tests and shutdown)."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
                dropped, self.dropped = self.dropped, 0
            if not batch and not dropped:
                return
            self._writing.active = True
            try:
                self._write(batch)
            except Exception as exc:  # the database is unreachable: keep the counts for the next try
                with self._lock:
                    for key, entry in batch.items():
                        self._merge_back(key, entry)
                _log.warning("could not write %d error(s) to error_log: %s", len(batch), exc)
            finally:
                if dropped:
                    _log.warning("error_log: %d error record(s) dropped (too many distinct errors)", dropped)
                self._writing.active = False

    def _merge_back(self, key: str, entry: _Pending) -> None:
        newer = self._pending.get(key)
        if newer is not None:
            newer.count += entry.count
            newer.first_at = entry.first_at
        elif len(self._pending) < MAX_PENDING:
            self._pending[key] = entry
        else:
            self.dropped += entry.count

    def _write(self, batch: dict[str, _Pending]) -> None:
        with self._engine().begin() as conn:
            for key, entry in batch.items():
                row_id = conn.execute(
                    select(_ERRORS.c.id)
                    .where(_ERRORS.c.fingerprint == key, _ERRORS.c.created_at >= entry.last_at - self._window)
                    .order_by(_ERRORS.c.created_at.desc())
                    .limit(1)
                ).scalar_one_or_none()
                if row_id is not None:
                    conn.execute(
                        update(_ERRORS)
                        .where(_ERRORS.c.id == row_id)
                        .values(count=_ERRORS.c.count + entry.count, last_seen_at=entry.last_at)
                    )
                else:
                    conn.execute(
                        insert(_ERRORS).values(
                            source=self.source,
                            message=entry.message,
                            detail=entry.detail,
                            logger=entry.logger,
                            fingerprint=key,
                            count=entry.count,
                            context=entry.context,
                            created_at=entry.first_at,
                            last_seen_at=entry.last_at,
                        )
                    )


_UNCAUGHT = logging.getLogger("setlist_app.uncaught")


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None, where: str = "main thread"
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    _UNCAUGHT.error("uncaught %s in %s", kind.__name__, where, exc_info=(kind, value, tb))


def _log_uncaught_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        where = f"thread {args.thread.name}" if args.thread else "a thread"
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback, where)


def record_errors(source: str, engine: Callable[[], Engine] = get_engine) -> ErrorRecorder:
    """Install the recorder on the root logger (once per process) and log uncaught exceptions."""
    root = logging.getLogger()
    recorder = next((h for h in root.handlers if isinstance(h, ErrorRecorder)), None)
    if recorder is None:
        recorder = ErrorRecorder(source, engine)
        root.addHandler(recorder)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_thread
    return recorder
