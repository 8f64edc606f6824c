"""Seeding order: most-played songs first, catalog order for ties and for unplayed songs."""

from __future__ import annotations

from setlist_app.domain.predictions import rank_for_seeding


def test_most_played_first_then_catalog_order() -> None:
    catalog = [10, 11, 12, 13, 14]
    assert rank_for_seeding({12: 5, 14: 5, 11: 1}, catalog, limit=4) == [12, 14, 11, 10]


def test_falls_back_to_catalog_order_without_setlists() -> None:
    assert rank_for_seeding({}, [3, 1, 2], limit=10) == [3, 1, 2]


def test_ignores_songs_outside_the_catalog_and_zero_counts() -> None:
    assert rank_for_seeding({99: 7, 2: 0}, [1, 2], limit=10) == [1, 2]
