"""Ticketmaster discovery and artist enrichment against the simulator: happy paths and faults."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from setlist_app.domain.titles import normalize_name
from setlist_app.models import Artist, Prediction, ProviderCircuit, Show, Venue
from setlist_app.settings import get_settings
from setlist_app.sync import discovery, enrichment, executors
from tests.fixtures.clock import NOW
from tests.integration.sync_domain.helpers import artist, run

WINDOW = {"start": (NOW - timedelta(days=240)).isoformat(), "end": (NOW + timedelta(days=365)).isoformat()}


async def _discover(ctx, session: Session, country: str = "US"):
    return await run(
        ctx, session, discovery.KIND, f"market:{country}", payload={**WINDOW, "country": country}
    )


async def test_discovery_filters_noise_and_is_idempotent(engine: Engine, session: Session, sim_ctx) -> None:
    ctx = sim_ctx()
    outcome = await _discover(ctx, session)
    assert outcome.status == "succeeded", outcome
    result = outcome.result
    # US noise: festivals, tributes, NBA game, Broadway, Las Vegas residency, parking, VIP upgrade.
    assert {"festival", "tribute", "non_music", "residency"} <= set(result["skipped"])
    names = set(session.scalars(select(Show.name)))
    assert not any(w in n.lower() for n in names for w in ("festival", "tribute", "parking", "vip", "knicks"))
    assert result["shows_created"] == session.scalar(select(func.count()).select_from(Show)) > 30
    # Every new show has its prediction, waiting for the artist's catalog.
    assert Counter(session.scalars(select(Prediction.status))) == {"waiting_catalog": result["shows_created"]}
    # Ids from the attraction's external links; the venue's time zone is kept.
    assert all(a.ticketmaster_id and a.spotify_id and a.mbid for a in session.scalars(select(Artist)))
    assert "America/New_York" in set(session.scalars(select(Venue.timezone)))

    again = await _discover(ctx, session)
    assert again.result["shows_created"] == again.result["artists_created"] == 0
    assert again.result["shows_updated"] == 0


async def test_discovery_dedups_and_applies_status_changes(engine: Engine, session: Session, sim_ctx) -> None:
    ctx = sim_ctx()
    await _discover(ctx, session, "GB")
    shows = session.scalars(select(Show).order_by(Show.local_date)).all()
    upcoming = [s for s in shows if s.status == "upcoming"]
    # A show we know without its Ticketmaster id (e.g. added by an admin) is matched by
    # artist + venue + date instead of duplicated; a stale status is corrected.
    target, flipped = upcoming[0], upcoming[1]
    tm_id = target.ticketmaster_id
    session.execute(update(Show).where(Show.id == target.id).values(ticketmaster_id=None))
    session.execute(update(Show).where(Show.id == flipped.id).values(status="cancelled"))
    session.commit()
    result = (await _discover(ctx, session, "GB")).result
    assert result["shows_created"] == 0 and result["status_changes"] == 1
    session.expire_all()
    assert session.get(Show, target.id).ticketmaster_id == tm_id
    assert session.get(Show, flipped.id).status == "upcoming"
    assert session.scalar(select(func.count()).select_from(Show)) == len(shows)


async def test_discovery_marks_cancelled_postponed_and_past_shows(
    engine: Engine, session: Session, sim_ctx
) -> None:
    ctx = sim_ctx()
    for country in ("US", "GB", "CA", "AU", "IE", "FR", "NL", "DE", "ES", "IT", "MX", "BR", "AR"):
        assert (await _discover(ctx, session, country)).status == "succeeded"
    statuses = Counter(session.scalars(select(Show.status)))
    assert statuses == {"upcoming": 72, "completed": 40, "cancelled": 2, "postponed": 1}
    past = session.scalars(select(Show).where(Show.status == "completed")).all()
    assert all(s.import_status == "pending" and s.import_next_at == NOW for s in past)


async def test_discovery_failures_retry_and_feed_the_breaker(
    engine: Engine, session: Session, sim_ctx, simulator
) -> None:
    ctx = sim_ctx()
    events = "/ticketmaster/discovery/v2/events.json"
    simulator.fault(events, "5xx", status=503)
    failed = await _discover(ctx, session)
    assert failed.status == "pending" and "503" in failed.error  # retried later with backoff
    circuit = session.get(ProviderCircuit, "ticketmaster")
    assert circuit.failures == 1 and circuit.state == "closed"

    simulator.fault(events, "malformed")
    ctx.clock.advance(hours=1)
    assert (await _discover(ctx, session, "GB")).status == "pending"

    # A 429 with Retry-After is waited out by the client and the job succeeds.
    simulator.fault(events, "429", retry_after=0)
    ok = await _discover(ctx, session, "CA")
    assert ok.status == "succeeded" and ok.result["shows_created"] > 0
    session.expire_all()
    assert session.get(ProviderCircuit, "ticketmaster").failures == 0


async def test_enrichment_fills_ids_and_images(engine: Engine, session: Session, sim_ctx, simulator) -> None:
    ctx = sim_ctx()
    for name in ("Radiohead", "Nobody By This Name"):
        session.add(
            Artist(
                slug=normalize_name(name).replace(" ", "-"), name=name, normalized_name=normalize_name(name)
            )
        )
    session.commit()
    radiohead, nobody = artist(session, "radiohead"), artist(session, "nobody-by-this-name")

    outcome = await run(ctx, session, enrichment.KIND, "artist:1", artist_id=radiohead.id)
    assert outcome.status == "succeeded", outcome
    radiohead = artist(session, "radiohead")
    assert radiohead.spotify_id and radiohead.mbid and radiohead.image_url and radiohead.enriched_at == NOW
    assert radiohead.genres and radiohead.version == 2  # one write, through artist_writes

    # Unknown everywhere: marked enriched (retried in a month), no ids invented.
    assert (await run(ctx, session, enrichment.KIND, "artist:2", artist_id=nobody.id)).status == "succeeded"
    nobody = artist(session, "nobody-by-this-name")
    assert nobody.enriched_at == NOW and nobody.spotify_id is None and nobody.mbid is None


def _spotify_failures(session: Session) -> int:
    session.expire_all()
    return session.get(ProviderCircuit, "spotify").failures


async def test_enrichment_failures(engine: Engine, session: Session, sim_ctx, simulator) -> None:
    ctx = sim_ctx()
    session.add(Artist(slug="muse", name="Muse", normalized_name="muse"))
    session.commit()
    muse = artist(session, "muse")
    simulator.fault("/spotify/v1/search", "5xx", status=502)
    failed = await run(ctx, session, enrichment.KIND, "artist:m", artist_id=muse.id)
    assert failed.status == "pending" and artist(session, "muse").enriched_at is None
    assert _spotify_failures(session) == 1  # a first failure may be the provider's: it counts

    # The retry fails the same way: this artist's own trouble (issue 17), not Spotify's, so the
    # provider circuit does not count it; a timeout, a 429 or a quota error would still count.
    simulator.fault("/spotify/v1/search", "5xx", status=502)
    ctx.clock.advance(seconds=get_settings().sync_retry_base_seconds)
    again = await executors.run_job(failed.job_id, ctx)
    assert again.status == "pending" and "502" in (again.error or ""), again
    assert _spotify_failures(session) == 1
    simulator.fault("/spotify/v1/search", "429", retry_after=0, count=5)  # beyond the client's retries
    ctx.clock.advance(seconds=2 * get_settings().sync_retry_base_seconds)
    assert (await executors.run_job(failed.job_id, ctx)).status == "failed"  # attempts spent
    assert _spotify_failures(session) == 2

    # An open circuit skips that provider and leaves the artist due for the next run.
    session.execute(
        update(ProviderCircuit)
        .where(ProviderCircuit.provider == "spotify")
        .values(state="open", retry_at=NOW + timedelta(hours=1))
    )
    session.commit()
    skipped = await run(ctx, session, enrichment.KIND, "artist:m2", artist_id=muse.id)
    assert skipped.status == "succeeded" and skipped.result["blocked"] == ["spotify"]
    muse = artist(session, "muse")
    assert muse.mbid is not None and muse.spotify_id is None and muse.enriched_at is None

    # MusicBrainz rate limiting (503 + Retry-After) is waited out by the client.
    session.execute(update(ProviderCircuit).values(state="closed", retry_at=None, failures=0))
    session.execute(update(Artist).where(Artist.id == muse.id).values(mbid=None))
    session.commit()
    simulator.fault("/musicbrainz/ws/2/artist", "429", retry_after=0)
    ok = await run(ctx, session, enrichment.KIND, "artist:m3", artist_id=muse.id)
    assert ok.status == "succeeded" and artist(session, "muse").mbid is not None
