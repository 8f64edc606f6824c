"""Short write transactions that survive deadlocks and serialization failures.

Several workers write shared rows (artists, venues, shows) at once. Writers take their locks in a
deterministic order (discovery upserts by provider id), which removes the deadlocks we know of; one
the database still detects, or a serialization failure, aborts only this transaction: it is
counted as a write conflict (`status.count_write_conflict`, kind "deadlock"/"serialization"),
retried after a short jittered backoff, and raised to the job (which retries it later) only when
every attempt lost.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from setlist_app.sync import status
from setlist_app.sync.context import SyncContext

T = TypeVar("T")
#: PostgreSQL SQLSTATEs of a transaction the database aborted to let another one through.
RETRYABLE: dict[str, status.WriteConflictKind] = {"40P01": "deadlock", "40001": "serialization"}
ATTEMPTS = 5
BACKOFF_SECONDS = 0.05  # doubled per attempt, with jitter so the losers do not collide again


def conflict_kind(exc: BaseException) -> status.WriteConflictKind | None:
    """ "deadlock" or "serialization" when `exc` is such an abort, else None."""
    if not isinstance(exc, DBAPIError):
        return None
    return RETRYABLE.get(getattr(exc.orig, "sqlstate", None) or "")


async def write(ctx: SyncContext, fn: Callable[[Session], T], *, attempts: int = ATTEMPTS) -> T:
    """`fn(session)` in a fresh session, committed; retried on a deadlock or serialization failure."""
    attempt = 1
    while True:
        with ctx.session() as session:
            try:
                result = fn(session)
                session.commit()
                return result
            except DBAPIError as exc:
                kind = conflict_kind(exc)
                if kind is None:
                    raise
                session.rollback()
                status.count_write_conflict(ctx.engine, kind=kind)
                if attempt >= attempts:
                    raise
        await asyncio.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
        attempt += 1
