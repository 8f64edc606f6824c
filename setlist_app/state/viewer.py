"""Reading the acting viewer inside a Reflex event handler."""

from __future__ import annotations

import reflex as rx

from setlist_app.auth.viewer import Viewer, resolve_viewer


class ViewerMixin(rx.State, mixin=True):
    """Mix into a state to resolve the viewer from the websocket handshake's cookies (a signed-in
    viewer's session lookup runs in a thread, not on the event loop)."""

    async def _viewer(self) -> Viewer:
        return await resolve_viewer(self.router.headers.cookie, self.router.session.client_ip)
