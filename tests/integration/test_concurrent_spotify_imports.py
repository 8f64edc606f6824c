"""Two fans import overlapping Spotify artists at once, listed in opposite orders: both imports
finish (no deadlock on the artists they both create) and the artists exist once."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models.base import utcnow
from setlist_app.models.catalog import Artist
from setlist_app.models.users import User
from setlist_app.models.voting import Follow
from setlist_app.providers.models import SpotifyArtist
from setlist_app.services import spotify_import
from setlist_app.settings import get_settings

pytestmark = pytest.mark.postgres_only("two open transactions: SQLite lets one writer in at a time")

ARTISTS = [SpotifyArtist(id="sp-a", name="Alpha"), SpotifyArtist(id="sp-b", name="Beta")]


def test_opposite_orders_do_not_deadlock(engine: Engine, session: Session) -> None:
    fans = [User(email=f"fan{i}@setlist.test", name=f"Fan {i}") for i in range(2)]
    session.add_all(fans)
    session.commit()
    # Each import holds its first new artist until the other has one too (or 2 s passed: an import
    # waiting for the other's row never gets here) -- the interleaving that deadlocks when each
    # creates artists in its own order.
    both_have_one = threading.Barrier(2, timeout=2)
    paused: set[int] = set()

    def after_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO artists") and id(conn) not in paused:
            paused.add(id(conn))
            with contextlib.suppress(threading.BrokenBarrierError):
                both_have_one.wait()

    errors: list[BaseException] = []

    def run(fan: User, order: list[SpotifyArtist]) -> None:
        try:
            with Session(engine) as s:
                spotify_import.save_import(s, get_settings(), fan.id or 0, "", order, [], utcnow())
                s.commit()
        except BaseException as exc:
            errors.append(exc)

    event.listen(engine, "after_cursor_execute", after_execute)
    try:
        threads = [
            threading.Thread(target=run, args=(fans[0], ARTISTS)),
            threading.Thread(target=run, args=(fans[1], ARTISTS[::-1])),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)
    assert not errors, errors
    names = session.scalars(select(Artist.name).order_by(Artist.name)).all()
    assert names == ["Alpha", "Beta"]
    assert len(session.scalars(select(Follow)).all()) == 4
