"""The vote lane's id rule: a JSON integer in range, nothing else (issue 19)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from setlist_app.live.vote_lane import MAX_ID, parse_id


@pytest.mark.parametrize("value", [1, 212, MAX_ID])
def test_integers_in_range_are_ids(value: int) -> None:
    assert parse_id(value) == value


@pytest.mark.parametrize(
    "value",
    [211.9, 212.0, " 212 ", "212", True, False, 0, -5, MAX_ID + 1, None, [212], {"id": 212}],
)
def test_anything_else_is_not(value: Any) -> None:
    assert parse_id(value) is None


@pytest.mark.parametrize("text", ["Infinity", "-Infinity", "NaN", "1e3", "211.9"])
def test_what_python_reads_from_loose_json_is_refused_without_raising(text: str) -> None:
    assert parse_id(json.loads(text)) is None
