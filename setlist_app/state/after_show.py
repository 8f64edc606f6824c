"""State of the after-show component included by the show page (reads the route's show slug)."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session, select

from setlist_app.db import run_db
from setlist_app.models import Show
from setlist_app.services import after_show as svc
from setlist_app.state.route import route_arg
from setlist_app.state.search import requester
from setlist_app.state.viewer import ViewerMixin


def _by_slug(session: Session, slug: str) -> svc.AfterShow:
    show_id = session.exec(select(Show.id).where(Show.slug == slug)).first()
    return svc.after_show(session, show_id) if show_id else svc.AfterShow()


def _retry(session: Session, show_id: int, who: str) -> svc.AfterShow:
    svc.retry_import(session, show_id, who)
    session.flush()
    return svc.after_show(session, show_id)


class AfterShowState(ViewerMixin, rx.State):
    view: svc.AfterShow = svc.AfterShow()
    loading: bool = True
    retrying: bool = False

    @rx.event
    async def load(self) -> None:
        self.loading = True
        try:
            self.view = await run_db(_by_slug, await route_arg(self, "slug"))
        finally:
            self.loading = False

    @rx.event
    async def retry(self):  # type: ignore[no-untyped-def]
        who = requester(await self._viewer())
        if who is None or not self.view.show_id or self.retrying:
            return
        self.retrying = True
        yield
        try:
            self.view = await run_db(_retry, self.view.show_id, who)
            yield rx.toast.success("Thanks! We'll look for the setlist again shortly.")
        except svc.RetryRefused as exc:
            yield rx.toast.info(str(exc))
        except Exception:
            yield rx.toast.error("We couldn't queue that just now. Please try again.")
            raise
        finally:
            self.retrying = False
