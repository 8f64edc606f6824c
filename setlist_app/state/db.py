"""Run blocking database work off the event loop (Reflex handlers are async)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session

from setlist_app.db import get_engine

T = TypeVar("T")


def _in_session(fn: Callable[..., T], *args: Any) -> T:
    with Session(get_engine(), expire_on_commit=False) as session:
        result = fn(session, *args)
        session.commit()
        return result


async def run_db(fn: Callable[..., T], *args: Any) -> T:
    """Call `fn(session, *args)` in a worker thread with a fresh committed session."""
    return await asyncio.to_thread(_in_session, fn, *args)
