"""The one adapter between the live path and Reflex's socket.io / engine.io transport (issue 16).

Everything the lane and the pusher know about the wire is here, behind public registration points
where the libraries offer them: `AsyncServer.on` (a function handler for `event` and `disconnect`
on Reflex's namespace runs before the namespace's class handler, which gets every event we do not
answer through `AsyncNamespace.trigger_event`), `AsyncNamespace.enter_room` / `leave_room` /
`emit`, `manager.is_connected`. Reflex's own pieces (the delta field suffix, toast events) are
handed in by the wiring, so this package imports no Reflex. Two internals remain, both for speed at
1,000 viewers:

- `broadcast` queues one pre-encoded frame on each room member's engine.io socket instead of
  `emit`'s task per recipient (python-socketio `manager.get_participants`, `server.eio.sockets`,
  `AsyncSocket.queue`);
- `engineio_writer.poll` replaces `AsyncSocket.poll` on Python 3.11.

`Wire.self_test` checks each at startup; if one is missing or behaves otherwise, one log line says
so and the plain public path is used. `tests/integration/voting/test_wire_contract.py` runs the real app against both.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket
from socketio import packet as sio_packet

from setlist_app.live import engineio_writer

log = logging.getLogger(__name__)
EVENT = "event"  # the socket.io event name Reflex uses both ways


@dataclass(frozen=True)
class Protocol:
    """What the wiring hands in from Reflex: how a delta names a var, how a toast travels."""

    field_marker: str  # suffix of var names in deltas (reflex_base.constants.state.FIELD_MARKER)
    error_toast: Callable[[str], list[Any]]  # message -> Reflex's `events` list showing it


EventCallback = Callable[[str, Any], Awaitable[None]]  # (sid, payload)


class Wire:
    """One per process: Reflex's event namespace seen through the operations the live path needs."""

    def __init__(self, namespace: Any, protocol: Protocol) -> None:
        self.ns = namespace
        self.protocol = protocol
        self._handlers: dict[str, EventCallback] = {}
        self._on_disconnect: list[Callable[[str], Any]] = []
        self.fast_broadcast = False
        self.fast_writer = False

    # -- startup ----------------------------------------------------------------------------------
    def install(self) -> Wire:
        """Register our handlers on the socket.io server and choose the fast paths that pass their checks."""
        server = self.ns.server
        server.on(EVENT, self._event, namespace=self.ns.namespace)
        server.on("disconnect", self._disconnect, namespace=self.ns.namespace)
        self.fast_broadcast = self._check("broadcast", self._broadcast_self_test)
        self.fast_writer = (
            self._check("engine.io writer", self._writer_self_test) and engineio_writer.install()
        )
        return self

    @staticmethod
    def _check(what: str, test: Callable[[], None]) -> bool:
        try:
            test()
        except Exception as exc:
            log.warning("live wire: %s self-test failed (%s); using the plain socket.io path", what, exc)
            return False
        return True

    def _broadcast_self_test(self) -> None:
        """The internals `broadcast` relies on exist and encode exactly what `emit` would send."""
        server = self.ns.server
        assert isinstance(server.eio.sockets, dict), "server.eio.sockets is not a dict"
        participants = server.manager.get_participants(self.ns.namespace, "live-wire-self-test")
        assert list(participants) == [], "get_participants of an empty room is not empty"
        assert "queue" in inspect.getsource(AsyncSocket.send), "AsyncSocket.send no longer queues"
        frame = self._frame({"delta": {}, "events": []})
        assert frame.encode() == f'42{self.ns.namespace},["event",{{"delta":{{}},"events":[]}}]', (
            frame.encode()
        )

    @staticmethod
    def _writer_self_test() -> None:
        """`AsyncSocket`'s websocket writer still waits on `self.poll()` for what to send."""
        assert "self.poll()" in inspect.getsource(AsyncSocket._websocket_handler), "writer no longer polls"

    # -- incoming ---------------------------------------------------------------------------------
    def on_event(self, handler_name: str, callback: EventCallback) -> None:
        """Answer events naming `handler_name` with `callback(sid, payload)`, outside Reflex."""
        self._handlers[handler_name] = callback

    def on_disconnect(self, callback: Callable[[str], Any]) -> None:
        self._on_disconnect.append(callback)

    async def _event(self, sid: str, data: Any) -> Any:
        callback = self._handlers.get(data.get("name")) if isinstance(data, dict) else None
        if callback is None:
            return await self.ns.trigger_event(EVENT, sid, data)
        await callback(sid, data.get("payload"))
        return None

    async def _disconnect(self, sid: str, *reason: Any) -> Any:
        for callback in self._on_disconnect:
            try:
                callback(sid)
            except Exception:
                log.exception("live wire: disconnect callback failed")
        return await self.ns.trigger_event("disconnect", sid, *reason)

    # -- per socket -------------------------------------------------------------------------------
    def message(self, values: Mapping[str, Mapping[str, Any]], toast: str | None = None) -> dict[str, Any]:
        """Reflex's update message setting, per state name, those `values` (and showing an error toast);
        a state with no values is left out."""
        marker = self.protocol.field_marker
        return {
            "delta": {
                state: {name + marker: value for name, value in fields.items()}
                for state, fields in values.items()
                if fields
            },
            "events": self.protocol.error_toast(toast) if toast else [],
        }

    async def send(self, sid: str, message: dict[str, Any]) -> None:
        await self.ns.emit(EVENT, message, to=sid)

    # -- rooms ------------------------------------------------------------------------------------
    async def enter_room(self, sid: str, room: str) -> bool:
        """Put a socket in a room; False if it has gone (it closed while its page-load event ran,
        and python-socketio raises for a socket it no longer knows)."""
        if not self.ns.server.manager.is_connected(sid, self.ns.namespace):
            return False
        await self.ns.enter_room(sid, room)
        return True

    async def leave_room(self, sid: str, room: str) -> None:
        await self.ns.leave_room(sid, room)

    async def broadcast(self, message: dict[str, Any], room: str | None = None) -> None:
        """Send `message` to every socket of this worker in `room` (all if None)."""
        if not self.fast_broadcast:
            await self.ns.emit(EVENT, message, room=room)
            return
        # Same frames as `emit`, encoded once, without python-socketio's task per recipient: at
        # 1,000 viewers that per-socket overhead was the largest cost of a push (README Benchmarks).
        frame = self._frame(message)
        sockets = self.ns.server.eio.sockets
        for _sid, eio_sid in self.ns.server.manager.get_participants(self.ns.namespace, room):
            sock = sockets.get(eio_sid)
            if sock is not None and not sock.closed:
                sock.queue.put_nowait(frame)

    def _frame(self, message: dict[str, Any]) -> eio_packet.Packet:
        encoded = self.ns.server.packet_class(
            sio_packet.EVENT, namespace=self.ns.namespace, data=[EVENT, message]
        ).encode()
        return eio_packet.Packet(eio_packet.MESSAGE, encoded)
