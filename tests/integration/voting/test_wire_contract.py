"""Contract tests of `live/reflex_wire.py` against the installed Reflex, python-socketio and
python-engineio: the real app in prod mode with 2 backend workers, real socket.io clients speaking
Reflex's protocol (`tests/integration/ops/wsclient.py`). Each test names the seam it guards, so a
library upgrade that moves one fails here instead of silently breaking (or slowing) voting.
The browser side (Chromium applies a pushed delta) is `tests/e2e/test_live_voting.py`.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.live import publisher
from setlist_app.services.demo_seed import seed_demo_catalog
from tests.integration.ops.cluster import LOGS, Proc, app_process, service_env, upcoming_songs, wait_http
from tests.integration.ops.wsclient import MARK, ROOT_STATE, SHOW_LIVE, SHOW_STATE, SHOW_VOTER, ShowClient

pytestmark = [
    pytest.mark.slow,  # an app with two backend workers as processes
    pytest.mark.timeout(300),
    pytest.mark.postgres_only("the production topology: several backend workers on one database"),
]
PATIENCE = 30.0  # seconds a client waits for an answer or a push (a loaded 2-core machine)


@pytest.fixture
def app(engine: Engine, database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Proc]:
    with Session(engine) as session:
        seed_demo_catalog(session)
    redis.Redis.from_url(redis_url).flushdb()
    (LOGS / "wire-contract.log").unlink(missing_ok=True)  # read by the self-test check: this run only
    env = service_env(
        database_url, redis_url, PROMETHEUS_MULTIPROC_DIR=str(tmp_path)
    )  # /metrics: both workers
    proc = app_process("wire-contract", env, workers=2).start()
    try:
        wait_http(f"{proc.url}/ping", 180, [proc])
        yield proc
    finally:
        proc.stop()


class Recorder(ShowClient):
    """A show-page client that also keeps every update it received."""

    def __init__(self, base_url: str, slug: str) -> None:
        super().__init__(base_url, slug)
        self.updates: list[dict[str, Any]] = []

    async def _on_event(self, data: Any) -> None:
        self.updates.append(data)
        await super()._on_event(data)
        self._changed.set()  # `wait_for` re-checks on every update, not only on live counts


async def _viewers_on_both_workers(
    url: str, slug: str, show_id: int, redis_url: str, at_least: int = 4
) -> list[Recorder]:
    """Open tabs on the show until both backend workers hold some (granian spreads connections)."""
    client = redis.asyncio.Redis.from_url(redis_url)
    tabs: list[Recorder] = []
    try:
        for _ in range(40):
            tab = Recorder(url, slug)
            await tab.connect(PATIENCE)
            tabs.append(tab)
            workers = await client.hgetall(publisher.viewers_key(show_id))
            if len(tabs) >= at_least and len(workers) >= 2:
                return tabs
            await asyncio.sleep(0.2)  # the viewer count is written on the pusher's next tick
    finally:
        await client.aclose()
    raise AssertionError("40 tabs all landed on one backend worker")


def _stored_votes(engine: Engine, psid: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM votes WHERE prediction_song_id = :p"), {"p": psid}
            ).scalar_one()
        )


def test_votes_reach_the_lane_and_pushes_reach_exactly_the_shows_sockets_on_both_workers(
    app: Proc, engine: Engine, database_url: str, redis_url: str
) -> None:
    """Seams: `AsyncServer.on("event")` runs before Reflex's namespace handler (votes) and hands the
    rest on through `AsyncNamespace.trigger_event`; `enter_room` + the fast broadcast
    (`manager.get_participants`, `server.eio.sockets`, `AsyncSocket.queue`) reach each room member
    on each worker and no one else; `route_arg` reads `[slug]` through `get_var_value`. And what
    `Wire._broadcast_self_test` / `_writer_self_test` check at startup still holds: were it to fail,
    the app would carry on on the plain (slower) path, so the log line is what must be caught."""
    (slug, show_id, songs), (other_slug, _other_id, other_songs) = upcoming_songs(database_url, 2)

    async def scenario() -> None:
        watchers = await _viewers_on_both_workers(app.url, slug, show_id, redis_url)
        others = [Recorder(app.url, other_slug) for _ in range(3)]
        for tab in others:
            await tab.connect(PATIENCE)
        try:
            for tab in [*watchers, *others]:  # each page found its show by the route's slug
                loaded = [u["delta"].get(SHOW_STATE, {}) for u in tab.updates]
                assert not any(d.get(f"not_found{MARK}") for d in loaded)
                assert any(d.get(f"page{MARK}", {}).get("show_id") for d in loaded)
            assert "live wire:" not in app.log_path.read_text()  # no self-test failed
            voter = watchers[0]
            await voter.vote(songs[0], PATIENCE)  # answered by the lane: `busy` cleared, vote stored
            assert voter.my_votes == [songs[0]] and _stored_votes(engine, songs[0]) == 1
            for tab in watchers:
                assert await tab.wait_for(lambda c: c.live_votes.get(str(songs[0])) == 1, PATIENCE), tab.token
            for tab in others:  # their room got nothing of the other show's
                assert set(tab.live_votes) == {str(s) for s in other_songs}
                assert str(songs[0]) not in tab.live_votes
            # Any other event still reaches Reflex: the picker opens through ShowState's handler.
            await voter._sio.emit(  # type: ignore[union-attr]
                "event",
                {
                    "name": f"{SHOW_STATE}.set_picker_open",
                    "payload": {"value": True},
                    "router_data": voter.router_data,
                },
                namespace="/_event",
            )
            assert await voter.wait_for(lambda c: _last(c, SHOW_STATE, "picker_open") is True, PATIENCE)
            # Reflex's own update computed the voter's vars from the record the lane changed.
            picker = next(u["delta"] for u in reversed(voter.updates) if SHOW_STATE in u["delta"])
            assert picker[SHOW_VOTER][f"my_votes{MARK}"] == [songs[0]]
            # Reflex timed the picker's handler but never saw the vote (EventMetricsMiddleware).
            handler = 'handler="setlist_app___state___show____show_state.{}"'
            metrics = ""
            for _ in range(50):
                metrics = urllib.request.urlopen(f"{app.url}/metrics", timeout=10).read().decode()
                if handler.format("set_picker_open") in metrics:
                    break
                await asyncio.sleep(0.2)
            assert handler.format("set_picker_open") in metrics and handler.format("vote") not in metrics
        finally:
            for tab in [*watchers, *others]:
                await tab.close()

    asyncio.run(scenario())


def _hydrate(tab: Recorder) -> dict[str, Any]:
    """Reflex's own answer to the page's hydrate: the whole state tree, root state included (a push
    from the pusher or the lane names only its substate, and one may arrive first)."""
    return next(u["delta"] for u in tab.updates if ROOT_STATE in u["delta"])


def test_pushed_field_names_are_the_ones_reflex_itself_sends(app: Proc, database_url: str) -> None:
    """Seam: Reflex's delta format (`{"delta": {state: {var + FIELD_MARKER: value}}, "events": []}`
    and the substate's full name, handed to the wire by the wiring): a push sets exactly vars that
    Reflex's own hydrate sends for the same state, so the page reads what the pusher writes."""
    (slug, _show_id, songs), *_ = upcoming_songs(database_url, 1)

    async def scenario() -> None:
        viewer, voter = Recorder(app.url, slug), Recorder(app.url, slug)
        await viewer.connect(PATIENCE)
        await voter.connect(PATIENCE)
        try:
            # Seam: Reflex runs the page's load event in its own task and sends the reply from it;
            # the hub's one re-send to a joiner waits for that task's end (`LiveHub.replied`), so it
            # arrives after the reply (which carried the snapshot of its moment), songs included.
            loaded = next(
                i
                for i, u in enumerate(viewer.updates)
                if u["delta"].get(SHOW_STATE, {}).get(f"loading{MARK}") is False
            )
            assert await viewer.wait_for(
                lambda c: any(
                    f"songs{MARK}" in u["delta"].get(SHOW_LIVE, {}) for u in c.updates[loaded + 1 :]
                ),
                PATIENCE,
            )
            hydrated = set(_hydrate(viewer)[SHOW_LIVE])
            seen = len(viewer.updates)
            await voter.vote(songs[0], PATIENCE)
            assert await viewer.wait_for(lambda c: c.live_votes.get(str(songs[0])) == 1, PATIENCE)
            pushed = [u["delta"][SHOW_LIVE] for u in viewer.updates[seen:] if SHOW_LIVE in u["delta"]]
            assert pushed and all(set(p) <= hydrated for p in pushed), (pushed, hydrated)
            assert {f"{name}{MARK}" for name in ("seq", "total", "votes", "ranks", "viewers")} <= set(
                pushed[-1]
            )
            # The voter's own vars, sent by the lane, are vars of Reflex's voter substate as well.
            own = set(_hydrate(voter)[SHOW_VOTER])
            lane = [
                u["delta"][SHOW_VOTER]
                for u in voter.updates
                if f"busy{MARK}" in u["delta"].get(SHOW_VOTER, {})
            ]
            assert lane and all(set(d) <= own for d in lane)
        finally:
            await viewer.close()
            await voter.close()

    asyncio.run(scenario())


def test_loose_ids_get_a_clear_refusal_from_the_real_app(
    app: Proc, engine: Engine, database_url: str
) -> None:
    """Issue 19, end to end: 211.9, " 212 " and a huge number are answered with a message, not
    taken (or dropped with a task error), and the socket keeps working."""
    (slug, _show_id, songs), *_ = upcoming_songs(database_url, 1)

    async def scenario() -> None:
        tab = Recorder(app.url, slug)
        await tab.connect(PATIENCE)
        try:
            for value in (songs[0] + 0.9, f" {songs[0]} ", float("inf"), 10**400):
                seen = len(tab.updates)
                await tab._sio.emit(  # type: ignore[union-attr]
                    "event",
                    {
                        "name": f"{SHOW_STATE}.vote",
                        "payload": {"prediction_song_id": value},
                        "router_data": tab.router_data,
                    },
                    namespace="/_event",
                )
                assert await tab.wait_for(
                    lambda c, n=seen: "couldn't be read" in json.dumps(c.updates[n:]), PATIENCE
                )
            assert _stored_votes(engine, songs[0]) == 0
            await tab.vote(songs[0], PATIENCE)
            assert _stored_votes(engine, songs[0]) == 1
        finally:
            await tab.close()

    asyncio.run(scenario())


def _last(client: Recorder, state: str, var: str) -> Any:
    key = f"{var}{MARK}"
    return next(
        (u["delta"][state][key] for u in reversed(client.updates) if key in u["delta"].get(state, {})), None
    )
