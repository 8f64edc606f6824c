"""Helpers for admin handlers: run a service off the event loop and turn the outcome into a toast."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from setlist_app.auth.roles import PermissionDenied
from setlist_app.db import run_db
from setlist_app.services.admin.audit import AdminError, AdminOutdated

log = logging.getLogger(__name__)
POLL_MS = 3000
EXPECTED = (AdminError, PermissionDenied, LookupError, ValueError)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None
    message: str = ""
    outdated: bool = False  # refused because the page was out of date (`AdminOutdated`)


async def act(fn: Callable[..., Any], *args: Any) -> Outcome:
    """`run_db(fn, *args)`; refusals become a message, anything else is logged."""
    try:
        return Outcome(True, await run_db(fn, *args))
    except AdminOutdated as exc:
        return Outcome(False, message=str(exc), outdated=True)
    except EXPECTED as exc:
        return Outcome(False, message=str(exc))
    except Exception:
        log.exception("admin action %s failed", getattr(fn, "__qualname__", fn))
        return Outcome(False, message="That did not work: an unexpected error was logged.")


def feedback(outcome: Outcome, done: str) -> Any:
    """The toast for an action: `done` on success, the reason otherwise."""
    if outcome.ok:
        return rx.toast.success(done, duration=3000)
    if outcome.outdated:  # the table refreshes with what happened meanwhile
        return rx.toast.warning(outcome.message, duration=6000)
    return rx.toast.error(outcome.message, duration=6000)
