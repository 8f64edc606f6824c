"""Subprocess for the crash test: runs one catalog job against a Spotify that never answers.

Usage: python -m tests.integration.sync.crash_worker <job_id>   (DATABASE_URL from the environment)
"""

from __future__ import annotations

import asyncio
import sys

from setlist_app.db import get_engine
from setlist_app.settings import get_settings
from setlist_app.sync import executors, registry  # noqa: F401
from setlist_app.sync.context import SyncContext
from tests.integration.sync.helpers import FakeProviders, FakeSpotify


def main(job_id: int) -> None:
    spotify = FakeSpotify()
    spotify.hang.add("sp0")
    ctx = SyncContext(settings=get_settings(), engine=get_engine(), providers=FakeProviders(spotify))
    asyncio.run(executors.run_job(job_id, ctx))


if __name__ == "__main__":
    main(int(sys.argv[1]))
