"""Ids from the browser are integers within range, or nothing (tampered payloads seen in a probe)."""

from __future__ import annotations

import json

import pytest

from setlist_app.domain.ids import MAX_ID, strict_id


@pytest.mark.parametrize("value", [1, 212, "212", MAX_ID, str(MAX_ID)])
def test_ids(value: object) -> None:
    assert strict_id(value) == int(str(value))


@pytest.mark.parametrize(
    "value",
    [
        211.9,
        212.0,
        float("inf"),
        float("nan"),
        " 212 ",
        "212 ",
        "+212",
        "-1",
        "0",
        0,
        -5,
        "0212",
        "²",
        "٣",
        "1e3",
        "",
        None,
        True,
        False,
        [212],
        {"id": 212},
        MAX_ID + 1,
        str(MAX_ID + 1),
        "9" * 40,
    ],
)
def test_everything_else_is_refused(value: object) -> None:
    assert strict_id(value) is None


@pytest.mark.parametrize("text", ["Infinity", "-Infinity", "NaN", "1e3", "211.9"])
def test_what_python_reads_from_loose_json_is_refused_without_raising(text: str) -> None:
    """The vote lane's payloads come through json.loads, which reads these as floats."""
    assert strict_id(json.loads(text)) is None
