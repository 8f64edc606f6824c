"""`AdminState`: the base of every admin state. Each event handler checks the role on the server.

Every public method a subclass defines is wrapped at class creation (before Reflex turns it into
an event handler), so a handler cannot be added without the guard — a crafted websocket event
naming it runs the check first. The role comes from our database through the session cookie
(`ViewerMixin`), never from the browser. Keep admin data in vars filled by guarded handlers only;
do not put database reads in computed vars (they would run for any viewer).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from setlist_app.auth.roles import ADMIN_ONLY, PermissionDenied, require_admin
from setlist_app.state.viewer import ViewerMixin

log = logging.getLogger(__name__)
GUARD_MARK = "__admin_guarded__"


async def _deny(state: AdminState, name: str) -> Any:
    """None when the viewer is an admin; else the event the browser gets instead of the handler."""
    viewer = await state._viewer()
    state.admin_checked = True
    try:
        require_admin(viewer)
    except PermissionDenied:
        state.admin_allowed = False
        log.warning("admin handler %s refused for %s", name, viewer.voter_key or "nobody")
        return rx.toast.error(ADMIN_ONLY)
    state.admin_allowed = True
    return None


def admin_guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a handler (sync/async, plain or generator) so it runs only for admins. The wrapper is
    async whatever `fn` is: the check resolves the viewer off the event loop."""
    name = fn.__qualname__
    wrapper: Callable[..., Any]
    if inspect.isasyncgenfunction(fn) or inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        async def wrapper(self: AdminState, *args: Any, **kwargs: Any) -> Any:
            if (denied := await _deny(self, name)) is not None:
                yield denied
                return
            if inspect.isasyncgenfunction(fn):
                async for item in fn(self, *args, **kwargs):
                    yield item
            else:
                for item in fn(self, *args, **kwargs):
                    yield item

    else:

        @functools.wraps(fn)
        async def wrapper(self: AdminState, *args: Any, **kwargs: Any) -> Any:
            if (denied := await _deny(self, name)) is not None:
                return denied
            result = fn(self, *args, **kwargs)
            return await result if inspect.isawaitable(result) else result

    setattr(wrapper, GUARD_MARK, True)
    return wrapper


class AdminState(ViewerMixin, rx.State):
    """Subclass for admin pages; see the module docstring."""

    admin_checked: bool = False
    admin_allowed: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        for attr, value in list(vars(cls).items()):
            if (
                inspect.isfunction(value)
                and not attr.startswith("_")
                and not getattr(value, GUARD_MARK, False)
            ):
                setattr(cls, attr, admin_guarded(value))
        super().__init_subclass__(**kwargs)

    @rx.event
    @admin_guarded
    def check_access(self) -> None:
        """On-load check: sets `admin_allowed` (the page shows "Admins only" otherwise)."""
