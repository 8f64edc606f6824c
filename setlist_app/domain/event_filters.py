"""Ticketmaster event filters: festivals, tribute acts, non-music listings and residencies.

Pure functions over `TmEvent`, table-tested in tests/unit/providers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from setlist_app.providers.models import TmEvent

FESTIVAL_MIN_ATTRACTIONS = 5
RESIDENCY_MIN_SHOWS = 4
RESIDENCY_SPAN = timedelta(days=60)

_FESTIVAL = re.compile(
    r"\bfest(?:ival)?\b|\bfestivals?\b|\b\w+fest\b|\blollapalooza\b|\bcoachella\b|\bbonnaroo\b|\bglastonbury\b"
    r"|\brock in rio\b|\b(?:weekend|day|ga|camping) pass\b|\b\d[- ]day pass\b|\bmusic series\b|\bjamboree\b",
    re.IGNORECASE,
)
_TRIBUTE = re.compile(
    r"\btribute\b|\bthe music of\b|\bsalute to\b|\bcelebrat(?:ing|es|ion of) the (?:music|songs|life)\b"
    r"|\bperforms? the (?:music|songs|hits)\b|\bsongs of\b|\bcover band\b|\bthe legacy of\b|\ba night of\b"
    r"|\b(?:re-?created|reimagined)\b|\bimpersonat|\blook-?alike\b|\bultimate .+ experience\b"
    r"|\b(?:candlelight|by candlelight|rockabye baby|string quartet plays|orchestra plays)\b",
    re.IGNORECASE,
)
_NON_MUSIC = re.compile(
    r"\bparking\b|\bvip\b.*\b(?:package|upgrade|experience)\b|\bupgrade\b|\bmeet (?:&|and) greet\b|\bmerch"
    r"|\bgift card\b|\bshuttle\b|\blot pass\b|\bhotel package\b|\blocker|\bsoundcheck\b|\bpre-?show\b"
    r"|\bsuite\b|\bpremium seat|\bclub access\b|\bfood (?:&|and) bev|\bvoucher\b|\bdonation\b",
    re.IGNORECASE,
)
_RESIDENCY = re.compile(
    r"\bresidency\b|\bin residence\b|\blas vegas\b.*\b(?:engagement|residency)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class EventVerdict:
    """Whether to import an event as a show, and why not."""

    keep: bool
    reasons: tuple[str, ...] = ()
    residency: bool = False


def _subgenre(event: TmEvent) -> str:
    return (event.subgenre or "").lower()


def is_festival(event: TmEvent) -> bool:
    return (
        "festival" in _subgenre(event)
        or bool(_FESTIVAL.search(event.name))
        or len(event.attractions) >= FESTIVAL_MIN_ATTRACTIONS
        or any(_FESTIVAL.search(a.name) for a in event.attractions)
    )


def is_tribute(event: TmEvent) -> bool:
    names = [event.name, *(a.name for a in event.attractions)]
    genres = [event.genre, event.subgenre, *(a.subgenre for a in event.attractions)]
    return any(_TRIBUTE.search(n) for n in names) or any(g and "tribute" in g.lower() for g in genres)


def is_non_music(event: TmEvent) -> bool:
    if event.segment and event.segment.lower() != "music":
        return True
    if event.type and event.type.lower() not in ("event", "music"):
        return True
    return any(w in _subgenre(event) for w in ("parking", "vip", "upgrade", "add-on")) or bool(
        _NON_MUSIC.search(event.name)
    )


def is_residency_name(event: TmEvent) -> bool:
    return "residency" in _subgenre(event) or bool(_RESIDENCY.search(event.name))


def classify_event(event: TmEvent) -> EventVerdict:
    """Keep real concerts; drop festivals, tribute acts and non-music listings; flag residencies."""
    reasons = tuple(
        reason
        for reason, hit in (
            ("non_music", is_non_music(event)),
            ("festival", is_festival(event)),
            ("tribute", is_tribute(event)),
            ("no_venue", event.venue is None),
            ("no_date", event.local_date is None),
        )
        if hit
    )
    return EventVerdict(keep=not reasons, reasons=reasons, residency=is_residency_name(event))


def residency_event_ids(events: Iterable[TmEvent]) -> set[str]:
    """Events that belong to a residency: ≥ 4 shows of one act at one venue within 60 days,
    or a residency in the name."""
    groups: dict[tuple[str, str], list[TmEvent]] = defaultdict(list)
    found: set[str] = set()
    for event in events:
        if is_residency_name(event):
            found.add(event.id)
        if event.venue and event.attractions and event.local_date:
            groups[(event.attractions[0].id, event.venue.id)].append(event)
    for group in groups.values():
        dates = sorted(group, key=lambda e: e.local_date)  # type: ignore[arg-type, return-value]
        for start in range(len(dates)):
            window = [e for e in dates[start:] if e.local_date - dates[start].local_date <= RESIDENCY_SPAN]  # type: ignore[operator]
            if len(window) >= RESIDENCY_MIN_SHOWS:
                found.update(e.id for e in window)
    return found
