"""Identity of new rows: one slug rule for artists, venues and shows, and the key artists are
matched by. Every path that creates an artist (Ticketmaster discovery, a fan's Spotify import)
names it through here, so the same artist gets the same slug whichever path found it first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from setlist_app.domain.titles import normalize_name, slugify
from setlist_app.models.catalog import Artist

_ARTISTS = Artist.__table__


def free_slug(session: Session, table: Any, base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever is free in `table`."""
    base = base[:190]
    taken = set(
        session.execute(
            select(table.c.slug).where(or_(table.c.slug == base, table.c.slug.like(f"{base}-%")))
        ).scalars()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def artist_slug(session: Session, name: str) -> str:
    """A free slug for a new artist called `name`: `the-national`, else `the-national-2`..."""
    return free_slug(session, _ARTISTS, slugify(name))


def artist_key(name: str) -> str:
    """The artist's `normalized_name`: what a name from another provider is matched against."""
    return normalize_name(name)[:300]
