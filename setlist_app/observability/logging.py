"""Logging: JSON lines in production, readable lines in development, ids from contextvars, no secrets.

* `configure_logging()` once per process (app, worker, launcher). `LOG_FORMAT=auto` means JSON when
  `ENVIRONMENT=prod`, text otherwise.
* `bind(request_id=..., job_id=...)` puts ids on every record logged in the current context (an
  asyncio task or thread inherits them); the HTTP middleware binds `request_id`, the Reflex event
  middleware `event_id`/`event`, `run_job` `job_id`/`job_kind`.
* Redaction happens in the *record factory*, so it covers every logger and every handler
  (granian's, arq's, ours): the message is rendered, redacted, and frozen before any handler sees
  it; exception text and stack are redacted too (`extra=` strings by the JSON formatter). It removes values of
  authorization/cookie headers, bearer/basic credentials, JWTs, `key=value`/JSON pairs whose key
  looks secret (token, secret, password, cookie, session, api key, code verifier...), OAuth query
  parameters in URLs, and the literal values of every secret setting.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from setlist_app.settings import Settings, get_settings

MASK = "[REDACTED]"
_CONTEXT: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("log_context", default={})  # noqa: B039
_SECRET_WORDS = (
    r"[\w.-]*(?:secret|token|passw(?:or)?d|cookie|session|api[_-]?key|authorization|credential"
    r"|verifier|signature|private[_-]?key|encryption[_-]?keys?|dsn|webhook)[\w.-]*"
)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Header lines and header tuples: "Authorization: Bearer x", "(b'cookie', b'a=b; c=d')".
    (
        re.compile(
            r"(?i)((?:proxy-)?authorization|set-cookie|cookie|x-api-key)(['\"]?\s*[:=,]\s*b?['\"]?)"
            r"[^'\"\n]+"
        ),
        rf"\1\2{MASK}",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[\w.~+/=-]+"), rf"\1 {MASK}"),
    (re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*"), MASK),  # JWTs
    # key=value, key: value, "key": "value" where the key looks secret.
    (
        re.compile(
            rf"(?i)([\"']?{_SECRET_WORDS}[\"']?\s*[:=]\s*)(?!\[REDACTED\])(?:\"[^\"]*\"|'[^']*'|[^\s,;&}}\)\]]+)"
        ),
        rf"\1{MASK}",
    ),
    # OAuth values in URLs.
    (
        re.compile(
            r"(?i)([?&](?:code|state|nonce|access_token|refresh_token|id_token|key|apikey|client_secret"
            r"|sig|signature)=)[^&\s'\"]+"
        ),
        rf"\1{MASK}",
    ),
    # Credentials in URLs: scheme://user:password@host
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s/]+@"), rf"\1{MASK}@"),
]
_literals: list[str] = []
# Loggers whose INFO lines mean nothing to someone running the app: alembic announces each of its
# autogenerate plugins whenever a migration context starts (every `make run`).
_CHATTY = ("alembic.runtime.plugins",)


def _secret_literals(settings: Settings) -> list[str]:
    names = [n for n in type(settings).model_fields if re.fullmatch(_SECRET_WORDS, n, re.I)]
    found: set[str] = set()
    for name in names:
        value = getattr(settings, name)
        if not isinstance(value, str):
            continue
        found.add(value)
        found.update(part.split(":", 1)[-1] for part in value.split(","))  # "kid:key,kid2:key2"
    found.update(p.client_secret for p in settings.oidc_providers)  # OIDC_PROVIDERS' JSON entries
    return sorted((v for v in found if len(v) >= 6), key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every secret-looking value replaced by [REDACTED]."""
    for literal in _literals:
        if literal in text:
            text = text.replace(literal, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# -- context ids ----------------------------------------------------------------------------------
def bind(**ids: Any) -> contextvars.Token[dict[str, Any]]:
    """Add ids to the current context (until `unbind(token)` or the task ends)."""
    return _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in ids.items() if v is not None}})


def unbind(token: contextvars.Token[dict[str, Any]]) -> None:
    _CONTEXT.reset(token)


def bound_ids() -> dict[str, Any]:
    """The ids bound in the current context."""
    return dict(_CONTEXT.get())


@contextmanager
def context(**ids: Any) -> Iterator[None]:
    token = bind(**ids)
    try:
        yield
    finally:
        unbind(token)


# -- records and formatters -------------------------------------------------------------------------
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "ctx"}
_base_factory = logging.getLogRecordFactory()


def _record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        record.msg, record.args = redact(record.getMessage()), None
    except Exception:  # a broken format string must still log something
        record.msg, record.args = redact(f"{record.msg!r} {record.args!r}"), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record.ctx = _CONTEXT.get()
    return record


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, context ids, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **getattr(record, "ctx", {}),
        }
        # `extra=` fields are set after the record factory ran: redact them here.
        out.update(
            {
                k: redact(v) if isinstance(v, str) else v
                for k, v in vars(record).items()
                if k not in _STANDARD and not k.startswith("_")
            }
        )
        if record.exc_info:
            out["exc"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    """Readable development lines with the context ids appended."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = getattr(record, "ctx", {})
        if ids:
            head, sep, tail = line.partition("\n")
            line = head + " [" + " ".join(f"{k}={v}" for k, v in ids.items()) + "]" + sep + tail
        return line


def formatter_for(settings: Settings) -> logging.Formatter:
    fmt = settings.log_format
    if fmt == "auto":
        fmt = "json" if settings.environment == "prod" else "text"
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure_logging(settings: Settings | None = None, stream: Any = None) -> logging.Handler:
    """Install redaction, the formatter and the level for this process (idempotent); the root handler."""
    settings = settings or get_settings()
    _literals[:] = _secret_literals(settings)
    logging.setLogRecordFactory(_record_factory)
    formatter = formatter_for(settings)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_setlist", False)), None)
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler._setlist = True  # type: ignore[attr-defined]
        for old in list(root.handlers):
            root.removeHandler(old)
        root.addHandler(handler)
    elif stream is not None:
        handler.setStream(stream)  # type: ignore[attr-defined]
    root.setLevel(settings.log_level.upper())
    for name in _CHATTY:  # shown only when debugging
        logging.getLogger(name).setLevel(logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING)
    _one_line_per_record(formatter)
    handler.setFormatter(formatter)
    return handler


def _one_line_per_record(formatter: logging.Formatter) -> None:
    """Frameworks that install their own stream handler write each record once, in our format.

    arq's CLI gives the `arq` logger a stream handler and leaves it propagating, so every arq
    record was written by that handler and again by ours on the root. A framework logger that
    propagates loses its stream handlers (ours writes its records); one that does not propagate
    (granian's) keeps them, with our formatter.
    """
    for logger in [logging.getLogger(n) for n in list(logging.Logger.manager.loggerDict)]:
        for h in list(getattr(logger, "handlers", [])):
            if not isinstance(h, logging.StreamHandler):
                continue
            if logger.propagate:
                logger.removeHandler(h)
            else:
                h.setFormatter(formatter)
