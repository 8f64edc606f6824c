"""The success metrics' rules without a database: where green turns red, what counts as skipped,
and what the /admin panel is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from setlist_app.services.admin import views
from setlist_app.services.success_metrics import (
    TARGETS,
    Figure,
    KindRate,
    Outcomes,
    SuccessMetrics,
    is_skipped,
)

T = datetime(2030, 1, 1, tzinfo=UTC)
CONFLICTS_PER_HOUR = next(t for t in TARGETS if t.key == "write_conflicts_per_hour")


@pytest.mark.parametrize(("value", "ok"), [(0, True), (4, True), (5, False), (50, False)])
def test_a_count_is_green_below_its_target_only(value: int, ok: bool) -> None:
    assert Figure(CONFLICTS_PER_HOUR, value, []).ok is ok


@pytest.mark.parametrize(
    ("outcomes", "rate", "ok"),
    [
        (Outcomes(19, 1, 500), 0.95, True),  # skipped runs neither help nor hurt
        (Outcomes(18, 2, 0), 0.9, False),
        (Outcomes(0, 0, 12), None, True),  # nothing ran: nothing failed
    ],
)
def test_the_success_rate_leaves_skipped_runs_out(outcomes: Outcomes, rate: float | None, ok: bool) -> None:
    assert outcomes.rate == rate and outcomes.ok is ok


@pytest.mark.parametrize(
    ("reason", "skipped"),
    [("spotify circuit open", True), (None, False), ('{"no venue": 3}', False), ("[]", False)],
)
def test_a_skip_reason_marks_a_guarded_run_a_report_of_skipped_items_does_not(
    reason: str | None, skipped: bool
) -> None:
    assert is_skipped(reason) is skipped


def test_the_panel_rows() -> None:
    metrics = SuccessMetrics(
        [Figure(CONFLICTS_PER_HOUR, 7, [(T, 7)])],
        [KindRate("catalog_sync", Outcomes(18, 2, 30), [(T, Outcomes(18, 2, 30)), (T, Outcomes())])],
    )
    [figure] = views.success_figures(metrics)
    assert (figure.value, figure.target, figure.state) == ("7", "< 5 / hour", "red")
    assert figure.series == [{"t": "Tue 00:00", "v": 7}]
    [rate] = views.success_rates(metrics)
    assert (rate.value, rate.state) == ("90.0 %", "red")
    assert rate.detail == "18 succeeded · 2 failed · 30 skipped"
    assert [p["v"] for p in rate.series] == [90.0, None]
    assert not metrics.ok
