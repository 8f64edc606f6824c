"""`transactions.write`: a transaction the database aborts as a deadlock or serialization failure
is rolled back, counted as a write conflict (by kind) and retried; any other error is not.

The abort is raised by the transaction body itself: SQLite (one writer at a time) cannot deadlock,
and the real PostgreSQL deadlock between concurrent discovery scans is reproduced by
tests/sim/test_concurrent_workers.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from setlist_app.models import Artist
from setlist_app.observability import metrics
from setlist_app.settings import Settings
from setlist_app.sync import status, transactions
from tests.integration.sync.helpers import add_artists, make_ctx


class _Abort(Exception):
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


def _deadlocks(kind: str) -> float:
    return metrics.WRITE_CONFLICTS.labels(kind)._value.get()


async def test_a_deadlock_is_rolled_back_counted_and_retried(
    engine: Engine, session: Session, settings: Settings
) -> None:
    [artist_id] = add_artists(session, 1)
    ctx = make_ctx(engine, settings)
    attempts: list[int] = []
    before = _deadlocks("deadlock"), _deadlocks("serialization")

    def rename(s: Session) -> int:
        attempts.append(1)
        s.execute(update(Artist).where(Artist.id == artist_id).values(name=f"Try {len(attempts)}"))
        if len(attempts) <= 2:  # the database picks this transaction as the deadlock's victim, twice
            raise OperationalError("UPDATE artists", {}, _Abort("40P01" if len(attempts) == 1 else "40001"))
        return len(attempts)

    assert await transactions.write(ctx, rename) == 3
    session.expire_all()
    assert session.scalar(select(Artist.name).where(Artist.id == artist_id)) == "Try 3"
    assert status.get_status(session).write_conflicts == 2
    assert (_deadlocks("deadlock"), _deadlocks("serialization")) == (before[0] + 1, before[1] + 1)


async def test_other_errors_and_the_last_lost_attempt_reach_the_job(
    engine: Engine, session: Session, settings: Settings
) -> None:
    [artist_id] = add_artists(session, 1)
    ctx = make_ctx(engine, settings)

    def broken(s: Session) -> None:
        s.execute(update(Artist).where(Artist.id == artist_id).values(name="Half done"))
        raise IntegrityError("UPDATE artists", {}, _Abort("23505"))

    with pytest.raises(IntegrityError):
        await transactions.write(ctx, broken)

    def always_deadlocked(s: Session) -> None:
        raise OperationalError("UPDATE artists", {}, _Abort("40P01"))

    with pytest.raises(OperationalError):
        await transactions.write(ctx, always_deadlocked, attempts=2)
    session.expire_all()
    assert session.scalar(select(Artist.name).where(Artist.id == artist_id)) == "Artist 0"  # rolled back
    assert status.get_status(session).write_conflicts == 2  # both lost attempts, not the other error
