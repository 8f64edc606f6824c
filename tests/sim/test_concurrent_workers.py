"""Three simulated days with four concurrent workers against the simulator (issue 17).

A single-worker replay cannot see what several workers do to each other. Here four workers — each a
thread with its own event loop, engine (connection pool), Redis client and provider clients — drain
the queue the real tick fills, on one fake clock stepping three hours at a time:

* six Ticketmaster markets with the same 48 artists, each market listing them in another order,
  discovered concurrently (paged: several requests per scan);
* a third of the first 30 artists' catalog calls answer 503 for good; the 24 h guard makes their
  retries fall due together on day 2 and 3, with healthy (empty-catalog) artists due at the same
  tick but ranked after them;
* an administrator's kill switch on day 2, and a Spotify-wide 429 storm on day 3.

Asserted: no job run failed by a deadlock or serialization failure; the Spotify circuit opened only
in the storm, so no healthy artist was skipped by a circuit that artist-level failures opened; the
app's provider counters (the budget, the dashboard's per-hour series, `/metrics`) equal the
requests the simulator received, by provider and outcome; `sync_status.health` equals the banner's
verdict after every tick. A request that got no answer (a timeout, a connection dropped by a loaded
simulator) is counted as "network" whether or not it reached the provider, as the app cannot know:
the received count may fall short of the counted one by at most those.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.api import metrics_gauges
from setlist_app.db import make_engine
from setlist_app.models import Artist, CronSetting, ProviderCircuit, SyncJob
from setlist_app.providers.factory import Providers, build_providers
from setlist_app.services.admin import usage
from setlist_app.settings import Settings, get_settings
from setlist_app.sync import budget, crons, executors, jobs, registry, status
from setlist_app.sync.context import SyncContext
from simulator.app import create_app
from simulator.catalog import Catalog
from simulator.control import Fault
from tests.fixtures.clock import NOW, TODAY, FakeClock
from tests.fixtures.simulator import SimulatorServer, start_simulator
from tests.integration.sync_domain.conftest import FAST

pytestmark = pytest.mark.slow  # three simulated days, four workers, both backends
WORKERS = 4
MARKETS = ("US", "GB", "DE", "FR", "ES", "IT")
MULTIPLIERS = (1, 47, 5, 43, 7, 41)  # coprime to ARTISTS: each market lists the artists in another order
ARTISTS = 48
FAILING = [r for r in range(30) if r % 3 == 0]  # 10 artists whose catalog answers 503, spread on day 1
OK = [r for r in range(30) if r % 3]
EMPTY = list(range(30, ARTISTS))  # healthy, empty catalogs: due again with the failing ones
STEP = timedelta(hours=3)
DAYS = 3
TICKS = DAYS * 8
KILL = range(11, 13)  # ticks with the kill switch on (day 2)
STORM = 17  # the tick of the Spotify-wide 429 storm (the failing and empty artists' third round)
ENABLED = ("ticketmaster_discovery", "catalog_sync")


def _catalog() -> Catalog:
    """48 touring artists in six markets; artist r's soonest show ranks r (the catalog planner's order)."""
    venues = [
        {
            "ticketmaster_id": f"V{m}{v}",
            "name": f"Hall {v} {m}",
            "city": f"City {m}{v}",
            "country": m,
            "country_code": m,
            "timezone": "UTC",
        }
        for m in MARKETS
        for v in range(3)
    ]
    artists, shows = [], []
    anchor = TODAY + timedelta(days=10)
    for r in range(ARTISTS):
        slug = f"sim-band-{r:02d}"
        albums = (
            []
            if r in EMPTY
            else [
                {"name": f"Record {k}", "tracks": [{"name": f"Song {r}-{k}-{t}"} for t in range(3)]}
                for k in range(2)
            ]
        )
        artists.append({"slug": slug, "name": f"Sim Band {r:02d}", "genres": ["rock"], "albums": albums})
        shows.append(_show(slug, f"A{r:02d}", "VUS0", anchor, f"{10 + r // 6:02d}:{r % 6 * 10:02d}"))
        for i, (m, mult) in enumerate(zip(MARKETS, MULTIPLIERS, strict=True)):
            day = anchor + timedelta(days=1 + (r * mult + i * 8) % ARTISTS)
            shows.append(_show(slug, f"E{m}{r:02d}", f"V{m}{r % 3}", day, "20:00"))
    return Catalog.from_raw(artists, venues, shows, [])


def _show(slug: str, tm_id: str, venue: str, day: date, at: str) -> dict[str, Any]:
    return {
        "ticketmaster_id": tm_id,
        "artist": slug,
        "venue": venue,
        "local_date": day.isoformat(),
        "local_time": at,
    }


class Worker:
    """One worker: its own thread, event loop, engine, Redis client and provider clients."""

    def __init__(self, url: str, settings: Settings, redis_url: str, clock: FakeClock) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.engine = make_engine(url)
        self.redis: Redis = self._call(_redis(redis_url))
        self.providers: Providers = self._call(_providers(settings, self.redis))
        self.ctx = SyncContext(
            settings=settings, engine=self.engine, redis=self.redis, providers=self.providers, clock=clock
        )
        self.outcomes: list[executors.RunOutcome] = []

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def start_drain(self) -> Any:
        return asyncio.run_coroutine_threadsafe(self._drain(), self.loop)

    async def _drain(self) -> None:
        """Run due jobs until none is left (every worker sees the same list; the claim picks one)."""
        while True:
            with self.ctx.session() as session:
                ids = [j.id for j in jobs.due_pending(session, self.ctx.now(), 8)]
            if not ids:
                return
            for job_id in ids:
                outcome = await executors.run_job(job_id, self.ctx)
                if outcome.status != "not_claimed":
                    self.outcomes.append(outcome)

    def close(self) -> None:
        self._call(self.providers.aclose())
        self._call(self.redis.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.engine.dispose()


async def _redis(url: str) -> Redis:
    return Redis.from_url(url)


async def _providers(settings: Settings, redis: Redis) -> Providers:
    providers = build_providers(settings, redis, policies=FAST)
    providers.ticketmaster.page_size = 20  # several pages per market, as real scans are
    return providers


@pytest.fixture
def sim_server() -> Iterator[SimulatorServer]:
    with start_simulator(create_app(catalog=_catalog())) as server:
        yield server


@pytest.fixture
def _markets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DISCOVERY_COUNTRIES", ",".join(MARKETS))
    monkeypatch.setenv("DISCOVERY_MIN_UPCOMING_EVENTS", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _provider(path: str) -> str | None:
    if path.startswith("/ticketmaster/"):
        return "ticketmaster"
    if path.startswith(("/spotify/v1/", "/spotify-accounts/api/token")):  # token requests count too
        return "spotify"
    return None


@pytest.mark.usefixtures("_markets")
async def test_four_workers_three_days(
    clock: FakeClock,
    engine: Engine,
    session: Session,
    settings: Settings,
    aredis: Redis,
    redis_url: str,
    db_backend: str,
    sim_server: SimulatorServer,
) -> None:
    s = settings.model_copy(update={"simulator_url": sim_server.url, "catalog_empty_retry_hours": 24})
    spotify_ids = {
        r: sim_server.app.state.catalog.by_slug[f"sim-band-{r:02d}"].spotify_id for r in range(ARTISTS)
    }
    control = sim_server.app.state.control
    for r in FAILING:
        control.add(Fault(f"/spotify/v1/artists/{spotify_ids[r]}/albums", "5xx", remaining=10**6))
    failing_faults = list(control.faults)

    assert set(ENABLED) <= set(registry.registered_planners())  # (importing registry registers them)
    crons.ensure_defaults(session, NOW)
    session.execute(update(CronSetting).values(enabled=CronSetting.name.in_(ENABLED)))
    session.execute(
        update(CronSetting)
        .where(CronSetting.name == "catalog_sync")
        .values(interval_seconds=STEP.seconds, limit_per_run=500)
    )
    session.execute(  # a daily scan: every round after the first only re-reads what it has
        update(CronSetting).where(CronSetting.name == "ticketmaster_discovery").values(interval_seconds=86400)
    )
    session.commit()
    main_providers = build_providers(s, aredis, policies=FAST)  # the tick's planners only check them
    tick_ctx = SyncContext(settings=s, engine=engine, redis=aredis, providers=main_providers, clock=clock)
    url = engine.url.render_as_string(hide_password=False)
    workers = [Worker(url, s, redis_url, clock) for _ in range(WORKERS)]

    hits_by_day: dict[date, Counter[str]] = defaultdict(Counter)
    seen = Counter[str]()
    storm_429s = 0
    openings: set[datetime] = set()
    health_mismatches: list[tuple[datetime, str, str]] = []
    try:
        for tick in range(TICKS):
            with Session(engine) as s_:
                status.set_kill_switch(s_, tick in KILL, clock())
                s_.commit()

            await crons.tick(tick_ctx)
            with Session(engine) as s_:
                shown = status.read_health(s_, clock(), s).level
                stored = status.get_status(s_).health
                if stored != shown:
                    health_mismatches.append((clock(), stored, shown))
            storm = None
            if tick == STORM:
                storm = Fault("/spotify/v1/*", "429", remaining=500, retry_after=0.01)
                control.add(storm)
            for future in [w.start_drain() for w in workers]:
                future.result()
            if storm is not None:
                storm_429s = 500 - storm.remaining
                control.remove(storm)
            now_hits = Counter(sim_server.hits())
            for path, n in (now_hits - seen).items():
                if provider := _provider(path):
                    hits_by_day[clock().date()][provider] += n
            seen = now_hits
            with Session(engine) as s_:
                circuit = s_.get(ProviderCircuit, "spotify")
                if circuit is not None and circuit.opened_at is not None:
                    openings.add(circuit.opened_at)
            clock.advance(seconds=STEP.total_seconds())
    finally:
        for w in workers:
            w.close()
        await main_providers.aclose()

    outcomes = [o for w in workers for o in w.outcomes]
    all_jobs = {j.id: j for j in session.scalars(select(SyncJob))}
    print(
        f"{db_backend}: {len(outcomes)} job runs {dict(Counter(all_jobs[o.job_id].kind for o in outcomes))}"
    )
    problems: dict[str, Any] = {}

    # 1. No job run failed by a deadlock or serialization failure. Only PostgreSQL can deadlock (SQLite
    #    has one writer at a time, so on SQLite this checks that no run failed on "database is locked").
    db_errors = [
        o.error for o in outcomes if o.error and not o.error.startswith(("spotify:", "ticketmaster:"))
    ]
    if db_errors:
        problems["1. job runs failed by the database"] = (len(db_errors), db_errors[:2])

    # 2. The Spotify circuit opened only in the storm; no healthy artist was skipped before it.
    storm_at = NOW + STORM * STEP
    artist_opened = sorted(t for t in openings if not storm_at <= t < storm_at + STEP)
    healthy_ids = {spotify_ids[r] for r in OK + EMPTY}
    healthy = set(session.scalars(select(Artist.id).where(Artist.spotify_id.in_(healthy_ids))))
    assert len(healthy) == len(OK + EMPTY)
    skipped = [
        all_jobs[o.job_id].key
        for o in outcomes
        if o.result.get("skipped") == "spotify circuit open"
        and all_jobs[o.job_id].started_at < storm_at
        and all_jobs[o.job_id].artist_id in healthy
    ]
    if artist_opened or skipped:
        problems["2. circuit opened outside the storm"] = (artist_opened, len(skipped), skipped[:3])
    if not any(storm_at <= t < storm_at + STEP for t in openings):
        problems["2. the storm did not open the circuit"] = sorted(openings)

    # 3. Counters = requests the simulator received: per provider and day (budget), per hour (the
    #    dashboard's chart), by outcome, and today's in /metrics.
    counted = {day: (await budget.usage(aredis, datetime.combine(day, NOW.timetz()))) for day in hits_by_day}
    unanswered = {day: _unanswered(used) for day, used in counted.items()}
    for day, expected in hits_by_day.items():
        got = {p: counted[day].calls_today.get(p, 0) for p in expected}
        if not _received_all_answered(expected, got, unanswered[day]):
            problems[f"3. budget on {day}"] = (got, dict(unanswered[day]), dict(expected))
    series = await usage.calls_per_hour(aredis, clock(), DAYS * 24 + 3)
    totals = sum(hits_by_day.values(), Counter())
    charted = {p: sum(int(row[p]) for row in series) for p in totals}
    if not _received_all_answered(totals, charted, sum(unanswered.values(), Counter())):
        problems["3. dashboard calls per hour"] = (charted, dict(totals))
    by_outcome: dict[str, Counter[str]] = defaultdict(Counter)
    for used in counted.values():
        for provider, n in getattr(used, "outcomes_today", {}).items():
            by_outcome[provider].update(n)
    failing_503s = sum(10**6 - f.remaining for f in failing_faults)
    got_outcomes = (by_outcome["spotify"]["429"], by_outcome["spotify"]["5xx"])
    if got_outcomes != (storm_429s, failing_503s) or not storm_429s:
        problems["3. spotify 429s and 5xx counted"] = (got_outcomes, (storm_429s, failing_503s))
    clock.t = storm_at  # /metrics reads "today" on the app clock: scrape on the storm's day
    storm_day = hits_by_day[storm_at.date()]
    scraped = _scrape(await metrics_gauges.state_registry(engine, aredis, aredis, s))
    got_day = {p: scraped.get(("setlist_budget_provider_calls_today", p, ""), 0) for p in storm_day}
    got_429s = scraped.get(("setlist_budget_provider_requests_today", "spotify", "429"), 0)
    storm_unanswered = unanswered[storm_at.date()]
    if not _received_all_answered(storm_day, got_day, storm_unanswered) or got_429s != storm_429s:
        problems["3. /metrics on the storm's day"] = (got_day, got_429s, dict(storm_day), storm_429s)

    # 4. sync_status.health followed the banner after every tick (failures, kill switch, storm).
    if health_mismatches:
        problems["4. sync_status.health != banner"] = (len(health_mismatches), health_mismatches[:3])

    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def _unanswered(used: budget.BudgetUsage) -> Counter[str]:
    """Counted requests per provider that got no answer (outcome "network")."""
    return Counter({p: n.get("network", 0) for p, n in used.outcomes_today.items()})


def _received_all_answered(
    received: Counter[str], counted: dict[str, float], unanswered: Counter[str]
) -> bool:
    """Every answered request counted once: the provider received at least the answered ones and at
    most all that were counted."""
    return all(counted.get(p, 0) - unanswered[p] <= n <= counted.get(p, 0) for p, n in received.items())


def _scrape(registry: Any) -> dict[tuple[str, str, str], float]:
    """(sample, provider, outcome) -> value of a `/metrics` exposition."""
    out = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            out[(sample.name, sample.labels.get("provider", ""), sample.labels.get("outcome", ""))] = (
                sample.value
            )
    return out
