"""Pagination shared by the admin tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_PAGE_SIZE = 100


def page_bounds(page: int, page_size: int) -> tuple[int, int]:
    """(offset, limit) for a 1-based page; sizes are clamped to 1..MAX_PAGE_SIZE."""
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    return (max(1, int(page)) - 1) * size, size


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // max(1, self.page_size)))
