"""Two imports of one show's setlist at once (issue 17, point 5): a planner's import and an admin's
"Look again" may run together on two workers. The second waits for the first and replaces its
setlist instead of failing on the unique show_id."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.domain.setlists import PlayedSong, store_actual_setlist
from setlist_app.models import ActualSetlist, Show, ShowStatus
from setlist_app.services.demo_seed import seed_demo_catalog

pytestmark = pytest.mark.postgres_only(
    "two open transactions on one show: SQLite lets one writer in at a time"
)


def _waiting_locks(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one()


def test_two_imports_of_one_show_at_once_store_one_setlist(engine: Engine, session: Session) -> None:
    seed_demo_catalog(session)
    show_id = session.scalars(select(Show.id).where(Show.status == ShowStatus.COMPLETED)).first()
    session.execute(delete(ActualSetlist).where(ActualSetlist.show_id == show_id))
    session.commit()
    songs = [PlayedSong("Opener"), PlayedSong("Closer", encore=1)]
    errors: list[BaseException] = []

    def second_import() -> None:
        try:
            with Session(engine) as other:
                store_actual_setlist(other, other.get(Show, show_id), songs, tour_name="second")
                other.commit()
        except BaseException as exc:
            errors.append(exc)

    with Session(engine) as first:
        store_actual_setlist(first, first.get(Show, show_id), songs, tour_name="first")  # not committed
        worker = threading.Thread(target=second_import)
        worker.start()
        deadline = time.monotonic() + 10
        while _waiting_locks(engine) == 0:  # the second import waits for the first's transaction
            assert worker.is_alive() and time.monotonic() < deadline, errors
            time.sleep(0.02)
        first.commit()
    worker.join(timeout=10)
    assert not errors, errors
    session.expire_all()
    rows = session.scalars(select(ActualSetlist).where(ActualSetlist.show_id == show_id)).all()
    assert [r.tour_name for r in rows] == ["second"]  # one setlist: the later import's
