"""The bundled demo catalog's files, with their dates anchored to the day they are loaded.

Shows, noise events and setlists store `day`: days after the load day (negative = past), so the
demo always has upcoming shows to vote on and recent completed ones, whatever the date. A
`{year}` in a name or tour becomes that date's year. The simulator and the app's demo loader both
read the data through here, so they shift it by the same offset.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"

# Which ISO date field each dated file's consumers read (Ticketmaster local dates, setlist.fm dates).
_DATE_FIELD = {"shows.json": "local_date", "noise_events.json": "local_date", "setlists.json": "event_date"}


def load_day() -> date:
    """Today in UTC: the day the demo is anchored to when the caller does not choose one."""
    return datetime.now(UTC).date()


def read(name: str, data_dir: Path = DATA_DIR, today: date | None = None) -> list[dict[str, Any]]:
    """One data file's records (empty when the file is absent), with relative days made real dates."""
    path = data_dir / name
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    field = _DATE_FIELD.get(name)
    if field is None:
        return records
    anchor = today or load_day()
    return [_dated(record, field, anchor) for record in records]


def _dated(record: dict[str, Any], field: str, anchor: date) -> dict[str, Any]:
    if "day" not in record:  # a test catalog may give absolute dates
        return record
    day = anchor + timedelta(days=int(record["day"]))
    out = {k: v for k, v in record.items() if k != "day"}
    out[field] = day.isoformat()
    for key in ("name", "tour"):
        if isinstance(out.get(key), str):
            out[key] = out[key].replace("{year}", str(day.year))
    return out
