"""Presentation helpers that are plain functions: dates as people say them, image fallbacks."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo


def local_start(starts_at: datetime, timezone: str) -> datetime:
    """The show's start in its venue's local time."""
    return starts_at.astimezone(ZoneInfo(timezone))


def show_when(starts_at: datetime, timezone: str) -> str:
    """'Sat 14 Mar 2027 · 8:00 PM' in the venue's local time."""
    local = local_start(starts_at, timezone)
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b %Y')} · {hour}:{local.strftime('%M %p')}"


def date_badge(starts_at: datetime, timezone: str) -> tuple[str, str]:
    """('MAR', '14') for a calendar-style badge."""
    local = local_start(starts_at, timezone)
    return local.strftime("%b").upper(), str(local.day)


def initials(name: str) -> str:
    """Up to two initials for an image placeholder ("The National" -> "TN")."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    return "".join(w[0] for w in words[:2]).upper() or "?"


def gradient(name: str) -> str:
    """A stable CSS gradient derived from a name, used when an image is missing."""
    digest = hashlib.sha256(name.encode()).digest()
    hue = digest[0] * 360 // 256
    hue2 = (hue + 40 + digest[1] % 80) % 360
    return f"linear-gradient(135deg, hsl({hue} 70% 45%), hsl({hue2} 65% 30%))"


def duration(ms: int | None) -> str:
    """'3:45' from milliseconds; empty when unknown."""
    if not ms:
        return ""
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"
