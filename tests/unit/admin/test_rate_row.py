"""The "Today" quota bar on /admin/providers: the real share of the daily quota, sent as a number.

It used to be sent as a string, which Radix's Progress rejects: every bar drew as indeterminate
(~90 % full) whatever the usage.
"""

from __future__ import annotations

import json

import pytest
from reflex_base.utils.serializers import serialize

from setlist_app.services.admin import views
from setlist_app.services.admin.providers import RateUsage


def _usage(used_today: int | None, per_day_limit: int | None) -> RateUsage:
    return RateUsage("ticketmaster", 2, 0, per_day_limit, used_today, 0.0, False)


@pytest.mark.parametrize(
    ("used", "quota", "percent"),
    [(0, 5000, 0), (150, 5000, 3), (2500, 5000, 50), (4990, 5000, 100), (6000, 5000, 100), (None, 1440, 0)],
)
def test_the_bar_shows_the_share_of_the_daily_quota(used: int | None, quota: int, percent: int) -> None:
    assert views.rate(_usage(used, quota)).percent == percent


def test_a_provider_without_a_daily_quota_shows_an_empty_bar() -> None:
    row = views.rate(_usage(None, None))
    assert (row.percent, row.day) == (0, "no daily quota")


def test_the_browser_receives_the_percent_as_a_number() -> None:
    sent = json.loads(json.dumps(serialize(views.rate(_usage(150, 5000)))))
    assert sent["percent"] == 3 and isinstance(sent["percent"], int)
    assert sent["day"] == "150 / 5,000"
