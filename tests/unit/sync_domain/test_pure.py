"""Pure pieces of the domain jobs: recency weighting, first-run progress, status rules, setlist pick."""

from __future__ import annotations

from datetime import date

import pytest

from setlist_app.domain.predictions import rank_for_seeding, recency_weighted_counts
from setlist_app.models import Venue
from setlist_app.providers.models import Setlist, SetlistSong
from setlist_app.settings import Settings
from setlist_app.sync.discovery import _next_status
from setlist_app.sync.first_run import Progress
from setlist_app.sync.setlist_import import _pick, played_songs


def test_recent_shows_weigh_more_and_songs_count_once_per_show() -> None:
    today = date(2026, 11, 29)
    weights = recency_weighted_counts(
        [(date(2026, 11, 29), [1, 1, 2]), (date(2026, 6, 2), [2, 3]), (date(2025, 12, 4), [3])], today, 180
    )
    assert weights[1] == 1.0  # played twice in one show: counted once
    assert weights[2] == pytest.approx(1.0 + 0.5 ** (180 / 180), rel=0.01)
    assert weights[3] < weights[2]
    # Two old plays lose to one recent play; unplayed songs follow in catalog order.
    assert rank_for_seeding(weights, [9, 3, 2, 1, 8], limit=4) == [2, 1, 3, 9]


@pytest.mark.parametrize(
    ("counts", "message", "done"),
    [
        ((0, 0, 0, 0, 0, 0), "First run: discovering artists and shows on Ticketmaster…", False),
        ((22, 12, 72, 0, 40, 0), "Importing catalogs: 12/22 artists", False),
        ((22, 22, 72, 30, 40, 0), "Seeding predictions: 30/72 upcoming shows", False),
        ((22, 22, 72, 72, 40, 19), "Importing setlists: 19/40 past shows", False),
        ((22, 22, 72, 72, 40, 40), "First run complete", True),
    ],
)
def test_first_run_progress(counts: tuple[int, ...], message: str, done: bool) -> None:
    progress = Progress(*counts)
    assert (progress.message(), progress.done) == (message, done)


def test_ticketmaster_status_wins_except_reopening_a_completed_show() -> None:
    assert _next_status("upcoming", "cancelled") == "cancelled"
    assert _next_status("cancelled", "upcoming") == "upcoming"  # back on sale
    assert _next_status("completed", "upcoming") == "completed"
    assert _next_status("completed", "cancelled") == "cancelled"


def test_setlist_pick_skips_empty_placeholders_and_prefers_the_venue_city() -> None:
    day = date(2026, 11, 1)
    song = SetlistSong(name="Song", position=1)
    empty = Setlist(id="e", event_date=day, city="Paris")
    other = Setlist(id="o", event_date=day, city="Lyon", songs=[song])
    ours = Setlist(
        id="p", event_date=day, city="Paris", songs=[song, SetlistSong(name="", position=2, tape=True)]
    )
    venue = Venue(
        slug="v", name="V", city="Paris", country="France", country_code="FR", timezone="Europe/Paris"
    )
    assert _pick([empty, other, ours], venue) is ours
    assert _pick([empty], venue) is None
    assert [p.tape for p in played_songs(ours)] == [False, True]
    assert played_songs(ours)[1].title == "(unknown tape)"


def test_markets_from_a_comma_separated_env_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCOVERY_COUNTRIES", "us, gb ,de")
    assert Settings(_env_file=None).discovery_countries == ["US", "GB", "DE"]
