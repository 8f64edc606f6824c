"""Profile pages: /profile (the signed-in fan) and /users/<id> (any fan), with the leaderboard."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from setlist_app.db import run_db
from setlist_app.domain.ids import strict_id
from setlist_app.services import activity_feed, profiles
from setlist_app.state.catalog import PageLoad
from setlist_app.state.route import route_arg
from setlist_app.state.viewer import ViewerMixin


def _profile_page(
    session: Session, user_id: int, me: int | None
) -> tuple[profiles.Profile | None, list[profiles.LeaderRow], str, list[activity_feed.FeedItem]]:
    found = profiles.profile(session, user_id)
    if found is None:
        return None, [], "", []
    leaders = profiles.leaderboard(session, 10, me)
    return (
        found,
        leaders,
        "" if leaders else profiles.empty_leaderboard_note(session),
        activity_feed.feed(session, user_id=user_id, limit=20),
    )


class ProfileState(ViewerMixin, PageLoad, rx.State):
    profile: profiles.Profile = profiles.Profile()
    leaders: list[profiles.LeaderRow] = []
    leaders_note: str = ""  # why the leaderboard is empty
    feed: list[activity_feed.FeedItem] = []
    needs_sign_in: bool = False
    is_me: bool = False

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.loading, self.not_found, self.error, self.needs_sign_in = True, False, "", False
        yield
        me = (await self._viewer()).user_id
        raw = await route_arg(self, "id")
        try:
            if not raw and me is None:
                self.needs_sign_in = True
                return
            user_id = strict_id(raw) if raw else me
            if user_id is None:  # not an id (" 12", "12.5", 2**40): no such fan
                self.not_found = True
                return
            found, leaders, note, feed = await run_db(_profile_page, user_id, me)
            self.not_found = found is None
            self.profile, self.leaders, self.leaders_note = found or profiles.Profile(), leaders, note
            self.feed = feed
            self.is_me = found is not None and user_id == me
        except Exception:
            self.error = "We couldn't load this profile right now."
            raise
        finally:
            self.loading = False
