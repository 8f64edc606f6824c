"""The incident replay in miniature: 3 simulated days of every planner on its schedule.

The predecessor's catalog-sync ↔ prediction-generation cascade made 19M calls in 3 days. Here
200 artists (30% with empty catalogs, ~10% of catalog calls failing, a few failing forever) run
through the real tick, planners, gateway and executors on a fake clock with a fake Spotify.
Asserted: at most one catalog sync per artist per 24 h, no job created by an executor, exact job
totals, provider calls and job rates within the configured budgets; followers are notified of each
show once, by the planner.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.models import Artist, CronRun, Follow, Notification, SyncJob, User
from setlist_app.settings import Settings
from setlist_app.sync import budget, crons, executors, registry, status
from tests.fixtures.clock import NOW, FakeClock
from tests.integration.sync.helpers import (
    FakeProviders,
    FakeSpotify,
    add_artists,
    add_show,
    make_ctx,
)

pytestmark = pytest.mark.slow  # three simulated days of every planner
ARTISTS = 200
DAYS = 3
STEP = timedelta(minutes=15)  # the arq cron ticks every 15 s in production; crons are due on this grid


class LoggingSpotify(FakeSpotify):
    """Remembers when each artist's catalog was fetched (on the simulated clock)."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.fetches: dict[str, list[datetime]] = defaultdict(list)
        self.failures = 0

    async def artist_albums(self, spotify_id: str) -> list[Any]:
        self.fetches[spotify_id].append(self.clock())
        failing = self.fail.get(spotify_id, 0) > 0
        self.failures += failing
        return await super().artist_albums(spotify_id)


def _population(session: Session, spotify: FakeSpotify) -> dict[str, list[int]]:
    ids = add_artists(session, ARTISTS)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, artist_id in enumerate(ids):
        add_show(session, artist_id, NOW + timedelta(days=1 + (i * 37) % 90, hours=i % 24))
        sp = f"sp{i}"
        if i % 10 < 3:
            groups["empty"].append(artist_id)  # 30%: Spotify has no albums for them
            continue
        spotify.give(sp, ("Album", [f"{sp} one", f"{sp} two", f"{sp} two - Live"]), ("EP", [f"{sp} three"]))
        if i % 50 == 7:
            spotify.fail[sp] = 10**6
            groups["always_fail"].append(artist_id)
        elif i % 20 == 3:
            spotify.fail[sp] = 1
            groups["fail_once"].append(artist_id)
        else:
            groups["ok"].append(artist_id)
    return groups


async def test_three_days_no_cascade(
    clock: FakeClock, engine: Engine, session: Session, settings: Settings, aredis: Redis
) -> None:
    spotify = LoggingSpotify(clock)
    groups = _population(session, spotify)
    fan = User(email="fan@x.test")  # follows every artist: each announced show is one notification
    session.add(fan)
    session.flush()
    session.add_all(
        Follow(user_id=fan.id, artist_id=a, created_at=NOW - timedelta(days=1))
        for ids in groups.values()
        for a in ids
    )
    session.commit()
    ctx = make_ctx(engine, settings, redis=aredis, providers=FakeProviders(spotify), clock=clock)
    planners = registry.registered_planners()
    crons.ensure_defaults(session, NOW)
    session.commit()

    ticks = 0
    alerts: set[str] = set()
    peak_minute = 0
    while clock() < NOW + timedelta(days=DAYS):
        report = await crons.tick(ctx)
        assert not report.failed, report.failed
        await executors.run_due(ctx)
        used = await budget.usage(aredis, clock())
        peak_minute = max(peak_minute, used.jobs_last_minute)
        if report.alert:
            alerts.add(report.alert)
        ticks += 1
        clock.advance(seconds=STEP.total_seconds())

    jobs = session.scalars(select(SyncJob).order_by(SyncJob.id)).all()
    catalog_jobs = [j for j in jobs if j.kind == "catalog_sync"]

    # 1. Only planners created jobs: the cron runs account for every row.
    assert {j.requested_by.split(":")[0] for j in jobs} == {"planner"}
    runs = session.scalars(select(CronRun)).all()
    assert sum(r.jobs_created for r in runs) == len(jobs)
    assert Counter(r.name for r in runs if r.name in ("catalog_sync", "stale_job_sweeper")) == {
        "catalog_sync": DAYS * 24 * 4,  # every 15 minutes
        "stale_job_sweeper": ticks,  # every minute, i.e. every 5-minute tick
    }
    assert len(planners) >= 2 and all(r.status == "succeeded" for r in runs)

    # 2. Exact totals: one sync per artist on day 0, one retry per artist that failed once,
    #    and two more for the ones failing forever before their breaker opens (3 strikes → 72 h).
    expected = ARTISTS + len(groups["fail_once"]) + 2 * len(groups["always_fail"])
    assert len(catalog_jobs) == expected == 200 + 10 + 8
    assert Counter(j.status for j in catalog_jobs) == {
        "succeeded": ARTISTS - len(groups["always_fail"]),
        "failed": len(groups["fail_once"]) + 3 * len(groups["always_fail"]),
    }

    # 3. At most one catalog fetch per artist per 24 h (provider side and job side).
    for times in spotify.fetches.values():
        assert all(b - a >= timedelta(hours=24) for a, b in itertools.pairwise(times))
    by_artist: dict[int, list[datetime]] = defaultdict(list)
    for j in catalog_jobs:
        by_artist[j.artist_id].append(j.started_at)
    assert all(b - a >= timedelta(hours=24) for t in by_artist.values() for a, b in itertools.pairwise(t))

    # 4. Provider calls and job rates within the configured limits; no alarm was needed.
    fetches = sum(len(t) for t in spotify.fetches.values())
    assert fetches == expected and 0.08 <= spotify.failures / fetches <= 0.12
    assert spotify.calls == fetches + 2 * (ARTISTS - len(groups["empty"]) - len(groups["always_fail"]))
    for day in range(DAYS):
        used = await budget.usage(aredis, NOW + timedelta(days=day))
        assert used.calls_today.get("spotify", 0) <= settings.sync_provider_calls_per_day_budget
        assert used.jobs_today <= settings.sync_jobs_per_day_budget
    assert peak_minute <= 50 < settings.sync_jobs_per_minute_alert and not alerts

    # 5. End state: every artist has a catalog, an empty one, or an open breaker — none stuck.
    session.expire_all()
    states = Counter(a.catalog_status for a in session.scalars(select(Artist)))
    assert states == {
        "ok": len(groups["ok"]) + len(groups["fail_once"]),
        "empty": len(groups["empty"]),
        "failed": len(groups["always_fail"]),
    }
    for artist_id in groups["always_fail"]:
        artist = session.get(Artist, artist_id)
        assert artist.catalog_failures == 3 and artist.catalog_backoff_until > clock()
    assert status.get_status(session).queue_depth == 0

    # 6. Notifications come from the planner alone (an executor creating one raises): one per
    #    followed show, never repeated in three days of runs, and no job was created for them.
    notified = session.scalars(select(Notification.show_id).where(Notification.user_id == fan.id)).all()
    assert len(notified) == len(set(notified)) == ARTISTS
    assert Counter(r.name for r in runs if r.name == "notifications")["notifications"] == ticks
    assert sum(r.jobs_created for r in runs if r.name.startswith("notification")) == 0
