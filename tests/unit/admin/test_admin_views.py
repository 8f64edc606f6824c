"""Pure admin helpers: paging, relative times, display rows, masking, report reasons, chip colours."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from setlist_app.components.admin.widgets import CHIP_COLORS
from setlist_app.models.sync import JobStatus
from setlist_app.services.admin import jobs, views
from setlist_app.services.admin.jobs import JobRow
from setlist_app.services.admin.paging import MAX_PAGE_SIZE, Page, page_bounds
from setlist_app.services.admin.users import mask_email
from setlist_app.services.moderation import clean_reason

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_page_bounds_and_page_count() -> None:
    assert page_bounds(1, 25) == (0, 25)
    assert page_bounds(3, 10) == (20, 10)
    assert page_bounds(0, 0) == (0, 1) and page_bounds(-5, 10**6) == (0, MAX_PAGE_SIZE)
    assert Page([], 0, 1, 25).pages == 1 and Page([], 26, 1, 25).pages == 2 and Page([], 50, 1, 25).pages == 2


def test_times_and_durations() -> None:
    assert views.ago(NOW - timedelta(seconds=12), NOW) == "12 s ago"
    assert views.ago(NOW - timedelta(minutes=5), NOW) == "5 min ago"
    assert views.ago(NOW - timedelta(hours=3), NOW) == "3 h ago"
    assert views.ago(NOW - timedelta(days=4), NOW) == "4 d ago"
    assert views.ago(NOW + timedelta(minutes=4, seconds=1), NOW) == "in 4 min"
    assert views.ago(None, NOW) == "—" and views.when(None, NOW) == "—"
    assert views.when(NOW.replace(hour=9, minute=5, second=7), NOW) == "09:05:07"
    assert views.when(NOW - timedelta(days=1), NOW) == "1 Mar 12:00"
    assert views.seconds_text(0.25) == "250 ms" and views.seconds_text(3) == "3.0 s"
    assert views.seconds_text(200) == "3 min 20 s" and views.seconds_text(None) == "—"
    assert views.interval_text(900) == "every 15 min" and views.interval_text(7200) == "every 2 h"
    assert views.interval_text(90) == "every 90 s" and views.interval_text(86400) == "every 1 d"


def test_job_row_view_and_actions() -> None:
    row = JobRow(
        id=7,
        kind="catalog_sync",
        key="artist:1",
        subject="Band",
        status=JobStatus.FAILED,
        artist="Band",
        requested_by="admin:1",
        attempts=3,
        max_attempts=3,
        created_at=NOW - timedelta(minutes=2),
        started_at=NOW - timedelta(seconds=5),
        finished_at=NOW,
        duration_seconds=5.0,
        error="HTTP 500",
        result={},
        payload={"a": 1},
    )
    view = views.job(row, NOW)
    assert view.id == "7" and view.attempts == "3/3" and view.created_ago == "2 min ago"
    assert view.duration == "5.0 s" and view.payload == '{"a": 1}' and view.result == ""
    assert view.can_retry == "1" and view.can_cancel == "" and view.subject == "Band"
    assert all(isinstance(v, str) for v in asdict(view).values())
    # Only a failed or cancelled job can be retried: a succeeded one has nothing to retry.
    retry = {status: views.job(replace(row, status=status), NOW).can_retry for status in JobStatus}
    assert retry == {"pending": "", "running": "", "succeeded": "", "failed": "1", "cancelled": "1"}


def test_job_subjects_read_as_names() -> None:
    def r(key: str, **names: object) -> SimpleNamespace:
        return SimpleNamespace(
            key=key,
            **{"show_artist": None, "venue_name": None, "show_date": None, "artist_name": None, "payload": {}}
            | names,
        )

    show = r(
        "show:1", show_artist="Radiohead", venue_name="Madison Square Garden", show_date=date(2026, 3, 14)
    )
    assert jobs.subject(show) == "Radiohead at Madison Square Garden, 14 Mar 2026"
    assert jobs.subject(r("artist:3", artist_name="Bicep")) == "Bicep"
    assert jobs.subject(r("name:zzyzx", payload={"name": "Zzyzx Quartet"})) == "“Zzyzx Quartet”"
    assert (jobs.subject(r("market:US")), jobs.subject(r("all"))) == ("market US", "all")


def test_mask_email_and_clean_reason() -> None:
    assert mask_email("sam@setlist.test") == "s***@setlist.test"
    assert mask_email(None) == "" and mask_email("nope") == ""
    assert clean_reason("  spam \u202e\u0000 here\n") == "spam here"
    assert len(clean_reason("x" * 900)) == 500


def test_every_status_has_one_chip_colour() -> None:
    for status in [*JobStatus, "ok", "degraded", "down", "open", "closed", "half_open", "admin", "banned"]:
        assert status in CHIP_COLORS
    assert CHIP_COLORS["down"] == CHIP_COLORS["failed"] == CHIP_COLORS["open"] == "red"
    assert CHIP_COLORS["ok"] == CHIP_COLORS["succeeded"] == CHIP_COLORS["closed"] == "grass"


def test_cron_runs_read_as_one_line_not_a_badge_each() -> None:
    assert views.run_history(["succeeded"] * 5) == "5 of the last 5 runs succeeded"
    assert views.run_history(["failed", "succeeded", "failed", "skipped", "succeeded"]) == (
        "2 of the last 5 runs succeeded · 2 failed · 1 skipped"
    )
    assert views.run_history(["running"]) == "0 of the last 1 run succeeded · 1 running"
    assert views.run_history([]) == ""
