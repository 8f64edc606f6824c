"""How the fake search endpoints compare names: the simulator's own rule, not the app's.

Real APIs do not share our code, so neither does the simulator: `fold` is written here, and
tests/unit/test_simulator_contract.py checks that it agrees with the app's `normalize_name` on every
name in the demo catalog (the app's "find this artist" and the fakes' searches must meet).
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")
_SPELLED = str.maketrans({"&": " and ", "+": " and ", "'": None, "\u2019": None, "`": None})


def fold(text: str) -> str:
    """Lower-case words without accents or punctuation: "Beyoncé & Co." -> "beyonce and co"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    return " ".join(_WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c)).lower()))
