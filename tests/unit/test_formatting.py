"""Dates as people say them, in the venue's local time; image fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime

from setlist_app.services.formatting import date_badge, duration, gradient, initials, show_when


def test_show_time_is_written_in_the_venue_local_time() -> None:
    starts = datetime(2027, 3, 15, 0, 0, tzinfo=UTC)  # 8 PM in New York (EDT)
    assert show_when(starts, "America/New_York") == "Sun 14 Mar 2027 · 8:00 PM"
    assert date_badge(starts, "America/New_York") == ("MAR", "14")
    assert show_when(starts, "Europe/London") == "Mon 15 Mar 2027 · 12:00 AM"


def test_initials_and_gradient_are_stable() -> None:
    assert initials("The National") == "TN"
    assert initials("Beyoncé") == "B"
    assert initials("Fontaines D.C.") == "FD"
    assert initials("") == "?"
    assert gradient("Radiohead") == gradient("Radiohead")
    assert gradient("Radiohead") != gradient("Muse")
    assert gradient("Muse").startswith("linear-gradient(")


def test_duration() -> None:
    assert duration(387000) == "6:27"
    assert duration(None) == ""
    assert duration(59_999) == "0:59"
