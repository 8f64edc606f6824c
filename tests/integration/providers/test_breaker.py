"""Circuit breakers in Postgres: provider circuits and the per-artist catalog breaker (fake clock)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from setlist_app.models.catalog import Artist
from setlist_app.providers import breaker
from setlist_app.providers.breaker import CircuitPolicy, CircuitState
from setlist_app.providers.errors import NotFound, QuotaExceeded, RateLimited, Unavailable
from setlist_app.settings import get_settings
from setlist_app.sync.context import SyncContext
from setlist_app.sync.domain import call_provider

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = CircuitPolicy(
    failure_threshold=3, failure_window=timedelta(minutes=5), cooldown=timedelta(minutes=10)
)


def _state(session: Session, provider: str) -> CircuitState:
    session.expire_all()
    [row] = [c for c in breaker.circuits(session) if c.provider == provider]
    return CircuitState(row.state)


def test_opens_stays_open_half_opens_and_closes(session: Session) -> None:
    p = "ticketmaster"
    assert breaker.allow_request(session, p, T0, POLICY)
    for i in range(2):
        assert breaker.record_failure(session, p, T0 + timedelta(seconds=i), "503", policy=POLICY) == "closed"
    assert breaker.record_failure(session, p, T0 + timedelta(seconds=2), "503", policy=POLICY) == "open"
    assert breaker.open_count(session) == 1
    assert not breaker.allow_request(session, p, T0 + timedelta(minutes=5), POLICY)  # stays open
    probe_at = T0 + timedelta(minutes=11)
    assert breaker.allow_request(session, p, probe_at, POLICY)  # the probe
    assert _state(session, p) == CircuitState.HALF_OPEN
    assert not breaker.allow_request(session, p, probe_at, POLICY)  # only one probe at a time
    assert breaker.record_failure(session, p, probe_at, "503 again", policy=POLICY) == "open"  # probe failed
    assert not breaker.allow_request(session, p, probe_at + timedelta(minutes=5), POLICY)
    second_probe = probe_at + timedelta(minutes=11)
    assert breaker.allow_request(session, p, second_probe, POLICY)
    breaker.record_success(session, p, second_probe)
    assert _state(session, p) == CircuitState.CLOSED
    assert breaker.allow_request(session, p, second_probe, POLICY) and breaker.open_count(session) == 0


def test_quota_opens_at_once_for_the_quota_cooldown(session: Session) -> None:
    state = breaker.record_outcome(session, "spotify", T0, QuotaExceeded("spotify", "QUOTA_EXCEEDED"), POLICY)
    assert state == CircuitState.OPEN
    session.expire_all()
    [row] = breaker.circuits(session)
    assert row.retry_at == T0 + POLICY.quota_cooldown and row.last_error == "spotify: QUOTA_EXCEEDED"


def test_scattered_failures_do_not_open_and_not_found_is_healthy(session: Session) -> None:
    p = "setlistfm"
    for i in range(6):  # one failure every 10 minutes: never a storm
        breaker.record_outcome(session, p, T0 + timedelta(minutes=10 * i), Unavailable(p, "timeout"), POLICY)
    assert _state(session, p) == CircuitState.CLOSED
    breaker.record_outcome(session, p, T0 + timedelta(hours=2), NotFound(p), POLICY)
    assert breaker.circuits(session)[0].failures == 0
    assert breaker.record_outcome(session, p, T0, ValueError("our bug"), POLICY) is None


def test_failures_of_artists_already_failing_leave_the_circuit_to_their_breaker(session: Session) -> None:
    """The circuit's scope (breaker docstring): a 503 for a key that failed before does not count,
    however many arrive together; provider-wide symptoms count whoever asked."""
    p = "spotify"
    for i in range(POLICY.failure_threshold * 3):
        at = T0 + timedelta(seconds=i)
        error = Unavailable(p, "HTTP 503", status=503)
        assert breaker.record_outcome(session, p, at, error, POLICY, key_failing=True) is None
    assert breaker.open_count(session) == 0
    for i in range(POLICY.failure_threshold):  # a 429 storm, or timeouts, for the same failing keys
        error = RateLimited(p, 1.0) if i % 2 else Unavailable(p, "timeout")
        breaker.record_outcome(session, p, T0 + timedelta(seconds=60 + i), error, POLICY, key_failing=True)
    assert _state(session, p) == CircuitState.OPEN


def test_a_failed_probe_reopens_the_circuit_even_for_a_failing_key(session: Session) -> None:
    """The half-open probe's answer decides the circuit, whichever artist it was for: ignored (as a
    failing key's 5xx otherwise is), the circuit stayed half-open for the whole probe lease and
    never closed after a storm (the 5xx-storm fault test)."""
    p = "spotify"
    breaker.record_outcome(session, p, T0, QuotaExceeded(p), POLICY)
    probe_at = T0 + POLICY.quota_cooldown + timedelta(seconds=1)
    assert breaker.allow_request(session, p, probe_at, POLICY)
    assert _state(session, p) == CircuitState.HALF_OPEN
    error = Unavailable(p, "HTTP 503", status=503)
    assert breaker.record_outcome(session, p, probe_at, error, POLICY, key_failing=True) == CircuitState.OPEN
    retry = probe_at + POLICY.cooldown + timedelta(seconds=1)
    assert breaker.allow_request(session, p, retry, POLICY)  # the next probe after the cool-down
    breaker.record_outcome(session, p, retry, None, POLICY)
    assert _state(session, p) == CircuitState.CLOSED


def test_exactly_one_probe_across_processes(engine: Engine) -> None:
    p = "musicbrainz"
    with Session(engine) as s:
        breaker.record_outcome(s, p, T0, QuotaExceeded(p), POLICY)
    probe_at = T0 + POLICY.quota_cooldown + timedelta(seconds=1)

    def attempt(_: int) -> bool:
        with Session(engine) as s:
            return breaker.allow_request(s, p, probe_at, POLICY)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(16)))
    assert results.count(True) == 1


def test_catalog_sync_allowed_filters_artists_in_backoff(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as s:
        artist = Artist(
            slug="a", name="A", normalized_name="a", catalog_backoff_until=T0 + timedelta(hours=72)
        )
        free = Artist(slug="b", name="B", normalized_name="b")
        s.add_all([artist, free])
        s.commit()
        allowed = select(Artist.id).where(breaker.catalog_sync_allowed(T0 + timedelta(hours=1)))
        assert s.exec(allowed).all() == [free.id]
        later = (
            select(Artist.id)
            .where(breaker.catalog_sync_allowed(T0 + timedelta(hours=73)))
            .order_by(Artist.id)
        )
        assert s.exec(later).all() == [artist.id, free.id]


async def test_a_probe_that_ends_without_an_answer_frees_the_circuit_at_once(
    engine: Engine, session: Session
) -> None:
    """A probe call cancelled (the job timeout) or failing in our own code leaves no half-open
    circuit behind: the next call probes at once instead of every call waiting out the lease."""
    p = "ticketmaster"
    now = T0
    ctx = SyncContext(settings=get_settings(), engine=engine, clock=lambda: now)
    breaker.force_open(session, p, T0, until=T0 + timedelta(minutes=1))
    session.commit()

    async def answers() -> str:
        return "ok"

    for ending in (RuntimeError("our parser broke"), asyncio.CancelledError()):

        async def no_answer(exc: BaseException = ending) -> str:
            raise exc

        now += timedelta(minutes=2)  # past the open circuit's retry time: this call is the probe
        with pytest.raises(type(ending)):
            await call_provider(ctx, p, no_answer)
        assert _state(session, p) == CircuitState.HALF_OPEN
        assert await call_provider(ctx, p, answers) == "ok"  # probes now, not after the lease
        assert _state(session, p) == CircuitState.CLOSED
        breaker.force_open(session, p, now, until=now + timedelta(minutes=1))
        session.commit()
