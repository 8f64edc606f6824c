"""The demo crowd: `python -m setlist_app.crowd`, started by the launcher in the embedded demo.

A few demo fans (`services.demo_crowd`) vote and add songs on the soonest upcoming shows at
`DEMO_CROWD_ACTIONS_PER_MINUTE`, through the path a browser vote takes: the per-voter rate limit,
the voting use cases in one transaction, then the live publish after commit. So counts and ranks
move in every open browser, the activity feed fills, and once those shows are over and their
setlists imported the leaderboard scores the demo fans like anyone else.

Not part of the sync pipeline: it creates no jobs (DESIGN.md §6) and runs in its own process, so it
never runs inside an executor and a crash here touches nothing else (the launcher restarts it).
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlmodel import Session

from setlist_app.db import app_redis, run_db
from setlist_app.live import publisher
from setlist_app.observability.logging import configure_logging
from setlist_app.services import voting
from setlist_app.services.demo_crowd import Action, choose, crowd_shows, ensure_fans, perform
from setlist_app.services.voting_limits import VoteRateLimiter
from setlist_app.settings import Settings, get_settings

log = logging.getLogger("crowd")


def _choose(session: Session, rng: random.Random, settings: Settings) -> Action | None:
    fans = ensure_fans(session, settings.demo_crowd_fans)
    return choose(session, rng, fans, crowd_shows(session, settings.demo_crowd_shows))


@dataclass
class Crowd:
    """One crowd: its random source, Redis (limits and the live publish) and its settings."""

    redis: Redis
    settings: Settings
    rng: random.Random

    def __post_init__(self) -> None:
        self.limiter = VoteRateLimiter(self.redis, self.settings)

    async def step(self) -> Action | None:
        """One demo fan's action, as the vote lane does it: rate limit, write, publish after commit.

        Returns what was done; None when nothing was (no show to act on, or a refusal, logged)."""
        action = await run_db(_choose, self.rng, self.settings)
        if action is None:
            return None
        try:
            await self.limiter.check(action.viewer)
            changed = await run_db(perform, action)
        except voting.VoteRejected as exc:
            log.info("demo fan %s refused: %s", action.viewer.name, exc.code)
            return None
        if changed:
            await publisher.publish_show_changed(self.redis, action.show_id)
        return action

    async def run(self) -> None:
        """Act at the configured rate until cancelled; a failed step is logged and the next one tried."""
        pause = 60.0 / self.settings.crowd_rate
        while True:
            try:
                await self.step()
            except Exception:
                log.exception("demo crowd step failed")
            await asyncio.sleep(pause * self.rng.uniform(0.5, 1.5))


async def _main(settings: Settings) -> None:
    redis = app_redis()
    try:
        await Crowd(redis, settings, random.Random()).run()
    finally:
        await redis.aclose()


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    if settings.crowd_rate <= 0:
        log.info("the demo crowd is off (DEMO_CROWD_ACTIONS_PER_MINUTE)")
        return
    log.info("demo crowd: %s actions per minute on %s shows", settings.crowd_rate, settings.demo_crowd_shows)
    asyncio.run(_main(settings))


if __name__ == "__main__":
    main()
