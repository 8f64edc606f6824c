"""The live global activity feed: polled every few seconds while the page is open."""

from __future__ import annotations

import asyncio

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.services import activity_feed
from setlist_app.state.catalog import PageLoad

POLL_SECONDS = 3.0
MAX_POLLS = 1200  # an hour; a tab left open longer refreshes on its next visit
FEED_SIZE = 40


def _latest(session: Session) -> list[activity_feed.FeedItem]:
    return activity_feed.feed(session, limit=FEED_SIZE)


def _if_newer(session: Session, known: int) -> list[activity_feed.FeedItem] | None:
    """The feed when something newer than `known` exists, else None (one index lookup)."""
    if activity_feed.latest_id(session) <= known:
        return None
    return _latest(session)


class ActivityState(PageLoad, rx.State):
    items: list[activity_feed.FeedItem] = []
    _generation: int = 0  # bumps on every load/leave so an old poller stops

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.error = True, ""
        self._generation += 1
        yield
        try:
            self.items = await run_db(_latest)
        except Exception:
            self.error = "We couldn't load the activity right now."
            raise
        finally:
            self.loading = False
        yield ActivityState.poll

    @rx.event
    def leave(self) -> None:
        self._generation += 1

    @rx.event(background=True)
    async def poll(self):  # type: ignore[no-untyped-def]
        async with self:
            generation = self._generation
        ticks = 0
        for ticks in range(1, MAX_POLLS + 1):
            await asyncio.sleep(POLL_SECONDS)
            async with self:
                if self._generation != generation:
                    return
                known = self.items[0].id if self.items else 0
            # Every 10th tick re-render anyway so the "2 min ago" labels stay true.
            fresh = await run_db(_if_newer, -1 if ticks % 10 == 0 else known)
            if fresh is not None:
                async with self:
                    if self._generation != generation:
                        return
                    self.items = fresh
