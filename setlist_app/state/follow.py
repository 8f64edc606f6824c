"""Follow/unfollow on the artist page (signed-in fans; anonymous visitors are asked to sign in)."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session, select

from setlist_app.db import run_db
from setlist_app.models import Artist
from setlist_app.services import follows
from setlist_app.state.route import route_arg
from setlist_app.state.viewer import ViewerMixin


def _status(session: Session, slug: str, user_id: int | None) -> tuple[int, bool, int]:
    artist_id = session.exec(select(Artist.id).where(Artist.slug == slug)).first() or 0
    if not artist_id:
        return 0, False, 0
    return (
        artist_id,
        follows.is_following(session, user_id, artist_id),
        follows.follower_count(session, artist_id),
    )


def _toggle(session: Session, user_id: int, artist_id: int, want: bool) -> tuple[bool, int]:
    follows.set_follow(session, user_id, artist_id, want)
    return follows.is_following(session, user_id, artist_id), follows.follower_count(session, artist_id)


class FollowState(ViewerMixin, rx.State):
    following: bool = False
    followers: int = 0
    busy: bool = False
    sign_in_prompt: bool = False
    _artist_id: int = 0

    @rx.event
    async def load(self) -> None:
        slug = await route_arg(self, "slug")
        self._artist_id, self.following, self.followers = await run_db(
            _status, slug, (await self._viewer()).user_id
        )

    @rx.event
    async def toggle(self):  # type: ignore[no-untyped-def]
        user_id = (await self._viewer()).user_id
        if user_id is None:
            self.sign_in_prompt = True
            return
        if self.busy or not self._artist_id:
            return
        want = not self.following
        self.busy, self.following = True, want  # optimistic
        yield
        try:
            self.following, self.followers = await run_db(_toggle, user_id, self._artist_id, want)
        except Exception:
            self.following = not want
            yield rx.toast.error("We couldn't save that just now. Please try again.")
            raise
        finally:
            self.busy = False

    @rx.event
    def set_sign_in_prompt(self, value: bool) -> None:
        self.sign_in_prompt = bool(value)
