"""A show-page client speaking Reflex's websocket protocol (python-socketio), for ops tests and benchmarks.

It connects like a browser would (the signed anonymous-id cookie in the handshake, the hydrate
event in the CONNECT payload), then votes through `ShowState.vote` and watches the live counts the
per-worker pusher sends to the show's room. Protocol facts: shared/notes/reflex-live-updates.md.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, new_anon_id, sign

ROOT_STATE = "reflex___state____state"
SHOW_STATE = f"{ROOT_STATE}.setlist_app___state___show____show_state"
SHOW_LIVE = f"{ROOT_STATE}.setlist_app___state___show____show_live"
SHOW_VOTER = f"{ROOT_STATE}.setlist_app___state___show____show_voter"  # the voter's own vars
MARK = "_rx_state_"
SAVE_FAILED_TEXT = "couldn't save"


class VoteFailed(Exception):
    """The server answered a vote with an error toast (the vote was not stored)."""


@dataclass
class ShowClient:
    """One browser tab on `/shows/<slug>` of the app at `base_url`."""

    base_url: str
    slug: str
    anon_id: str = field(default_factory=new_anon_id)
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    session_cookie: str = ""  # a signed-in visitor's `sl_session` value
    headers: dict[str, str] = field(default_factory=dict)  # more handshake headers (e.g. Origin)
    source_address: str = ""  # connect from this local address (127.0.0.x: another visitor); no TLS checks
    live_votes: dict[str, int] = field(default_factory=dict)
    live_total: int = -1
    live_seq: int = -1
    live_updates: int = 0
    my_votes: list[int] = field(default_factory=list)
    loaded: asyncio.Event = field(default_factory=asyncio.Event)
    _sio: socketio.AsyncClient | None = None
    _http: aiohttp.ClientSession | None = None
    _waiters: list[asyncio.Future[dict[str, Any]]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _error_seen: bool = False
    _pending: int = 0

    @property
    def router_data(self) -> dict[str, Any]:
        path = f"/shows/{self.slug}"
        return {"pathname": "/shows/[slug]", "asPath": path, "query": {"slug": self.slug}}

    async def connect(self, timeout: float = 20.0) -> None:
        """Open the socket, hydrate the page (its load event joins the show's room) and wait for it."""
        options: dict[str, Any] = {}
        if self.source_address:
            connector = aiohttp.TCPConnector(local_addr=(self.source_address, 0), ssl=False)
            self._http = aiohttp.ClientSession(connector=connector)  # engine.io leaves it open
            options = {"http_session": self._http, "ssl_verify": False}
        sio = socketio.AsyncClient(reconnection=False, **options)
        sio.on("event", self._on_event, namespace="/_event")
        cookie = f"{ANON_COOKIE}={sign(self.anon_id, 'anon')}"
        if self.session_cookie:
            cookie += f"; {SESSION_COOKIE}={self.session_cookie}"
        hydrate = {"name": f"{ROOT_STATE}.hydrate_and_load", "payload": {}, "router_data": self.router_data}
        await sio.connect(
            f"{self.base_url}?token={self.token}",
            headers={"Cookie": cookie, **self.headers},
            transports=["websocket"],
            namespaces=["/_event"],
            socketio_path="_event",
            auth={"event": hydrate},
            wait_timeout=timeout,
        )
        self._sio = sio
        await asyncio.wait_for(self.loaded.wait(), timeout)

    async def close(self) -> None:
        if self._sio is not None:
            await self._sio.disconnect()
            self._sio = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def connected(self) -> bool:
        return self._sio is not None and self._sio.connected

    async def _on_event(self, data: Any) -> None:
        update = json.loads(data) if isinstance(data, str) else data
        delta = update.get("delta") or {}
        live = delta.get(SHOW_LIVE)
        if live:
            if f"votes{MARK}" in live:
                self.live_votes = {k: int(v) for k, v in live[f"votes{MARK}"].items()}
            self.live_total = int(live.get(f"total{MARK}", self.live_total))
            self.live_seq = int(live.get(f"seq{MARK}", self.live_seq))
            self.live_updates += 1
            self._changed.set()
        show, voter = delta.get(SHOW_STATE) or {}, delta.get(SHOW_VOTER) or {}
        if f"my_votes{MARK}" in voter:
            self.my_votes = list(voter[f"my_votes{MARK}"])
        if show.get(f"loading{MARK}") is False:
            self.loaded.set()
        self._error_seen = self._error_seen or _is_error(update)
        busy = voter.get(f"busy{MARK}")
        # Reflex sends no "final" flag here: the handler's last update clears `busy` for the song.
        if busy is not None and self._waiters and self._pending not in busy:
            self._waiters.pop(0).set_result(update)

    async def vote(self, prediction_song_id: int, timeout: float = 30.0) -> float:
        """Toggle a vote; returns the round-trip seconds once acknowledged; raises VoteFailed."""
        assert self._sio is not None, "connect() first"
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self._error_seen, self._pending = False, prediction_song_id
        started = time.perf_counter()
        event = {
            "name": f"{SHOW_STATE}.vote",
            "payload": {"prediction_song_id": prediction_song_id},
            "router_data": self.router_data,
        }
        await self._sio.emit("event", event, namespace="/_event")
        await asyncio.wait_for(waiter, timeout)
        if self._error_seen:  # the error toast arrives in one of the event's updates
            raise VoteFailed(f"vote on {prediction_song_id} was not stored")
        return time.perf_counter() - started

    async def wait_for(self, predicate: Any, timeout: float) -> bool:
        """Wait until `predicate(self)` holds (re-checked on every live update)."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return bool(predicate(self))
        return True


def _is_error(update: dict[str, Any]) -> bool:
    return SAVE_FAILED_TEXT in json.dumps(update.get("events") or [])
