"""OAuth token refresh: Spotify access tokens of recently active users, refreshed before expiry.

Uses the encrypted token store and refresh grant of `auth.spotify_tokens`; without an encryption
key the job fails saying so (Spotify connect is not configured). A refresh token Spotify no longer
accepts (`invalid_grant`, e.g. 6 months after authorization) marks the user as
"reconnect Spotify" — that is an expected outcome, not a failed job. Only users seen recently are
refreshed: a token nobody will use is refreshed lazily when they come back.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from setlist_app.auth import spotify_tokens
from setlist_app.auth.crypto import EncryptionUnavailable, cipher_from_settings
from setlist_app.models.sync import SyncJob
from setlist_app.models.users import OAuthToken, User
from setlist_app.sync import jobs, kinds
from setlist_app.sync.context import SyncContext
from setlist_app.sync.domain import provider_ready
from setlist_app.sync.executors import executor
from setlist_app.sync.planners import PlanContext, planner

KIND = kinds.TOKEN_REFRESH
EXPIRY_MARGIN = timedelta(minutes=15)
ACTIVE_USERS = timedelta(days=14)
_T, _U = OAuthToken.__table__, User.__table__


@planner(
    KIND,
    interval_seconds=600,
    limit_per_run=50,
    description="Refresh Spotify tokens of recently active users before they expire",
)
async def plan_token_refresh(p: PlanContext) -> int:
    if p.remaining == 0 or not provider_ready(p, "spotify"):
        return 0
    ids = p.session.execute(
        select(_T.c.user_id)
        .join(_U, _U.c.id == _T.c.user_id)
        .where(
            _T.c.provider == "spotify",
            _T.c.refresh_token_enc.is_not(None),
            _T.c.expires_at <= p.now + EXPIRY_MARGIN,
            _U.c.last_seen_at >= p.now - ACTIVE_USERS,
        )
        .order_by(_T.c.expires_at)
        .limit(p.remaining)
    ).scalars()
    count = 0
    for user_id in ids:  # a job already pending for the user is not duplicated (single-flight)
        p.request(KIND, f"user:{user_id}", payload={"user_id": user_id})
        count += 1
    return count


@executor(KIND)
async def refresh_token(ctx: SyncContext, job: SyncJob) -> dict[str, Any]:
    """Refresh one user's Spotify access token."""
    user_id = int(job.payload.get("user_id", 0))
    with ctx.session() as session:
        if session.get(User, user_id) is None:
            return {"skipped": "user gone"}
    try:
        cipher = cipher_from_settings(ctx.settings)
    except EncryptionUnavailable as exc:
        raise jobs.JobFailed(str(exc)) from exc
    try:
        await spotify_tokens.UserTokens(ctx.settings, cipher, user_id).refresh()
    except spotify_tokens.ReconnectRequired:
        return {"reconnect_required": True}
    return {"refreshed": True}
