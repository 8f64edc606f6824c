"""Trending cron: artists' and shows' scores and ranks (domain.trending), database only."""

from __future__ import annotations

from setlist_app.domain.trending import update_artist_trending, update_show_trending
from setlist_app.sync.planners import PlanContext, planner


@planner(
    "trending",
    interval_seconds=900,
    limit_per_run=0,  # database only: creates no jobs
    description="Recompute trending scores and ranks of artists and shows (set-based SQL)",
)
async def plan_trending(p: PlanContext) -> int:
    artists = update_artist_trending(p.session, p.now)
    shows = update_show_trending(p.session, p.now)
    return artists.scores_changed + artists.ranks_changed + shows.scores_changed + shows.ranks_changed
