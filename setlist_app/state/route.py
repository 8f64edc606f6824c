"""Dynamic route segments through Reflex's supported accessor, not `router._page`."""

from __future__ import annotations

import reflex as rx


async def route_arg(state: rx.State, name: str) -> str:
    """The value of the page's `[name]` route segment, "" when absent.

    Reflex adds each segment as a var of the root state (docs: "Dynamic Routes"), so it is read
    with `get_var_value` from any substate; `router.page` is deprecated and `router._page` private.
    """
    return str(await state.get_var_value(getattr(rx.State, name)) or "")
