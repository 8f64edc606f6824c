"""A signed-in viewer is resolved off the event loop; an anonymous one inline (no I/O to wait for)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from setlist_app.auth import viewer as viewer_module
from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, sign
from setlist_app.auth.viewer import resolve_viewer


def test_a_session_lookup_runs_in_a_thread_and_a_signature_check_inline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[threading.Thread] = []

    def lookup(cookies: dict[str, str]) -> tuple[int, str, str] | None:  # stands in for Redis + DB
        threads.append(threading.current_thread())
        return (7, "user", "Ada") if SESSION_COOKIE in cookies else None

    monkeypatch.setattr(viewer_module, "user_from_cookies", lookup)

    async def scenario() -> None:
        loop_thread = threading.current_thread()
        anon = f"{ANON_COOKIE}={sign('fan-1', 'anon')}"
        anonymous = await resolve_viewer(anon, "10.0.0.1")
        assert (anonymous.user_id, anonymous.anon_id, anonymous.client_ip) == (None, "fan-1", "10.0.0.1")
        assert threads == [loop_thread]  # signatures only: checked inline
        signed_in = await resolve_viewer(f"{anon}; {SESSION_COOKIE}=opaque", "10.0.0.1")
        assert (signed_in.user_id, signed_in.name, signed_in.anon_id) == (7, "Ada", "fan-1")
        assert threads[1] is not loop_thread  # the Redis and database lookup left the loop

    asyncio.run(scenario())
