"""What counts as a row id when one arrives from a browser (DESIGN.md §8: bad input gets a clear
refusal and changes nothing)."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # id columns are 32-bit integers on PostgreSQL: a larger number is no row
_DIGITS = frozenset("0123456789")


def strict_id(value: object) -> int | None:
    """`value` as an id when it is exactly one, else None for the caller to refuse.

    An int (not a bool) or a string of ASCII digits without sign, spaces or leading zero, within
    1..MAX_ID. `211.9`, `Infinity`, `" 212 "`, `"²"` and `True` are not ids: guessing one (Python's
    `int()` truncates floats, strips spaces, reads Unicode digits and overflows on infinity) would
    act on a row the visitor did not name, or fail with an unhandled exception.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and 0 < len(value) <= 10 and set(value) <= _DIGITS and value[0] != "0":
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
