"""Admin rows as the UI shows them: typed dataclasses of display text (times in UTC, relative where it
helps), the same way the fan pages get theirs (`services/catalog_views.py`)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from setlist_app.services.admin.artists import ArtistSyncRow
from setlist_app.services.admin.audit import AuditEntry
from setlist_app.services.admin.crons import CronRow, RunRow
from setlist_app.services.admin.jobs import JobRow
from setlist_app.services.admin.moderation import FlagRow
from setlist_app.services.admin.overview import AlertRow, ErrorDetail, ErrorRow, HealthView
from setlist_app.services.admin.providers import ArtistBreakerRow, CircuitRow, RateUsage
from setlist_app.services.admin.usage import BudgetRow
from setlist_app.services.admin.users import UserRow
from setlist_app.services.success_metrics import SUCCESS_RATE_TARGET, Outcomes, SuccessMetrics


def when(value: datetime | None, now: datetime) -> str:
    """'14:03:22' today (UTC), else '12 Mar 14:03'; '—' when unknown."""
    if value is None:
        return "—"
    if value.date() == now.date():
        return value.strftime("%H:%M:%S")
    return f"{value.day} {value.strftime('%b %H:%M')}"


def ago(value: datetime | None, now: datetime) -> str:
    """'12 s ago', '5 min ago', '3 h ago', 'in 4 min'; '—' when unknown."""
    if value is None:
        return "—"
    seconds = (now - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        text = f"{int(seconds)} s"
    elif seconds < 3600:
        text = f"{int(seconds // 60)} min"
    elif seconds < 172800:
        text = f"{int(seconds // 3600)} h"
    else:
        text = f"{int(seconds // 86400)} d"
    return f"in {text}" if future else f"{text} ago"


def seconds_text(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 1:
        return f"{int(value * 1000)} ms"
    if value < 120:
        return f"{value:.1f} s"
    return f"{int(value // 60)} min {int(value % 60)} s"


def interval_text(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"every {seconds // size} {unit}"
    return f"every {seconds} s"


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str) if value else ""


@dataclass
class JobView:
    """A sync job. `can_retry`/`can_cancel` are "1" or "" (the page tests them as text)."""

    id: str = ""
    kind: str = ""
    key: str = ""
    subject: str = ""
    status: str = ""
    artist: str = ""
    requested_by: str = ""
    attempts: str = ""
    created: str = ""
    created_ago: str = ""
    started: str = ""
    finished: str = ""
    duration: str = ""
    error: str = ""
    result: str = ""
    payload: str = ""
    can_retry: str = ""
    can_cancel: str = ""


def job(row: JobRow, now: datetime) -> JobView:
    return JobView(
        id=str(row.id),
        kind=row.kind,
        key=row.key,
        subject=row.subject,
        status=row.status,
        artist=row.artist,
        requested_by=row.requested_by,
        attempts=f"{row.attempts}/{row.max_attempts}",
        created=when(row.created_at, now),
        created_ago=ago(row.created_at, now),
        started=when(row.started_at, now),
        finished=when(row.finished_at, now),
        duration=seconds_text(row.duration_seconds),
        error=row.error,
        result=_json(row.result),
        payload=_json(row.payload),
        can_retry="1" if row.can_retry else "",
        can_cancel="1" if row.can_cancel else "",
    )


@dataclass
class RunView:
    id: str = ""
    name: str = ""
    status: str = ""
    started: str = ""
    ago: str = ""
    duration: str = ""
    jobs: str = ""
    item_count: str = ""
    error: str = ""


def run(row: RunRow, now: datetime) -> RunView:
    took = (row.finished_at - row.started_at).total_seconds() if row.finished_at else None
    return RunView(
        id=str(row.id),
        name=row.name,
        status=row.status,
        started=when(row.started_at, now),
        ago=ago(row.started_at, now),
        duration=seconds_text(took),
        jobs=str(row.jobs_created),
        item_count=str(row.items),
        error=row.error,
    )


@dataclass
class CronView:
    name: str = ""
    description: str = ""
    enabled: bool = False
    essential: bool = False
    interval: str = ""
    interval_text: str = ""
    next_run: str = ""
    run_now_requested: bool = False
    last_status: str = ""
    last_ago: str = ""
    history: str = ""  # "4 of the last 5 runs succeeded" (`run_history`)
    runs: list[RunView] = field(default_factory=list)


def run_history(statuses: list[str]) -> str:
    """The recent runs in one line instead of a badge each: '5 of the last 5 runs succeeded',
    '3 of the last 5 runs succeeded · 2 failed', or '' before the first run."""
    if not statuses:
        return ""
    counts = Counter(statuses)
    ok = counts.pop("succeeded", 0)
    runs = "run" if len(statuses) == 1 else "runs"
    head = f"{ok} of the last {len(statuses)} {runs} succeeded"
    return " · ".join([head, *(f"{n} {status}" for status, n in counts.most_common())])


def cron(row: CronRow, now: datetime) -> CronView:
    last = row.last_runs[0] if row.last_runs else None
    return CronView(
        name=row.name,
        description=row.description,
        enabled=row.enabled,
        essential=row.essential,
        interval=str(row.interval_seconds),
        interval_text=interval_text(row.interval_seconds),
        next_run=ago(row.next_run_at, now) if row.enabled else "disabled",
        run_now_requested=row.run_now_requested,
        last_status=last.status if last else "never",
        last_ago=ago(last.started_at, now) if last else "—",
        history=run_history([r.status for r in row.last_runs]),
        runs=[run(r, now) for r in row.last_runs],
    )


@dataclass
class CircuitView:
    provider: str = ""
    state: str = ""
    failures: str = ""
    opened: str = ""
    retry: str = ""
    last_error: str = ""


def circuit(row: CircuitRow, now: datetime) -> CircuitView:
    return CircuitView(
        provider=row.provider,
        state=row.state,
        failures=str(row.failures),
        opened=ago(row.opened_at, now),
        retry=ago(row.retry_at, now) if row.state != "closed" else "—",
        last_error=row.last_error,
    )


@dataclass
class ArtistBreakerView:
    id: str = ""
    name: str = ""
    slug: str = ""
    failures: str = ""
    until: str = ""
    until_ago: str = ""


def artist_breaker(row: ArtistBreakerRow, now: datetime) -> ArtistBreakerView:
    return ArtistBreakerView(
        id=str(row.artist_id),
        name=row.name,
        slug=row.slug,
        failures=str(row.failures),
        until=when(row.backoff_until, now),
        until_ago=ago(row.backoff_until, now),
    )


@dataclass
class RateRow:
    """One provider's rate-limit use. `percent` is a number: the progress bar needs one
    (a string makes Radix's Progress reject its value and draw an indeterminate bar)."""

    provider: str = ""
    second: str = ""
    day: str = ""
    percent: int = 0
    notes: str = ""


def rate(row: RateUsage) -> RateRow:
    notes = [f"paused {row.paused_for:.0f} s" if row.paused_for else "", "slow mode" if row.slow_mode else ""]
    return RateRow(
        provider=row.provider,
        second=f"{row.used_this_second} / {row.per_second_limit} per s",
        day=f"{row.used_today or 0:,} / {row.per_day_limit:,}" if row.per_day_limit else "no daily quota",
        percent=row.percent_of_day,
        notes=" · ".join(n for n in notes if n),
    )


@dataclass
class ArtistView:
    """An artist's catalog sync state. `breaker_open`/`job_active` are "1" or ""."""

    id: str = ""
    name: str = ""
    slug: str = ""
    spotify_id: str = ""
    catalog_status: str = ""
    songs: str = ""
    attempted: str = ""
    synced: str = ""
    failures: str = ""
    breaker: str = ""
    breaker_open: str = ""
    upcoming: str = ""
    job_id: str = ""
    job_status: str = ""
    job_error: str = ""
    job_active: str = ""


def artist(row: ArtistSyncRow, now: datetime) -> ArtistView:
    return ArtistView(
        id=str(row.id),
        name=row.name,
        slug=row.slug,
        spotify_id=row.spotify_id,
        catalog_status=row.catalog_status,
        songs=str(row.catalog_song_count),
        attempted=ago(row.attempted_at, now),
        synced=ago(row.synced_at, now),
        failures=str(row.failures),
        breaker=f"backoff until {when(row.backoff_until, now)}" if row.breaker_open(now) else "closed",
        breaker_open="1" if row.breaker_open(now) else "",
        upcoming=str(row.upcoming_shows),
        job_id=str(row.job_id or ""),
        job_status=row.job_status or "none",
        job_error=row.job_error,
        job_active="1" if row.job_status in ("pending", "running") else "",
    )


@dataclass
class UserView:
    id: str = ""
    name: str = ""
    email: str = ""  # masked by the service
    role: str = ""
    votes: str = ""
    joined: str = ""
    seen: str = ""


def user(row: UserRow, now: datetime) -> UserView:
    return UserView(
        id=str(row.id),
        name=row.name,
        email=row.email,
        role=row.role,
        votes=str(row.votes_cast),
        joined=when(row.created_at, now),
        seen=ago(row.last_seen_at, now),
    )


@dataclass
class FlagView:
    """A reported song. `hidden` is "1" or ""."""

    id: str = ""
    status: str = ""
    reason: str = ""
    reporter: str = ""
    prediction_song_id: str = ""
    song: str = ""
    artist: str = ""
    show: str = ""
    show_slug: str = ""
    added_by: str = ""
    vote_count: str = ""
    hidden: str = ""
    reports: str = ""
    created: str = ""
    resolved: str = ""


def flag(row: FlagRow, now: datetime) -> FlagView:
    return FlagView(
        **{k: str(v) for k, v in asdict(row).items() if k not in ("created_at", "resolved_at", "hidden")},
        hidden="1" if row.hidden else "",
        created=ago(row.created_at, now),
        resolved=ago(row.resolved_at, now),
    )


@dataclass
class AuditView:
    """One admin action. `ok` is "1" or ""."""

    id: str = ""
    at: str = ""
    ago: str = ""
    admin: str = ""
    action: str = ""
    target: str = ""
    arguments: str = ""
    result: str = ""
    ok: str = ""
    client_ip: str = ""


def audit(row: AuditEntry, now: datetime) -> AuditView:
    return AuditView(
        id=str(row.id),
        at=when(row.at, now),
        ago=ago(row.at, now),
        admin=row.admin,
        action=row.action,
        target=row.target,
        arguments=_json(row.arguments),
        result=row.result,
        ok="1" if row.result.startswith("ok") else "",
        client_ip=row.client_ip or "—",
    )


@dataclass
class ErrorView:
    """A recorded error in "Recent errors"; `count` is "" for one occurrence."""

    at: str = ""
    ago: str = ""
    source: str = ""
    message: str = ""
    ref: str = ""
    count: str = ""


def error(row: ErrorRow, now: datetime) -> ErrorView:
    return ErrorView(
        at=when(row.at, now),
        ago=ago(row.at, now),
        source=row.source,
        message=row.message,
        ref=row.ref,
        count=f"{row.count:,} times" if row.count > 1 else "",
    )


@dataclass
class ErrorDetailView:
    """One recorded error in the detail dialog; `ref` is "" while the dialog is closed."""

    ref: str = ""
    source: str = ""
    message: str = ""
    count: str = ""
    first_seen: str = ""
    last_seen: str = ""
    context: str = ""
    detail: str = ""


def error_detail(row: ErrorDetail, now: datetime) -> ErrorDetailView:
    return ErrorDetailView(
        ref=row.ref,
        source=row.source,
        message=row.message,
        count=f"{row.count:,}",
        first_seen=when(row.first_seen, now),
        last_seen=when(row.last_seen, now),
        context=row.context or "—",
        detail=row.detail or "—",
    )


@dataclass
class AlertView:
    """An alert in the history; `state` is raised, acknowledged or cleared."""

    id: str = ""
    key: str = ""
    message: str = ""
    raised: str = ""
    cleared: str = ""
    state: str = ""
    acknowledged_by: str = ""
    webhook: str = ""


def alert(row: AlertRow, now: datetime) -> AlertView:
    return AlertView(
        id=str(row.id),
        key=row.key,
        message=row.message,
        raised=ago(row.raised_at, now),
        cleared=ago(row.cleared_at, now) if row.cleared_at else "",
        state="cleared" if row.cleared_at else "acknowledged" if row.acknowledged_at else "raised",
        acknowledged_by=row.acknowledged_by,
        webhook=row.webhook,
    )


@dataclass
class HealthSummary:
    """The overview's health card and gauges."""

    level: str = ""
    message: str = ""
    phase: str = ""
    queue_depth: int = 0
    open_circuits: int = 0
    jobs_last_minute: int = 0
    jobs_today: int = 0
    heartbeat: str = ""
    kill_switch: bool = False
    planners_paused: bool = False
    alert: str = ""
    alert_raised: str = ""


def health(view: HealthView, now: datetime) -> HealthSummary:
    return HealthSummary(
        level=view.level,
        message=view.message or "Everything is running normally.",
        phase=view.phase,
        queue_depth=view.queue_depth,
        open_circuits=view.open_circuits,
        jobs_last_minute=view.jobs_last_minute,
        jobs_today=view.jobs_today,
        heartbeat=ago(view.heartbeat_at, now) if view.heartbeat_at else "never",
        kill_switch=view.kill_switch,
        planners_paused=view.planners_paused,
        alert=view.alert,
        alert_raised=ago(view.alert_raised_at, now),
    )


@dataclass
class BudgetView:
    """One budget's use today; `percent` of its limit."""

    name: str = ""
    used: str = ""
    limit: str = ""
    percent: int = 0


def budget(row: BudgetRow) -> BudgetView:
    return BudgetView(name=row.name, used=f"{row.used:,}", limit=f"{row.limit:,}", percent=row.percent)


def _state(ok: bool) -> str:
    return "green" if ok else "red"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


@dataclass
class SuccessFigureView:
    """A count in the success metrics panel: value, target, state and its 7-day chart (`series`:
    points {"t": label, "v": count}, the chart's data)."""

    key: str = ""
    label: str = ""
    value: str = ""
    target: str = ""
    limit: int = 0
    window: str = ""
    state: str = ""  # green | red
    series: list[dict[str, Any]] = field(default_factory=list)


def success_figures(metrics: SuccessMetrics) -> list[SuccessFigureView]:
    """The success metrics panel's count rows: value, target, state and the 7-day chart data."""
    rows = []
    for figure in metrics.figures:
        target = figure.target
        hourly = target.per == "hour"
        rows.append(
            SuccessFigureView(
                key=target.key,
                label=target.label,
                value=f"{figure.value:,}",
                target=f"< {target.limit:,} / {target.per}",
                limit=target.limit,
                window="last 60 min" if hourly else "last 24 h",
                state=_state(figure.ok),
                series=[
                    {"t": t.strftime("%a %H:00" if hourly else "%a %d %b"), "v": n} for t, n in figure.series
                ],
            )
        )
    return rows


def _outcomes_text(o: Outcomes) -> str:
    return f"{o.succeeded:,} succeeded · {o.failed:,} failed · {o.skipped:,} skipped"


@dataclass
class SuccessRateView:
    """A job kind's 24 h success rate, skipped runs apart, and its daily rates for 7 days."""

    kind: str = ""
    value: str = ""
    detail: str = ""
    target: str = ""
    state: str = ""  # green | red
    series: list[dict[str, Any]] = field(default_factory=list)


def success_rates(metrics: SuccessMetrics) -> list[SuccessRateView]:
    """One row per job kind: the 24 h success rate, skipped runs shown apart, daily rates for 7 days."""
    return [
        SuccessRateView(
            kind=rate.kind,
            value=_percent(rate.last_24h.rate),
            detail=_outcomes_text(rate.last_24h),
            target=f"> {SUCCESS_RATE_TARGET * 100:.0f} %",
            state=_state(rate.last_24h.ok),
            series=[
                {"t": t.strftime("%a %d %b"), "v": None if o.rate is None else round(o.rate * 100, 1)}
                for t, o in rate.series
            ],
        )
        for rate in metrics.rates
    ]
