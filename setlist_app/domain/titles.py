"""Text normalisation shared by catalog de-duplication, search and setlist matching."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from typing import Generic, TypeVar

_VERSION_WORDS = (
    r"(?:\d{4}\s+)?(?:digital(?:ly)?\s+)?(?:remaster(?:ed)?|live(?:\s+(?:at|from|in|on)\b.*)?|single version|"
    r"album version|radio edit|mono|stereo|(?:\d{4}\s+)?mix)(?:\s+\d{4})?(?:\s+version)?"
)
_SUFFIX = re.compile(
    rf"\s*(?:[-\u2013\u2014]\s*{_VERSION_WORDS}"
    r"|[(\[](?:live|(?:\d{4}\s+)?remaster(?:ed)?|feat\.?|ft\.?|featuring|with)\b[^)\]]*[)\]])\s*$",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\s*[(\[][^)\]]*[)\]]")
_NON_WORD = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")
T = TypeVar("T")


def normalize_name(value: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name ("Beyoncé" -> "beyonce")."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = (
        text.replace("&", " and ")
        .replace("+", " and ")
        .replace("'", "")
        .replace("\u2019", "")
        .replace("`", "")
    )
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


def normalize_title(title: str) -> str:
    """Song title key for matching: drops "(Live)", " - Remastered", "(feat. X)" and similar suffixes."""
    previous = None
    text = title.strip()
    while previous != text:
        previous = text
        text = _SUFFIX.sub("", text).strip()
    return normalize_name(text) or normalize_name(title)


def slugify(value: str) -> str:
    """URL slug: lower-case ASCII words joined by dashes."""
    return normalize_name(value).replace(" ", "-")[:180] or "item"


def _variants(title: str) -> list[str]:
    """Keys to try, strictest first."""
    base = normalize_title(title)
    bare = normalize_title(_BRACKETS.sub("", title)) if _BRACKETS.search(title) else base
    keys = [base, bare]
    for key in (base, bare):
        if key.startswith("the "):
            keys.append(key[4:])
    return [k for k in dict.fromkeys(keys) if k]


def _compact(key: str) -> str:
    return key.replace(" ", "")


class TitleMatcher(Generic[T]):
    """Match setlist song titles to catalog entries keyed by `normalize_title`.

    Tries exact keys, then keys without bracketed parts or a leading "the", then a spacing-insensitive
    key, then a close fuzzy match (ratio ≥ `cutoff`) for typos. Build once per catalog.
    """

    def __init__(self, catalog: Mapping[str, T], cutoff: float = 0.9) -> None:
        self._catalog = dict(catalog)
        self._cutoff = cutoff
        self._by_variant: dict[str, T] = {}
        for key, value in self._catalog.items():
            for variant in _variants(key):
                self._by_variant.setdefault(variant, value)
                self._by_variant.setdefault(_compact(variant), value)

    def match(self, title: str) -> T | None:
        variants = _variants(title)
        for key in variants:
            if key in self._catalog:
                return self._catalog[key]
        for key in variants:
            for candidate in (key, _compact(key)):
                if candidate in self._by_variant:
                    return self._by_variant[candidate]
        if not variants or len(variants[0]) < 4:
            return None  # too short to guess safely
        close = difflib.get_close_matches(variants[0], list(self._catalog), n=1, cutoff=self._cutoff)
        return self._catalog[close[0]] if close else None


def match_title(title: str, catalog: Mapping[str, T]) -> T | None:
    """The catalog value (e.g. song id) whose normalised title matches `title`, or None."""
    return TitleMatcher(catalog).match(title)
