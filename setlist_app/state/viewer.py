"""Reading the acting viewer inside a Reflex event handler."""

from __future__ import annotations

import reflex as rx

from setlist_app.auth.viewer import Viewer, viewer_from_cookie_header


class ViewerMixin(rx.State, mixin=True):
    """Mix into a state to resolve the viewer from the websocket handshake's cookies."""

    def _viewer(self) -> Viewer:
        return viewer_from_cookie_header(self.router.headers.cookie, self.router.session.client_ip)
