"""The navigation's notification bell: unread count and the latest notifications.

`unread` is pushed live by the pusher (`live.pusher`, the user's room) when the notifications
planner notifies this user; handlers assign it only from a fresh database read, so the server's copy
is never staler than what the browser was pushed.
"""

from __future__ import annotations

import reflex as rx

from setlist_app.db import run_db
from setlist_app.domain.notifications import NotificationItem, unread_count
from setlist_app.live.pusher import hub
from setlist_app.services.notifications import open_bell
from setlist_app.state.viewer import ViewerMixin


class BellState(ViewerMixin, rx.State):
    """Signed-in viewers only; an anonymous viewer has no bell."""

    signed_in: bool = False
    unread: int = 0
    items: list[NotificationItem] = []

    @rx.event
    async def load(self) -> None:
        """On every page: read the unread count and join this user's live room."""
        viewer = await self._viewer()
        self.signed_in = viewer.user_id is not None
        if viewer.user_id is None:
            self.unread, self.items = 0, []
            return
        self.unread = await run_db(unread_count, viewer.user_id)
        await hub.watch_user(self.router.session.session_id, viewer.user_id)

    @rx.event
    async def open(self) -> None:
        """The bell was opened: show the latest notifications and mark them read."""
        viewer = await self._viewer()
        if viewer.user_id is None:
            return
        self.items = await run_db(open_bell, viewer.user_id)
        self.unread = 0
