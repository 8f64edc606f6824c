"""The wire's startup self-tests pass on the installed python-socketio / python-engineio, and a
missing internal sends it down the plain path (one log line) instead of breaking the live path."""

from __future__ import annotations

import logging

import pytest
import socketio

from setlist_app.live.pusher import LiveHub
from setlist_app.live.reflex_wire import Protocol, Wire


def _wire() -> Wire:
    server = socketio.AsyncServer(async_mode="asgi")
    namespace = socketio.AsyncNamespace("/_event")
    server.register_namespace(namespace)
    return Wire(namespace, Protocol("_rx_state_", lambda message: [message]))


def test_the_installed_libraries_pass_both_self_tests() -> None:
    wire = _wire().install()
    assert wire.fast_broadcast and wire.fast_writer


def test_a_missing_internal_means_the_plain_path_and_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    wire = _wire()
    wire.ns.server.eio.sockets = []  # as if an upgrade had changed the registry's type
    with caplog.at_level(logging.WARNING):
        wire.install()
    assert not wire.fast_broadcast
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "live wire: broadcast self-test failed"
    ]


def test_messages_use_the_handed_in_field_suffix_and_toast() -> None:
    wire = _wire()
    assert wire.message({"s": {"seq": 3}, "t": {"open": False}, "u": {}}, toast="no") == {
        "delta": {"s": {"seq_rx_state_": 3}, "t": {"open_rx_state_": False}},  # no empty state
        "events": ["no"],
    }
    assert wire.message({"s": {}}) == {"delta": {}, "events": []}


async def test_a_socket_that_closed_before_its_page_load_joins_no_room() -> None:
    """A page-load event can outlive its socket; python-socketio raises for a socket it no longer
    knows, so the wire answers False and the hub counts no viewer for it."""
    wire = _wire()
    manager, namespace = wire.ns.server.manager, wire.ns.namespace
    assert await wire.enter_room("never-connected", "show:1") is False  # no socket in the namespace yet
    sid = await manager.connect("eio-1", namespace)
    assert await wire.enter_room(sid, "show:1") is True
    assert [s for s, _ in manager.get_participants(namespace, "show:1")] == [sid]
    await manager.disconnect(sid, namespace)
    assert await wire.enter_room(sid, "show:2") is False

    hub = LiveHub()
    hub._wire = wire
    await hub.join(sid, 2)
    await hub.watch_user(sid, 7)
    assert hub.local_viewers() == {} and hub._users == {}
