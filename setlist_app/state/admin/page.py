"""`AdminPage` and `PagedAdminPage`: what every admin state repeats, written once.

A state mixes one of them into `AdminState` (`class AdminJobsState(PagedAdminPage, AdminState)`) and
implements `_refresh` (read the page's rows through a service). The mixins bring `load`, `poll`,
`go_page`, the `busy` marker and `_perform`, which runs an admin action and answers with a toast.

The guard: `AdminState` wraps the handlers a state class defines itself; the handlers here come
from a mixin (Reflex copies them onto each state), so each is wrapped with `admin_guarded` where it
is defined. tests/integration/auth/test_state_security.py runs every handler of every admin state
as an anonymous visitor and as a fan, and expects "Admins only" and no change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import reflex as rx

from setlist_app.domain.ids import strict_id
from setlist_app.state.admin.common import Outcome, act, feedback
from setlist_app.state.admin_base import admin_guarded

BAD_ID = "That is not a valid id: reload the page and try again."


class AdminPage(rx.State, mixin=True):
    """An admin page that loads, polls and runs actions (one at a time shows as `busy`)."""

    loaded: bool = False
    busy: str = ""  # "<action>:<target>" while that action runs: its button spins

    async def _refresh(self) -> None:
        """Read what the page shows; set `loaded`."""
        raise NotImplementedError

    def _on_load(self) -> None:
        """What `load` resets before reading (nothing by default)."""

    @rx.event
    @admin_guarded
    async def load(self) -> None:
        self._on_load()
        await self._refresh()

    @rx.event
    @admin_guarded
    async def poll(self, _tick: str = "") -> None:
        await self._refresh()

    async def _perform(
        self,
        busy: str,
        fn: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], str] | None = None,
        after: Callable[[Any], Awaitable[None]] | None = None,
        reply: Callable[[Outcome], Any] | None = None,
    ) -> AsyncIterator[Any]:
        """Run the service `fn(viewer, *args)` with `busy` shown, then re-read the page and toast.

        `done(value)` is the success message; `after(value)` runs on success before the re-read;
        `reply(outcome)` replaces the default toast. Handlers `async for` over this and yield.
        An argument of None is an id the browser sent that `strict_id` refused: nothing runs."""
        if any(arg is None for arg in args):
            yield rx.toast.error(BAD_ID, duration=6000)
            return
        self.busy = busy
        yield None  # the button spins while the action runs
        outcome = await act(fn, await self._viewer(), *args)  # type: ignore[attr-defined]
        if outcome.ok and after is not None:
            await after(outcome.value)
        self.busy = ""
        await self._refresh()
        if reply is not None:
            yield reply(outcome)
        else:
            yield feedback(outcome, done(outcome.value) if outcome.ok and done is not None else "")


class PagedAdminPage(AdminPage, mixin=True):
    """An admin page of one paged table: `total` rows on `pages` pages, showing `page`."""

    total: int = 0
    page: int = 1
    pages: int = 1

    @rx.event
    @admin_guarded
    async def go_page(self, page: int) -> None:
        self.page = max(1, min(strict_id(page) or 1, self.pages))
        await self._refresh()
