"""Fans report a fan-added song on a prediction (reviewed in /admin/moderation)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from setlist_app.db import run_db
from setlist_app.domain.ids import strict_id
from setlist_app.services.moderation import ReportRejected, report_song
from setlist_app.state.viewer import ViewerMixin


class ReportState(ViewerMixin, rx.State):
    reported: list[int] = []  # prediction songs this viewer reported (this session)

    @rx.event
    async def report(self, prediction_song_id: int, form: dict[str, Any]) -> Any:
        ps_id = strict_id(prediction_song_id)
        if ps_id is None:
            return rx.toast.error("We couldn't find that song.")
        try:
            result = await run_db(
                report_song, await self._viewer(), ps_id, str((form or {}).get("reason", ""))[:500]
            )
        except ReportRejected as exc:
            return rx.toast.error(str(exc))
        if ps_id not in self.reported:
            self.reported = [*self.reported, ps_id]
        if not result.created:
            return rx.toast.info("You already reported this song. A moderator will look at it.")
        return rx.toast.success("Thanks. A moderator will review this song.")
