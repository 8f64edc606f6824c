"""The vote lane on real Postgres and Redis, through the real wire over a faked socket.io namespace.

Proves: vote events are answered on the socket (optimistic delta, then the stored result) and never
reach Reflex, every other event does; the record is per socket and gone with it, and an answer
that arrives after a reload leaves the new page alone; double clicks,
unknown sockets and bad payloads change nothing; two quick votes from one socket both count; and
refusals answer with the page's messages (closed show, anonymous limit) and undo only their song.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from setlist_app.auth import sessions
from setlist_app.auth.cookies import ANON_COOKIE, SESSION_COOKIE, new_anon_id, sign
from setlist_app.live import vote_lane
from setlist_app.live.vote_lane import NOT_CONFIRMED, VoteLane, VoterPage
from setlist_app.models import ShowStatus
from setlist_app.observability import metrics
from tests.fixtures.live import FakeNamespace, fake_wire
from tests.fixtures.voting import make_show, signed_in_fans

STATE = "reflex___state____state.show_state"  # the page: its vote events, refusals' messages
VOTER = "reflex___state____state.show_voter"  # the voter's own vars, computed over the record
HANDLER = f"{STATE}.vote"
M = "_rx_state_"


def _lane() -> tuple[VoteLane, FakeNamespace]:
    lane = VoteLane()
    wire, ns = fake_wire()
    lane.install(wire, STATE, VOTER)
    return lane, ns


def _deltas(ns: FakeNamespace, sid: str) -> list[dict[str, Any]]:
    """Each message's voter and page vars, merged."""
    return [{**m["delta"].get(VOTER, {}), **m["delta"].get(STATE, {})} for t, m in ns.sent if t == sid]


def run_async(coro: Coroutine[Any, Any, None]) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


async def _open(lane: VoteLane, ns: FakeNamespace, sid: str, show_id: int, anon: str = "") -> VoterPage:
    cookie = f"{ANON_COOKIE}={sign(anon or new_anon_id(), 'anon')}"
    record = VoterPage(show_id, cookie, "10.0.0.1")
    record.votes_left, record.adds_left = 2, 2
    lane.open_page(sid, record)
    return record


async def _settle(lane: VoteLane) -> None:
    while lane._tasks:
        await asyncio.gather(*list(lane._tasks))


def _stored(session: Session, psid: int) -> tuple[int, int]:
    rows = session.execute(text("SELECT count(*) FROM votes WHERE prediction_song_id = :p"), {"p": psid})
    count = session.execute(text("SELECT vote_count FROM prediction_songs WHERE id = :p"), {"p": psid})
    return int(rows.scalar_one()), int(count.scalar_one())


def _batches_written() -> float:
    samples = [s for m in metrics.VOTE_BATCH.collect() for s in m.samples if s.name.endswith("_count")]
    return sum(s.value for s in samples)


@pytest.fixture(autouse=True)
def _fresh_clients() -> None:
    vote_lane._shared.clear()  # Redis clients belong to the loop that made them (one per test)


def test_votes_are_answered_on_the_socket_and_never_reach_reflex(session: Session) -> None:
    f = make_show(session, seeded=3)
    a, b, c = f.prediction_song_ids

    async def scenario() -> None:
        lane, ns = _lane()
        batches_before = _batches_written()
        await _open(lane, ns, "s1", f.show_id)
        await ns.receive("s1", {"name": f"{STATE}.open_picker", "payload": {}})
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})  # double click
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": b}})  # a quick second
        await _settle(lane)
        assert [e["name"] for _, _, e in ns.to_reflex] == [f"{STATE}.open_picker"]
        first, *_, last = _deltas(ns, "s1")
        assert first[f"busy{M}"] == [a] and first[f"my_votes{M}"] == [a]  # optimistic, at once
        assert first[f"pending_seq{M}"] == {str(a): NOT_CONFIRMED}
        assert first[f"pending{M}"][str(a)] == 1
        assert last[f"busy{M}"] == [] and sorted(last[f"my_votes{M}"]) == sorted([a, b])
        assert last[f"votes_left{M}"] == 0 and last[f"signed_in{M}"] is False
        assert NOT_CONFIRMED not in last[f"pending_seq{M}"].values()  # both confirmed by a commit
        assert _stored(session, a) == (1, 1) and _stored(session, b) == (1, 1)
        assert _batches_written() > batches_before  # the setlist_vote_batch_size metric moves
        # Toggle off: the same event again removes the vote.
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})
        await _settle(lane)
        assert _deltas(ns, "s1")[-1][f"my_votes{M}"] == [b]
        assert _stored(session, a) == (0, 0)
        # The third counted vote of this anonymous visitor asks them to sign in; only it is undone.
        seen = len(_deltas(ns, "s1"))
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": c}})
        await _settle(lane)
        answers = _deltas(ns, "s1")[seen:]  # the two answers may arrive in either order
        assert any(d.get(f"sign_in_prompt{M}") is True for d in answers)
        last = answers[-1]
        assert last[f"votes_left{M}"] == 0 and last[f"busy{M}"] == []
        assert sorted(last[f"my_votes{M}"]) in (sorted([a, b]), sorted([b, c]))
        assert _stored(session, a)[0] + _stored(session, c)[0] == 1

    run_async(scenario())


def test_bad_events_unknown_sockets_and_closed_pages_change_nothing(session: Session) -> None:
    f = make_show(session, seeded=2)
    a = f.prediction_song_ids[0]

    async def scenario() -> None:
        lane, ns = _lane()
        for sid, payload in [
            ("nopage", {"prediction_song_id": a}),
            ("gone", {"prediction_song_id": a}),  # no such socket (disconnected)
            ("nopage", {"prediction_song_id": "x"}),
            ("nopage", None),
        ]:
            await ns.receive(sid, {"name": HANDLER, "payload": payload})
        await _open(lane, ns, "s1", f.show_id)
        lane.close_page("s1")  # the page unmounted
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})
        await _settle(lane)
        assert ns.sent == [] and ns.to_reflex == []
        assert _stored(session, a) == (0, 0)

    run_async(scenario())


def test_a_vote_on_a_closed_show_is_refused_with_its_message(session: Session) -> None:
    f = make_show(session, seeded=2, status=ShowStatus.COMPLETED, days=-2, tag="done")
    a = f.prediction_song_ids[0]

    async def scenario() -> None:
        lane, ns = _lane()
        await _open(lane, ns, "s1", f.show_id)
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})
        await _settle(lane)
        last = _deltas(ns, "s1")[-1]
        assert last[f"my_votes{M}"] == [] and last[f"busy{M}"] == []
        assert str(a) not in last[f"pending_seq{M}"]  # the optimistic count is withdrawn
        assert last[f"voting_open{M}"] is False and "already happened" in last[f"closed_message{M}"]
        assert "already happened" in ns.toasts("s1")
        assert _stored(session, a) == (0, 0)

    run_async(scenario())


def test_a_failed_save_undoes_only_its_own_song(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    f = make_show(session, seeded=2)
    a, b = f.prediction_song_ids

    async def scenario() -> None:
        lane, ns = _lane()
        record = await _open(lane, ns, "s1", f.show_id)
        record.my_votes = [b]  # voted earlier, per the page

        async def broken(*args: Any) -> Any:
            raise ConnectionError("database went away")

        monkeypatch.setattr(vote_lane, "run_db", broken)
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})
        await _settle(lane)
        last = _deltas(ns, "s1")[-1]
        assert last[f"my_votes{M}"] == [b] and last[f"busy{M}"] == []
        assert "save that just now" in ns.toasts("s1")

    run_async(scenario())


def test_loose_ids_are_refused_with_a_message_and_store_nothing(session: Session) -> None:
    """Issue 19: 211.9 once voted for song 211, " 212 " was accepted, Infinity raised in the task."""
    f = make_show(session, seeded=2)
    a = f.prediction_song_ids[0]

    async def scenario() -> None:
        lane, ns = _lane()
        await _open(lane, ns, "s1", f.show_id)
        loose = [a + 0.9, f" {a} ", float("inf"), float("nan"), True, -a, 2**70, [a], {"id": a}]
        for value in loose:
            await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": value}})
        tasks = list(lane._tasks)
        await _settle(lane)
        assert all(t.exception() is None for t in tasks)  # every one answered, none raised
        assert ns.toasts("s1").count("couldn't be read") == len(loose)
        assert _stored(session, a) == (0, 0)
        assert all(d == {} for d in _deltas(ns, "s1"))  # nothing optimistic was shown
        await ns.disconnect("s1")  # and the disconnect still reaches Reflex
        assert ns.to_reflex == [("disconnect", "s1", "client disconnect")]

    run_async(scenario())


def test_a_signed_in_vote_is_stored_as_the_user(session: Session) -> None:
    """The session is resolved off the event loop (`VoterPage.viewer`), and still resolved."""
    f = make_show(session, seeded=2)
    a = f.prediction_song_ids[0]
    (fan,) = signed_in_fans(session, 1)
    cookie = f"{SESSION_COOKIE}={sessions.create_session(fan.user_id)}"  # type: ignore[arg-type]

    async def scenario() -> None:
        lane, ns = _lane()
        lane.open_page("s1", VoterPage(f.show_id, cookie, "10.0.0.1"))
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})
        await _settle(lane)
        last = _deltas(ns, "s1")[-1]
        assert last[f"signed_in{M}"] is True and last[f"my_votes{M}"] == [a]
        assert last[f"votes_left{M}"] == -1  # no anonymous allowance

    run_async(scenario())
    user = session.execute(text("SELECT user_id FROM votes WHERE prediction_song_id = :p"), {"p": a})
    assert user.scalar_one() == fan.user_id


def test_a_late_answer_spares_a_reloaded_page_and_the_record_goes_with_the_socket(session: Session) -> None:
    f = make_show(session, seeded=2)
    a = f.prediction_song_ids[0]

    async def scenario() -> None:
        lane, ns = _lane()
        await _open(lane, ns, "s1", f.show_id)
        await ns.receive("s1", {"name": HANDLER, "payload": {"prediction_song_id": a}})
        while not ns.sent:  # the optimistic step is out; the vote is on its way to the database
            await asyncio.sleep(0.001)
        reloaded = await _open(lane, ns, "s1", f.show_id)  # the page reloads meanwhile
        await _settle(lane)
        assert len(_deltas(ns, "s1")) == 1  # the answer was the old page's: the new one keeps its own
        assert lane.page("s1") is reloaded and reloaded.my_votes == []
        assert _stored(session, a) == (1, 1)  # the vote itself is stored
        await ns.disconnect("s1")
        assert lane.page("s1") is None

    run_async(scenario())
