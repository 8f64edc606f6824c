"""Errors recorded (issue 18 item 2): ERROR records land in error_log, one row per fingerprint per
window with a count, written off the logging thread, never raising and never recursing."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from setlist_app.models import ErrorLog
from setlist_app.observability import error_log
from setlist_app.observability.error_log import ErrorRecorder
from setlist_app.observability.logging import context
from tests.fixtures.clock import FakeClock

log = logging.getLogger("tests.error_log")
log.propagate = False  # only the recorder under test sees these records


@pytest.fixture
def recorder(engine: Engine) -> Iterator[ErrorRecorder]:
    """A recorder on the test's logger only (the suite's root logger stays as it is)."""
    handler = ErrorRecorder("worker", lambda: engine, window_seconds=600, interval_seconds=3600)
    log.addHandler(handler)
    yield handler
    log.removeHandler(handler)


def _rows(session: Session) -> list[ErrorLog]:
    session.expire_all()
    return list(session.exec(select(ErrorLog).order_by(ErrorLog.id)))


def test_an_error_storm_is_one_row_with_a_count(
    recorder: ErrorRecorder, session: Session, clock: FakeClock
) -> None:
    with context(job_id=41, job_kind="catalog_sync"):
        for i in range(300):
            log.error("spotify answered 503 for artist %d", i)
    log.warning("not an error")  # below ERROR: not recorded
    recorder.flush()
    for i in range(200):  # the next flush adds to the same row
        log.error("spotify answered 503 for artist %d", 1000 + i)
    try:
        raise KeyError("boom")
    except KeyError:
        log.exception("could not render")
    recorder.flush()

    storm, other = _rows(session)
    assert (storm.count, storm.source, storm.logger) == (500, "worker", "tests.error_log")
    assert storm.message == "spotify answered 503 for artist 0"  # the first occurrence
    assert storm.context == {"job_id": 41, "job_kind": "catalog_sync"}
    assert storm.created_at == clock.t and storm.last_seen_at == clock.t
    assert other.count == 1 and "KeyError: 'boom'" in (other.detail or "")
    assert storm.fingerprint != other.fingerprint


def test_the_same_error_after_the_window_starts_a_new_row(
    recorder: ErrorRecorder, session: Session, clock: FakeClock
) -> None:
    log.error("quota exhausted")
    recorder.flush()
    clock.advance(seconds=300)
    log.error("quota exhausted")
    recorder.flush()
    clock.advance(seconds=400)  # 700 s after the first occurrence: outside the 600 s window
    log.error("quota exhausted")
    recorder.flush()
    assert [r.count for r in _rows(session)] == [2, 1]


def test_an_explicit_fingerprint_groups_different_messages(recorder: ErrorRecorder, session: Session) -> None:
    for url in ("https://x.test/a?q=1", "https://x.test/zz"):
        log.error("job failed: %s", url, extra={"fingerprint": "catalog_sync|HTTPStatusError"})
    recorder.flush()
    assert [r.count for r in _rows(session)] == [2]


def test_emit_never_touches_the_database(engine: Engine) -> None:
    """Logging only folds records into memory (safe on the event loop); the writer thread writes."""
    calls: list[int] = []

    def counting_engine() -> Engine:
        calls.append(1)
        return engine

    handler = ErrorRecorder("app", counting_engine, interval_seconds=3600)
    log.addHandler(handler)
    try:
        for _ in range(1000):
            log.error("same")
        assert calls == []
        handler.flush()
        assert calls == [1]
    finally:
        log.removeHandler(handler)


def test_a_failed_write_neither_raises_nor_recurses_and_keeps_the_counts(
    engine: Engine, session: Session
) -> None:
    attempts: list[int] = []

    def broken_then_fine() -> Engine:
        attempts.append(1)
        if len(attempts) == 1:
            logging.getLogger("sqlalchemy.pool").error("connection refused")  # logged while writing
            raise ConnectionError("database down")
        return engine

    handler = ErrorRecorder("app", broken_then_fine, interval_seconds=3600)
    root = logging.getLogger()
    root.addHandler(handler)  # sees the pool's record too: it must not be recorded
    via_root = logging.getLogger("tests.error_log_via_root")
    try:
        via_root.error("lost connection")
        handler.flush()  # fails quietly
        via_root.error("lost connection")
        handler.flush()
    finally:
        root.removeHandler(handler)
    rows = _rows(session)
    assert [(r.message, r.count) for r in rows] == [("lost connection", 2)]


def test_records_beyond_the_bound_are_dropped_not_queued(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(error_log, "MAX_PENDING", 3)
    handler = ErrorRecorder("app", lambda: engine, interval_seconds=3600)
    for i in range(5):
        handler.handle(
            logging.makeLogRecord({"name": "x", "levelno": logging.ERROR, "msg": f"kind {'abcde'[i]}"})
        )
    assert handler.dropped == 2
    handler.flush()  # writes the three kept, so nothing is left for logging's shutdown to flush


def test_uncaught_exceptions_are_recorded(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`record_errors` hooks uncaught exceptions of the main thread and of other threads."""
    root = logging.getLogger()
    saved = list(root.handlers)
    root.handlers[:] = [h for h in saved if not isinstance(h, ErrorRecorder)]  # one installed by a test
    monkeypatch.setattr("sys.excepthook", None)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    recorder = error_log.record_errors("launcher", lambda: engine)
    try:

        def crash() -> None:
            raise RuntimeError("thread crashed")

        worker = threading.Thread(target=crash, name="probe")
        worker.start()
        worker.join()
        recorder.flush()
    finally:
        root.handlers[:] = saved
    (row,) = _rows(session)
    assert row.source == "launcher" and row.message == "uncaught RuntimeError in thread probe"
    assert "RuntimeError: thread crashed" in (row.detail or "")


def test_the_app_records_its_errors_from_server_start(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lifespan task installs the app's recorder, so importing the app module (tests, the build)
    records nothing. (The worker's: the 5xx-storm fault test finds its rows.)"""
    from setlist_app import setlist_app as app_module

    assert app_module.record_app_errors in app_module.app.get_lifespan_tasks()
    root = logging.getLogger()
    saved = list(root.handlers)
    monkeypatch.setattr("sys.excepthook", None)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    try:
        root.handlers[:] = [h for h in saved if not isinstance(h, ErrorRecorder)]
        app_module.record_app_errors()
        assert [h.source for h in root.handlers if isinstance(h, ErrorRecorder)] == ["app"]
    finally:
        root.handlers[:] = saved
