"""Admin tables that carry actions key their rows by the record, not the position: the tables are
live, and a row arriving at the top would otherwise hand an open confirm dialog to whichever record
now sits in its place (found by the browser crawl: a cancel dialog on /admin/jobs closed itself)."""

from __future__ import annotations

import re

import pytest

from setlist_app.pages import admin

# page -> the record fields its action rows are keyed by (in Reflex's rendered output)
KEYS = {
    "jobs": {"id"},
    "users": {"id"},
    "moderation": {"id"},
    "artists": {"id"},
    "crons": {"name"},
    "providers": {"id", "provider"},
}


@pytest.mark.parametrize("page", sorted(KEYS))
def test_action_rows_are_keyed_by_their_record(page: str) -> None:
    rendered = str(getattr(admin, page)())
    keys = set(re.findall(r'key:\w+_rx_state_\?\.\["(\w+)"\]', rendered))
    assert keys == KEYS[page]
