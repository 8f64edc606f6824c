"""Run Reflex state handlers directly, as the websocket would, for a visitor with a given cookie."""

from __future__ import annotations

import inspect
from typing import Any

from reflex.istate.data import RouterData
from reflex.state import State


def root_state(
    cookie: str, pathname: str = "/admin", query: dict[str, str] | None = None, client_ip: str = ""
) -> State:
    """A root state whose router carries `cookie` (the websocket handshake's), the page's route and
    the client address (Reflex's, from the handshake's ASGI scope)."""
    root = State(_reflex_internal_init=True)
    data = {
        "pathname": pathname,
        "query": query or {},
        "token": "t",
        "sid": "s",
        "headers": {"cookie": cookie},
        "ip": client_ip,
    }
    root.router_data = data
    root.router = RouterData.from_router_data(data)
    return root


def substate(root: State, cls: type) -> Any:
    return root.get_substate(cls.get_full_name().split("."))  # type: ignore[attr-defined]


async def run_handler(fn: Any, state: Any, **arguments: Any) -> list[Any]:
    """Call a handler's function (arguments not given are None) and collect what it yields/returns."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    args = {p.name: None for p in params if p.default is inspect.Parameter.empty} | arguments
    result = fn(state, **args)
    if inspect.isasyncgen(result):
        return [item async for item in result]
    if inspect.isgenerator(result):
        return list(result)
    if inspect.iscoroutine(result):
        result = await result
    return [result]
