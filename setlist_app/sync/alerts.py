"""Alerts that leave the app: raised and cleared by the worker's alert check, sent to a webhook.

`check()` runs as its own arq cron in the worker (`workers/settings.py`), apart from the sync tick,
so a stuck tick is noticed and the kill switch does not silence alerts. Each check:

1. evaluates the conditions: the spike alarm and the daily budgets (`budget.breaches`), a stale
   worker heartbeat (the tick has not run: the worker is down or stuck; when every worker is down
   nothing can send, so the message goes out when one comes back, and Prometheus' stale-heartbeat
   rule covers the gap), and every provider circuit that is not closed;
2. reconciles them with the `alerts` table: a new condition inserts a row (the unique `open_key`
   deduplicates across workers), a condition gone clears its row;
3. sends pending webhook messages (`ALERT_WEBHOOK_URL`, Slack/Discord-compatible JSON): one when an
   alert is raised and one when it clears, a reminder every `ALERT_REMIND_SECONDS` while it stays
   raised and unacknowledged. Each message is claimed by a compare-and-set before it is sent (one
   sender per message however many workers check), retried with backoff on later checks (the state
   is in the table, so retries survive restarts), given up after `ALERT_WEBHOOK_MAX_ATTEMPTS`, and
   the whole app sends at most `ALERT_WEBHOOK_PER_MINUTE` messages a minute (the rest wait).

The retry/backoff and rate limit are hand-written over the table (no library keeps an outbox in our
database); the HTTP call is httpx.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import httpx
from sqlalchemy import and_, case, func, or_, select, update
from sqlmodel import Session

from setlist_app.db import insert_for
from setlist_app.models.ops import Alert
from setlist_app.models.sync import ProviderCircuit
from setlist_app.settings import Settings
from setlist_app.sync import budget, status
from setlist_app.sync.context import SyncContext

Message = Literal["raised", "cleared", "reminder"]
_ALERTS = Alert.__table__
_CIRCUITS = ProviderCircuit.__table__
_log = logging.getLogger(__name__)


@dataclass
class CheckReport:
    active: dict[str, str] = field(default_factory=dict)  # key -> sentence
    raised: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    sent: list[tuple[str, Message]] = field(default_factory=list)
    failed: list[tuple[str, Message]] = field(default_factory=list)


def conditions(
    session: Session, used: budget.BudgetUsage | None, now: datetime, settings: Settings
) -> dict[str, str]:
    """Every alert condition that holds now, by key."""
    found = budget.breaches(used, settings) if used is not None else {}
    beat = status.get_status(session).worker_heartbeat_at
    stale = settings.sync_heartbeat_stale_seconds
    if beat is not None and (now - beat).total_seconds() > stale:
        found["worker_down"] = (
            f"No sync tick for over {stale} s (last at {beat:%H:%M:%S} UTC): the worker is down or stuck"
        )
    for provider, state in session.execute(
        select(_CIRCUITS.c.provider, _CIRCUITS.c.state).where(_CIRCUITS.c.state != "closed")
    ):
        found[f"circuit:{provider}"] = (
            f"The {provider} circuit is {state.replace('_', '-')}: calls to it are suspended"
        )
    return found


def reconcile(session: Session, now: datetime, active: dict[str, str]) -> tuple[list[str], list[str]]:
    """Raise a row for each new condition and clear the rows of conditions gone: (raised, cleared)."""
    open_keys = set(
        session.execute(select(_ALERTS.c.open_key).where(_ALERTS.c.open_key.is_not(None))).scalars()
    )
    raised: list[str] = []
    for key in sorted(set(active) - open_keys):
        inserted = session.execute(
            insert_for(session, _ALERTS)
            .values(
                key=key,
                open_key=key,
                message=active[key][:500],
                raised_at=now,
                send_attempts=0,
                send_abandoned=False,
            )
            .on_conflict_do_nothing(index_elements=["open_key"])
        ).rowcount
        if inserted:
            raised.append(key)
            _log.warning("alert raised: %s", active[key], extra={"alert": key})
    cleared: list[str] = []
    for key in sorted(open_keys - set(active)):
        done = session.execute(
            update(_ALERTS).where(_ALERTS.c.open_key == key).values(open_key=None, cleared_at=now)
        ).rowcount
        if done:
            cleared.append(key)
            _log.info("alert cleared: %s", key, extra={"alert": key})
    return raised, cleared


def _due(now: datetime, settings: Settings) -> object:
    """SQL: alerts with a message to send now."""
    pending = or_(
        _ALERTS.c.raise_sent_at.is_(None),
        and_(_ALERTS.c.cleared_at.is_not(None), _ALERTS.c.clear_sent_at.is_(None)),
    )
    if settings.alert_remind_seconds > 0:
        remind_before = now - timedelta(seconds=settings.alert_remind_seconds)
        pending = or_(
            pending,
            and_(
                _ALERTS.c.open_key.is_not(None),
                _ALERTS.c.acknowledged_at.is_(None),
                func.coalesce(_ALERTS.c.reminded_at, _ALERTS.c.raise_sent_at) <= remind_before,
            ),
        )
    return and_(
        pending,
        _ALERTS.c.send_abandoned.is_(False),
        or_(_ALERTS.c.send_after.is_(None), _ALERTS.c.send_after <= now),
    )


def _sent_last_minute(session: Session, now: datetime) -> int:
    since = now - timedelta(minutes=1)
    cols = (_ALERTS.c.raise_sent_at, _ALERTS.c.clear_sent_at, _ALERTS.c.reminded_at)
    total = sum(func.coalesce(func.sum(case((c >= since, 1), else_=0)), 0) for c in cols)
    return int(session.execute(select(total)).scalar_one())


def _which(row: Alert) -> Message:
    if row.raise_sent_at is None:
        return "raised"
    if row.cleared_at is not None:
        return "cleared"
    return "reminder"


def payload(row: Alert, which: Message, settings: Settings) -> dict[str, str]:
    """Slack (`text`) and Discord (`content`) read one of the two keys and ignore the other."""
    head = {
        "raised": ":rotating_light: Alert raised",
        "cleared": ":white_check_mark: Alert cleared",
        "reminder": ":rotating_light: Alert still raised (not acknowledged)",
    }[which]
    line = f"{head} [{row.key}]: {row.message}. Raised {row.raised_at:%Y-%m-%d %H:%M} UTC"
    if which == "cleared" and row.cleared_at is not None:
        line += f", cleared {row.cleared_at:%H:%M} UTC"
    line += f". {settings.app_url.rstrip('/')}/admin"
    return {"text": line, "content": line}


async def send_pending(session: Session, now: datetime, settings: Settings, report: CheckReport) -> None:
    """Send due messages within the per-minute allowance, one per alert per check (oldest first)."""
    allowance = settings.alert_webhook_per_minute - _sent_last_minute(session, now)
    if not settings.alert_webhook_url or allowance <= 0:
        return
    rows = session.scalars(
        select(Alert).where(_due(now, settings)).order_by(_ALERTS.c.raised_at, _ALERTS.c.id).limit(allowance)
    ).all()
    if not rows:
        return
    async with httpx.AsyncClient(timeout=settings.http_timeout_seconds) as client:
        for row in rows:
            which = _which(row)
            # Claim: push send_after forward unless another worker got there first.
            lease = now + timedelta(seconds=max(60, settings.http_timeout_seconds * 2))
            claimed = session.execute(
                update(_ALERTS)
                .where(_ALERTS.c.id == row.id, _ALERTS.c.send_after.is_not_distinct_from(row.send_after))
                .values(send_after=lease)
            ).rowcount
            session.commit()
            if not claimed:
                continue
            try:
                response = await client.post(settings.alert_webhook_url, json=payload(row, which, settings))
                response.raise_for_status()
            except httpx.HTTPError as exc:
                _failed(session, row, which, now, settings, f"{type(exc).__name__}: {exc}")
                report.failed.append((row.key, which))
            else:
                column = {"raised": "raise_sent_at", "cleared": "clear_sent_at", "reminder": "reminded_at"}[
                    which
                ]
                session.execute(
                    update(_ALERTS)
                    .where(_ALERTS.c.id == row.id)
                    .values({column: now, "send_attempts": 0, "send_after": None, "send_error": None})
                )
                report.sent.append((row.key, which))
                _log.info("alert %s sent to the webhook: %s", which, row.key, extra={"alert": row.key})
            session.commit()


def _failed(
    session: Session, row: Alert, which: Message, now: datetime, settings: Settings, error: str
) -> None:
    attempts = row.send_attempts + 1
    give_up = attempts >= settings.alert_webhook_max_attempts
    retry_at = now + timedelta(seconds=settings.alert_webhook_retry_base_seconds * 2 ** (attempts - 1))
    session.execute(
        update(_ALERTS)
        .where(_ALERTS.c.id == row.id)
        .values(
            send_attempts=attempts,
            send_error=error[:500],
            send_after=None if give_up else retry_at,
            send_abandoned=give_up,
        )
    )
    if give_up:
        _log.error(
            "alert webhook gave up on the %s message of %s after %d attempts: %s",
            which,
            row.key,
            attempts,
            error,
            extra={"alert": row.key, "fingerprint": "alert webhook gave up"},
        )
    else:
        _log.warning(
            "alert webhook failed (%s message of %s, attempt %d; retry at %s): %s",
            which,
            row.key,
            attempts,
            f"{retry_at:%H:%M:%S}",
            error,
            extra={"alert": row.key},
        )


async def check(ctx: SyncContext, now: datetime | None = None) -> CheckReport:
    """Evaluate, reconcile and send: the worker's alert cron."""
    now = now or ctx.now()
    report = CheckReport()
    used = await budget.usage(ctx.redis, now) if ctx.redis is not None else None
    with ctx.session() as session:
        report.active = conditions(session, used, now, ctx.settings)
        report.raised, report.cleared = reconcile(session, now, report.active)
        session.commit()
        await send_pending(session, now, ctx.settings, report)
    return report


def acknowledge(session: Session, alert_id: int, user_id: int | None, now: datetime) -> Alert:
    """Mark a raised alert acknowledged: it stays listed and sends no reminder until it clears."""
    row = session.get(Alert, alert_id, populate_existing=True, with_for_update=True)
    if row is None:
        raise LookupError(f"no alert {alert_id}")
    if row.open_key is None:
        raise ValueError("This alert has already cleared")
    if row.acknowledged_at is None:
        row.acknowledged_at, row.acknowledged_by_user_id = now, user_id
        session.add(row)
        session.flush()
    return row


def history(session: Session, limit: int = 20) -> list[Alert]:
    """Newest alerts first, open ones before cleared ones."""
    return list(
        session.scalars(
            select(Alert).order_by(_ALERTS.c.open_key.is_(None), _ALERTS.c.raised_at.desc()).limit(limit)
        )
    )
