"""The bundled demo is anchored to the day it is loaded: no absolute show or setlist dates."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta

import pytest

from simulator import demo_data
from simulator.catalog import Catalog

ISO_DAY = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")


@pytest.mark.parametrize("name", ["shows.json", "setlists.json", "noise_events.json"])
def test_dated_files_store_days_relative_to_the_load_day(name: str) -> None:
    raw = (demo_data.DATA_DIR / name).read_text(encoding="utf-8")
    assert not ISO_DAY.search(raw), "an absolute date would age the demo out"
    assert all(isinstance(r["day"], int) for r in json.loads(raw))


@pytest.mark.parametrize("today", [date(2026, 12, 2), date(2028, 2, 29), date(2031, 7, 15)])
def test_any_load_day_gives_upcoming_and_recent_past_shows(today: date) -> None:
    shows = demo_data.read("shows.json", today=today)
    when = Counter("upcoming" if date.fromisoformat(s["local_date"]) >= today else "past" for s in shows)
    assert when == {"upcoming": 75, "past": 40}
    past = [date.fromisoformat(s["local_date"]) for s in shows if date.fromisoformat(s["local_date"]) < today]
    assert min(past) >= today - timedelta(days=240)  # recent, so setlists are still imported
    assert all("{year}" not in s["name"] for s in shows)
    assert any(str(today.year) in s["name"] or str(today.year + 1) in s["name"] for s in shows)


def test_simulator_and_loader_shift_by_the_same_offset() -> None:
    today = date(2029, 5, 1)
    catalog = Catalog.load(today=today)
    loaded = {s["ticketmaster_id"]: s["local_date"] for s in demo_data.read("shows.json", today=today)}
    assert {s["ticketmaster_id"]: s["local_date"] for s in catalog.shows} == loaded
    assert catalog.now().date() == today
    setlist_days = {s["_date"] for s in catalog.setlists}
    assert max(setlist_days) < today and min(setlist_days) > today - timedelta(days=800)
