"""Circuit breakers persisted in the database, safe across processes.

Provider circuits (table provider_circuits) open on provider-wide symptoms only:
- an exhausted quota (`QuotaExceeded`) opens the circuit at once;
- N counted failures in a row within the window open it (a success anywhere resets the count).
  Counted are 429s the client's own retries could not ride out, timeouts and connection errors —
  provider-wide by nature, whoever asked — and 5xx or unusable answers for a key (an artist, a
  show, a market) with a clean record. A key that has failed before while the provider served
  others is failing on its own (a catalog with failures on record; for other jobs, a retry of a
  failed job: `sync.domain.retrying`): its failures are the per-artist breaker's and the job's
  retries' business and leave the provider circuit alone, so a handful of broken artists whose
  retries fall due together cannot open the circuit and skip every healthy artist behind them.
After the cool-down one caller wins the half-open probe (an atomic UPDATE ... RETURNING); its
success closes the circuit, its failure re-opens it.

Per-artist catalog breaker (artists.catalog_failures / catalog_backoff_until): 3 consecutive failures
start a 72 h backoff. Every transition is a single UPDATE evaluated by the database against the
row's current values, so concurrent workers never lose an update. All functions take `now`
(a fake clock in tests and planners) and commit unless told not to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from setlist_app.models.catalog import Artist
from setlist_app.models.sync import ProviderCircuit
from setlist_app.providers.errors import ProviderError, QuotaExceeded, RateLimited, Unavailable

CATALOG_FAILURE_LIMIT = 3
CATALOG_BACKOFF = timedelta(hours=72)
_T = ProviderCircuit.__table__
_A = Artist.__table__
_log = logging.getLogger(__name__)


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class CircuitPolicy:
    """When a provider circuit opens and how long it stays open."""

    failure_threshold: int = 5
    failure_window: timedelta = timedelta(minutes=5)
    cooldown: timedelta = timedelta(minutes=5)
    quota_cooldown: timedelta = timedelta(hours=1)
    probe_lease: timedelta = timedelta(minutes=2)  # a crashed probe frees the slot after this

    @classmethod
    def from_settings(cls, settings: Any) -> CircuitPolicy:
        return cls(
            failure_threshold=settings.circuit_failure_threshold,
            failure_window=timedelta(seconds=settings.circuit_failure_window_seconds),
            cooldown=timedelta(seconds=settings.circuit_cooldown_seconds),
            quota_cooldown=timedelta(seconds=settings.circuit_quota_cooldown_seconds),
        )


DEFAULT_POLICY = CircuitPolicy()


def _at(value: datetime, name: str = "t") -> Any:
    """A bind parameter typed like the table's UTC datetime columns (works on SQLite too)."""
    return bindparam(name, value, type_=_T.c.updated_at.type, unique=True)


def _ensure(session: Session, provider: str, now: datetime) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(_T).values(provider=provider, state=CircuitState.CLOSED, failures=0, updated_at=now)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["provider"]))


def _done(session: Session, commit: bool) -> None:
    if commit:
        session.commit()


def allow_request(
    session: Session,
    provider: str,
    now: datetime,
    policy: CircuitPolicy = DEFAULT_POLICY,
    *,
    commit: bool = True,
) -> bool:
    """May a call to `provider` go out now? Past the cool-down exactly one caller gets the probe."""
    _ensure(session, provider, now)
    probe = session.execute(
        update(_T)
        .where(
            _T.c.provider == provider,
            _T.c.state.in_([CircuitState.OPEN, CircuitState.HALF_OPEN]),
            _T.c.retry_at <= _at(now),
        )
        .values(state=CircuitState.HALF_OPEN, retry_at=_at(now + policy.probe_lease), updated_at=_at(now))
        .returning(_T.c.provider)
    ).first()
    state = session.execute(select(_T.c.state).where(_T.c.provider == provider)).scalar_one()
    _done(session, commit)
    if probe is not None:
        _log.info("circuit half-open: probing %s", provider, extra={"provider": provider})
    return probe is not None or state == CircuitState.CLOSED


def record_success(session: Session, provider: str, now: datetime, *, commit: bool = True) -> None:
    """A call worked: close the circuit and forget failures."""
    _ensure(session, provider, now)
    was = session.execute(select(_T.c.state).where(_T.c.provider == provider)).scalar_one()
    session.execute(
        update(_T)
        .where(_T.c.provider == provider, or_(_T.c.state != CircuitState.CLOSED, _T.c.failures != 0))
        .values(state=CircuitState.CLOSED, failures=0, opened_at=None, retry_at=None, updated_at=_at(now))
    )
    _done(session, commit)
    if was != CircuitState.CLOSED:
        _log.info("circuit closed: %s is answering again", provider, extra={"provider": provider})


def record_failure(
    session: Session,
    provider: str,
    now: datetime,
    error: str,
    *,
    quota: bool = False,
    policy: CircuitPolicy = DEFAULT_POLICY,
    commit: bool = True,
) -> CircuitState:
    """A call failed. Opens the circuit on quota, on a failed probe, or when failures storm."""
    _ensure(session, provider, now)
    stale = and_(_T.c.state == CircuitState.CLOSED, _T.c.updated_at < _at(now - policy.failure_window))
    failures = case((stale, literal(1)), else_=_T.c.failures + 1)
    opens = or_(
        literal(quota),
        _T.c.state == CircuitState.HALF_OPEN,
        _T.c.state == CircuitState.OPEN,
        failures >= policy.failure_threshold,
    )
    row = session.execute(
        update(_T)
        .where(_T.c.provider == provider)
        .values(
            failures=failures,
            state=case((opens, literal(CircuitState.OPEN.value)), else_=_T.c.state),
            opened_at=case((and_(opens, _T.c.state != CircuitState.OPEN), _at(now)), else_=_T.c.opened_at),
            retry_at=case(
                (literal(quota), _at(now + policy.quota_cooldown)),
                (_T.c.state == CircuitState.OPEN, _T.c.retry_at),
                (opens, _at(now + policy.cooldown)),
                else_=_T.c.retry_at,
            ),
            last_error=error[:1000],
            updated_at=_at(now),
        )
        .returning(_T.c.state, _T.c.opened_at)
    ).one()
    _done(session, commit)
    if row.state == CircuitState.OPEN and row.opened_at == now:
        _log.warning("circuit opened: %s calls suspended: %s", provider, error, extra={"provider": provider})
    return CircuitState(row.state)


def provider_wide(error: ProviderError) -> bool:
    """A symptom of the provider, whoever asked: quota, 429, timeout or no connection."""
    return isinstance(error, QuotaExceeded | RateLimited) or (
        isinstance(error, Unavailable) and error.status is None
    )


def record_outcome(
    session: Session,
    provider: str,
    now: datetime,
    error: BaseException | None = None,
    policy: CircuitPolicy = DEFAULT_POLICY,
    *,
    key_failing: bool = False,
) -> CircuitState | None:
    """Feed a call's outcome to the breaker: None/NotFound = success, QuotaExceeded opens at once.

    `key_failing`: the call was for a key (artist, market) that already failed while the provider
    served others; unless the error is provider-wide (or the call was the half-open probe) it leaves
    the circuit as it is.
    """
    if error is None or (isinstance(error, ProviderError) and not error.counts_as_failure):
        record_success(session, provider, now)
        return CircuitState.CLOSED
    if not isinstance(error, ProviderError):
        return None  # our own bug, not the provider's health
    if key_failing and not provider_wide(error) and not probing(session, provider):
        return None  # the key's own breaker counts it
    return record_failure(
        session, provider, now, str(error), quota=isinstance(error, QuotaExceeded), policy=policy
    )


def probing(session: Session, provider: str) -> bool:
    """The circuit is half-open: a call allowed now, or ending now, is its probe, whose answer
    always decides the circuit (ignored, it would leave the circuit half-open until the probe
    lease ran out)."""
    state = session.execute(select(_T.c.state).where(_T.c.provider == provider)).scalar_one_or_none()
    return state == CircuitState.HALF_OPEN


def release_probe(session: Session, provider: str, now: datetime) -> None:
    """The probe ended without the provider's answer (cancelled, or the caller's own code failed):
    the next caller may probe at once, rather than every call waiting out the probe's lease."""
    session.execute(
        update(_T)
        .where(_T.c.provider == provider, _T.c.state == CircuitState.HALF_OPEN)
        .values(retry_at=_at(now), updated_at=_at(now))
    )
    session.commit()
    _log.warning(
        "circuit probe of %s ended without an answer; released", provider, extra={"provider": provider}
    )


@contextmanager
def released_if_unanswered(
    probe: bool, provider: str, session: Callable[[], Session], clock: Callable[[], datetime]
) -> Iterator[None]:
    """Around provider calls that won the half-open probe (`probe`): if they end without the
    provider's answer (cancelled by the job timeout, or the caller's own code raised), free the
    probe at once (`release_probe`). A `ProviderError` is an answer, which the caller records."""
    try:
        yield
    except ProviderError:
        raise
    except BaseException:
        if probe:
            with session() as s:
                release_probe(s, provider, clock())
        raise


def reset(session: Session, provider: str, now: datetime) -> None:
    """Admin action: close a circuit by hand."""
    record_success(session, provider, now)


def force_open(session: Session, provider: str, now: datetime, until: datetime) -> None:
    """Admin action: open a circuit by hand (a ban, a quota to spare) until `until`, when the usual
    half-open probe decides."""
    _ensure(session, provider, now)
    session.execute(
        update(_T)
        .where(_T.c.provider == provider)
        .values(
            state=CircuitState.OPEN,
            opened_at=_at(now),
            retry_at=_at(until),
            last_error="opened by an administrator",
            updated_at=_at(now),
        )
    )
    _log.warning(
        "circuit opened by hand: %s until %s",
        provider,
        f"{until:%Y-%m-%d %H:%M} UTC",
        extra={"provider": provider},
    )


def circuits(session: Session) -> list[ProviderCircuit]:
    """Every provider circuit, for the admin dashboard and sync_status."""
    return list(session.execute(select(ProviderCircuit).order_by(ProviderCircuit.provider)).scalars())


def open_count(session: Session) -> int:
    return len([c for c in circuits(session) if c.state != CircuitState.CLOSED])


# -- per-artist catalog breaker ------------------------------------------------------------------


def _artist_at(value: datetime) -> Any:
    return bindparam("t", value, type_=_A.c.catalog_backoff_until.type, unique=True)


# Failures and backoff are written by setlist_app.sync.catalog through sync.artist_writes (the one
# path for artist updates); this module only supplies the limits and the planner's SQL filter.
def catalog_sync_allowed(now: datetime) -> ColumnElement[bool]:
    """SQL filter for planners: artists whose catalog breaker is not in backoff."""
    return or_(Artist.catalog_backoff_until.is_(None), Artist.catalog_backoff_until <= _artist_at(now))
