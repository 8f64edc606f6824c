"""Alerts that leave the app (issue 18 item 3): the worker's alert check raises and clears alerts and
sends one webhook message each, deduplicated, rate-limited, retried, and silenced by an acknowledgement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from setlist_app.models import Alert
from setlist_app.providers import breaker
from setlist_app.settings import Settings
from setlist_app.sync import alerts, budget, status
from tests.fixtures.clock import FakeClock
from tests.fixtures.webhook import WebhookReceiver, webhook  # noqa: F401  (fixture)
from tests.integration.sync.helpers import make_ctx


@pytest.fixture
def alert_settings(settings: Settings, webhook: WebhookReceiver) -> Settings:  # noqa: F811
    return settings.model_copy(
        update={
            "alert_webhook_url": webhook.url,
            "sync_jobs_per_minute_alert": 2,
            "alert_webhook_per_minute": 10,
            "alert_webhook_retry_base_seconds": 30,
            "alert_webhook_max_attempts": 3,
            "alert_remind_seconds": 3600,
            "app_url": "http://setlist.test",
        }
    )


async def _spike(redis: Redis, clock: FakeClock, jobs: int = 3) -> None:
    for _ in range(jobs):
        await budget.count_job(redis, clock.t)


def _alerts(session: Session) -> list[Alert]:
    session.expire_all()
    return list(session.exec(select(Alert).order_by(Alert.id)))


async def test_one_message_when_raised_and_one_when_cleared(
    engine: Engine,
    session: Session,
    aredis: Redis,
    clock: FakeClock,
    alert_settings: Settings,
    webhook: WebhookReceiver,  # noqa: F811
) -> None:
    ctx = make_ctx(engine, alert_settings, redis=aredis)
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    session.commit()
    await _spike(aredis, clock)
    for _ in range(3):  # the spike lasts: checked again and again, one alert, one message
        report = await alerts.check(ctx)
        clock.advance(seconds=15)
    assert report.active.keys() == {"spike"}
    assert webhook.texts() == [
        ":rotating_light: Alert raised [spike]: 3 jobs/min exceeds the spike threshold of 2. "
        f"Raised {alerts.payload(_alerts(session)[0], 'raised', alert_settings)['text'].split('Raised ')[1]}"
    ]
    assert webhook.messages[0]["content"] == webhook.messages[0]["text"]  # Discord reads `content`

    clock.advance(minutes=2)  # the counters age out: the spike is over
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    session.commit()
    for _ in range(2):
        report = await alerts.check(ctx)
    assert report.active == {}
    assert len(webhook.texts()) == 2 and webhook.texts()[1].startswith(
        ":white_check_mark: Alert cleared [spike]"
    )
    (row,) = _alerts(session)
    assert row.open_key is None and row.cleared_at is not None and row.clear_sent_at is not None

    await _spike(aredis, clock)  # it comes back: a new alert, a new message
    await alerts.check(ctx)
    assert [a.key for a in _alerts(session)] == ["spike", "spike"]
    assert len(webhook.texts()) == 3 and "Alert raised [spike]" in webhook.texts()[2]


async def test_worker_down_and_circuit_alerts(
    engine: Engine,
    session: Session,
    clock: FakeClock,
    alert_settings: Settings,
    webhook: WebhookReceiver,  # noqa: F811
) -> None:
    ctx = make_ctx(engine, alert_settings)
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    breaker.record_failure(session, "spotify", clock.t, "QUOTA_EXCEEDED", quota=True)
    clock.advance(seconds=alert_settings.sync_heartbeat_stale_seconds + 1)  # no tick since
    report = await alerts.check(ctx)
    assert set(report.active) == {"worker_down", "circuit:spotify"}
    assert sorted(t.split("]")[0] for t in webhook.texts()) == [
        ":rotating_light: Alert raised [circuit:spotify",
        ":rotating_light: Alert raised [worker_down",
    ]
    breaker.record_success(session, "spotify", clock.t)
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    session.commit()
    report = await alerts.check(ctx)
    assert report.active == {} and sorted(report.cleared) == ["circuit:spotify", "worker_down"]
    assert sum("Alert cleared" in t for t in webhook.texts()) == 2


async def test_failed_messages_are_retried_with_backoff_then_given_up(
    engine: Engine,
    session: Session,
    aredis: Redis,
    clock: FakeClock,
    alert_settings: Settings,
    webhook: WebhookReceiver,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = make_ctx(engine, alert_settings, redis=aredis)
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    session.commit()
    await _spike(aredis, clock)
    webhook.fail_next(500)
    report = await alerts.check(ctx)
    assert report.failed == [("spike", "raised")] and webhook.texts() == []
    (row,) = _alerts(session)
    assert row.send_attempts == 1 and row.send_after == clock.t + timedelta(seconds=30)
    assert "HTTPStatusError" in (row.send_error or "")
    clock.advance(seconds=10)
    await alerts.check(ctx)  # before the backoff: no attempt
    assert webhook.texts() == [] and _alerts(session)[0].send_attempts == 1
    clock.advance(seconds=20)
    report = await alerts.check(ctx)
    assert report.sent == [("spike", "raised")] and len(webhook.texts()) == 1
    assert _alerts(session)[0].send_attempts == 0

    clock.advance(minutes=2)  # cleared; the webhook is broken for good
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    session.commit()
    webhook.fail_next(503, 503, 503)
    for _ in range(4):
        status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
        session.commit()
        await alerts.check(ctx)
        clock.advance(minutes=5)
    row = _alerts(session)[0]
    assert row.send_abandoned and row.clear_sent_at is None and row.send_attempts == 3
    assert len(webhook.texts()) == 1
    assert any("gave up on the cleared message of spike" in r.getMessage() for r in caplog.records)


async def test_messages_are_rate_limited(
    engine: Engine,
    session: Session,
    clock: FakeClock,
    alert_settings: Settings,
    webhook: WebhookReceiver,  # noqa: F811
) -> None:
    ctx = make_ctx(engine, alert_settings.model_copy(update={"alert_webhook_per_minute": 2}))
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    for provider in ("spotify", "ticketmaster", "setlistfm"):
        breaker.record_failure(session, provider, clock.t, "QUOTA_EXCEEDED", quota=True)
    await alerts.check(ctx)
    assert len(webhook.texts()) == 2  # the third waits for the next minute
    clock.advance(seconds=30)
    await alerts.check(ctx)
    assert len(webhook.texts()) == 2
    clock.advance(seconds=31)
    await alerts.check(ctx)
    assert len(webhook.texts()) == 3


async def test_an_acknowledged_alert_sends_no_reminder_until_it_comes_back(
    engine: Engine,
    session: Session,
    clock: FakeClock,
    alert_settings: Settings,
    webhook: WebhookReceiver,  # noqa: F811
) -> None:
    ctx = make_ctx(engine, alert_settings)
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    for provider in ("spotify", "ticketmaster"):
        breaker.record_failure(session, provider, clock.t, "QUOTA_EXCEEDED", quota=True)
    await alerts.check(ctx)
    spotify = next(a for a in _alerts(session) if a.key == "circuit:spotify")
    alerts.acknowledge(session, spotify.id, None, clock.t)
    session.commit()

    def beat() -> None:
        status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
        session.commit()

    clock.advance(seconds=3601)
    beat()
    await alerts.check(ctx)  # an hour on, both still raised: only the unacknowledged one reminds
    reminders = [t for t in webhook.texts() if "still raised" in t]
    assert len(reminders) == 1 and "[circuit:ticketmaster]" in reminders[0]
    acked = next(a for a in _alerts(session) if a.key == "circuit:spotify")
    assert acked.open_key == "circuit:spotify" and acked.acknowledged_at is not None  # still listed

    breaker.record_success(session, "spotify", clock.t)
    await alerts.check(ctx)  # it clears (one message) ...
    breaker.record_failure(session, "spotify", clock.t, "QUOTA_EXCEEDED", quota=True)
    await alerts.check(ctx)  # ... and comes back: a new, unacknowledged alert that notifies
    spotify_texts = [t.split(" [")[0] for t in webhook.texts() if "[circuit:spotify]" in t]
    assert spotify_texts == [
        ":rotating_light: Alert raised",
        ":white_check_mark: Alert cleared",
        ":rotating_light: Alert raised",
    ]
    with pytest.raises(ValueError, match="already cleared"):
        alerts.acknowledge(session, acked.id, None, clock.t)


async def test_without_a_webhook_the_history_is_kept(
    engine: Engine, session: Session, clock: FakeClock, settings: Settings
) -> None:
    status.refresh(session, clock.t, phase="idle", queue_depth=0, jobs_last_minute=0, jobs_today=0)
    breaker.record_failure(session, "spotify", clock.t, "QUOTA_EXCEEDED", quota=True)
    report = await alerts.check(make_ctx(engine, settings.model_copy(update={"alert_webhook_url": ""})))
    assert report.raised == ["circuit:spotify"] and report.sent == []
    assert [a.key for a in alerts.history(session)] == ["circuit:spotify"]
