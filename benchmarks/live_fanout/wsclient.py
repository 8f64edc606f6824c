"""A minimal Reflex websocket client speaking raw engine.io v4 / socket.io frames over wsproto.

python-socketio clients cost far more CPU per viewer than the server work being measured
(notes/reflex-live-updates.md), so the load client keeps each viewer to a socket, a parser and a
callback. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

NAMESPACE = "/_event"
ROOT = "reflex___state____state"

OnEvent = Callable[["ReflexSocket", dict[str, Any]], None]
# A raw handler sees each socket.io event frame first, with the time its bytes were read; returning
# True means "handled" (the frame is not parsed). Viewers use it: parsing 1,000 JSON frames per push
# in this one client process would otherwise delay the last viewer's timestamp by the client's work.
OnRaw = Callable[[str, float], bool]


class ReflexSocket:
    """One browser tab: connects, hydrates a page (running its on_load) and sends events."""

    def __init__(
        self, port: int, path: str, on_event: OnEvent, cookie: str = "", on_raw: OnRaw | None = None
    ) -> None:
        self.port, self.path, self.on_event, self.cookie = port, path, on_event, cookie
        self.on_raw = on_raw
        self._read_at = 0.0
        self.token = str(uuid.uuid4())
        self.connected = asyncio.Event()
        self.closed = False
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._writer: asyncio.StreamWriter | None = None
        self._text: list[str] = []
        self._task: asyncio.Task[None] | None = None

    def router_data(self) -> dict[str, Any]:
        # The browser sends dynamic route segments as query params (`/shows/[slug]` -> slug).
        parts = self.path.split("?")[0].strip("/").split("/")
        query = {"slug": parts[1]} if len(parts) == 2 else {}
        return {"pathname": self.path.split("?")[0], "query": query, "asPath": self.path}

    async def connect(self) -> None:
        reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        headers = [(b"cookie", self.cookie.encode())] if self.cookie else []
        target = f"/_event/?EIO=4&transport=websocket&token={self.token}"
        self._writer.write(
            self._ws.send(Request(host=f"127.0.0.1:{self.port}", target=target, extra_headers=headers))
        )
        self._task = asyncio.create_task(self._read(reader))
        await asyncio.wait_for(self.connected.wait(), 60)

    def _send_text(self, text: str) -> None:
        if self._writer is not None and not self.closed:
            self._writer.write(self._ws.send(TextMessage(data=text)))

    def emit(self, handler: str, payload: dict[str, Any]) -> None:
        """Send a state event, e.g. `emit("<state path>.vote", {"prediction_song_id": 3})`."""
        event = {"name": handler, "payload": payload, "router_data": self.router_data()}
        self._send_text(f'42{NAMESPACE},["event",{json.dumps(event)}]')

    async def close(self) -> None:
        if self._writer is not None and not self.closed:
            self.closed = True
            try:
                self._writer.write(self._ws.send(CloseConnection(code=1000)))
                self._writer.close()
            except Exception:
                pass
        if self._task is not None:
            self._task.cancel()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while data := await reader.read(65536):
                self._read_at = time.monotonic()
                self._ws.receive_data(data)
                for event in self._ws.events():
                    self._handle(event)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.closed = True

    def _handle(self, event: Any) -> None:
        if isinstance(event, AcceptConnection):
            return
        if isinstance(event, RejectConnection):
            raise ConnectionError("websocket rejected")
        if isinstance(event, Ping):
            assert self._writer is not None
            self._writer.write(self._ws.send(event.response()))
        elif isinstance(event, TextMessage):
            self._text.append(event.data)
            if event.message_finished:
                self._frame("".join(self._text))
                self._text.clear()
        elif isinstance(event, BytesMessage | CloseConnection):
            pass

    def _frame(self, frame: str) -> None:
        kind = frame[:1]
        if kind == "0":  # engine.io open: connect to the namespace with the hydrate event
            auth = {
                "event": {
                    "name": f"{ROOT}.hydrate_and_load",
                    "payload": {},
                    "router_data": self.router_data(),
                }
            }
            self._send_text(f"40{NAMESPACE},{json.dumps(auth)}")
        elif kind == "2":  # engine.io ping
            self._send_text("3")
        elif frame.startswith(f"40{NAMESPACE}"):
            self.connected.set()
        elif frame.startswith(f"42{NAMESPACE},"):
            if self.on_raw is not None and self.on_raw(frame, self._read_at):
                return
            name, data = json.loads(frame[len(NAMESPACE) + 3 :])
            if name == "event":
                for queued in data.get("events") or []:  # state events the server asks the "browser" to send
                    if queued.get("name", "").startswith(f"{ROOT}."):
                        event = {**queued, "router_data": self.router_data()}
                        self._send_text(f'42{NAMESPACE},["event",{json.dumps(event)}]')
                self.on_event(self, data.get("delta") or {})
