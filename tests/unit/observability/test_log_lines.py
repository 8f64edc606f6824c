"""Lines people read in worker.log and the launcher's output: each record once, no library chatter.

Every arq line used to appear twice in worker.log; every `make run` printed alembic's plugin set-up.
"""

from __future__ import annotations

import io
import logging
import logging.config
import sys
from collections.abc import Iterator

import pytest
from arq.logs import default_log_config

from setlist_app.observability.logging import configure_logging
from setlist_app.settings import Settings


@pytest.fixture
def stderr(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """A buffer for the test to install as stderr; the root and `arq` logging setup restored after."""
    loggers = [logging.getLogger(name) for name in ("", "arq", "alembic.runtime.plugins")]
    saved = [(list(lg.handlers), lg.level) for lg in loggers], logging.getLogRecordFactory()
    yield io.StringIO()
    for lg, (handlers, level) in zip(loggers, saved[0], strict=True):
        lg.handlers[:] = handlers
        lg.setLevel(level)
    logging.setLogRecordFactory(saved[1])


def test_an_arq_record_is_written_once(stderr: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    # In the test body: pytest re-installs its own capture between fixture setup and the call.
    monkeypatch.setattr(sys, "stderr", stderr)
    logging.config.dictConfig(default_log_config(verbose=False))  # what `arq <settings>` does first
    configure_logging(Settings(environment="dev"), stream=stderr)  # workers.settings.startup
    logging.getLogger("arq.worker").info("job %s complete", "j-1")
    lines = [line for line in stderr.getvalue().splitlines() if "job j-1 complete" in line]
    assert len(lines) == 1, lines
    assert "INFO    arq.worker: job j-1 complete" in lines[0]  # in our format


def test_a_framework_logger_that_does_not_propagate_keeps_its_handler(stderr: io.StringIO) -> None:
    own = logging.getLogger("test.own_handler")
    own.propagate = False
    own.addHandler(logging.StreamHandler(stderr))
    try:
        configure_logging(Settings(environment="dev"), stream=stderr)
        own.warning("still here")
    finally:
        own.handlers.clear()
    assert stderr.getvalue().count("still here") == 1
    assert "WARNING test.own_handler: still here" in stderr.getvalue()


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_alembic_plugin_set_up_is_shown_only_when_debugging(
    stderr: io.StringIO, level: str, shown: bool
) -> None:
    configure_logging(Settings(environment="dev", log_level=level), stream=stderr)
    logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate.schemas")
    logging.getLogger("alembic.runtime.migration").info("Running upgrade a1 -> b2")
    assert ("setup plugin" in stderr.getvalue()) is shown
    assert "Running upgrade a1 -> b2" in stderr.getvalue()  # what a migration did stays visible
