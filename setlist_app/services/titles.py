"""Text normalisation shared by catalog de-duplication, search and setlist matching."""

from __future__ import annotations

import re
import unicodedata

_SUFFIX = re.compile(
    r"\s*(?:[-–—]\s*(?:\d{4}\s+)?(?:remaster(?:ed)?|live|single version|album version|radio edit|mono|stereo)"
    r"(?:\s+\d{4})?(?:\s+version)?|\((?:live|remaster(?:ed)?|\d{4} remaster(?:ed)?)[^)]*\))\s*$",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def normalize_name(value: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name ("Beyoncé" -> "beyonce")."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ").replace("'", "").replace("’", "")
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def normalize_title(title: str) -> str:
    """Song title key for matching: drops "(Live)", " - Remastered" and similar suffixes."""
    previous = None
    text = title.strip()
    while previous != text:
        previous = text
        text = _SUFFIX.sub("", text).strip()
    return normalize_name(text)


def slugify(value: str) -> str:
    """URL slug: lower-case ASCII words joined by dashes."""
    return normalize_name(value).replace(" ", "-")[:180] or "item"
