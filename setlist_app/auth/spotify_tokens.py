"""Spotify tokens of a connected user: stored encrypted, refreshed, re-encrypted on key rotation.

AES-256-GCM, each ciphertext bound to its row and column (`auth.crypto`). The refresh grant runs
through authlib; `invalid_grant` (e.g. 6 months after authorization) forgets the refresh token and
raises `ReconnectRequired`, which the account page shows as "reconnect Spotify".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from sqlalchemy import select, update
from sqlmodel import Session

from setlist_app.auth.crypto import TokenCipher, token_aad
from setlist_app.auth.oidc import spotify_oauth_config
from setlist_app.db import run_db
from setlist_app.models.base import utcnow
from setlist_app.models.users import OAuthToken
from setlist_app.settings import Settings

PROVIDER = "spotify"
RECONNECT = "Your Spotify connection expired — reconnect Spotify to import again."


class ReconnectRequired(Exception):
    """The refresh token is gone or rejected (`invalid_grant`): the user must connect again."""


@dataclass(frozen=True)
class StoredTokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None


def _aad(user_id: int, column: str) -> bytes:
    return token_aad(user_id, PROVIDER, column)


def _expires_at(token: dict[str, Any]) -> datetime | None:
    if token.get("expires_at"):
        return datetime.fromtimestamp(float(token["expires_at"]), tz=utcnow().tzinfo)
    if token.get("expires_in"):
        return utcnow() + timedelta(seconds=int(token["expires_in"]))
    return None


def store_tokens(session: Session, cipher: TokenCipher, user_id: int, token: dict[str, Any]) -> None:
    """Insert or replace the user's Spotify tokens, encrypted. A refresh answer without a new
    refresh token keeps the old one. The caller commits."""
    row = session.execute(
        select(OAuthToken).where(OAuthToken.user_id == user_id, OAuthToken.provider == PROVIDER)
    ).scalar_one_or_none()
    access = cipher.encrypt(str(token["access_token"]), _aad(user_id, "access_token"))
    refresh = token.get("refresh_token")
    refresh_enc = cipher.encrypt(str(refresh), _aad(user_id, "refresh_token")) if refresh else None
    now = utcnow()
    if row is None:
        row = OAuthToken(user_id=user_id, provider=PROVIDER, access_token_enc=access, authorized_at=now)
        row.refresh_token_enc = refresh_enc
    else:
        row.access_token_enc = access
        if refresh_enc is not None:
            row.refresh_token_enc = refresh_enc
    row.scope = str(token.get("scope", row.scope or ""))[:500]
    row.expires_at = _expires_at(token)
    row.updated_at = now
    session.add(row)


def load_tokens(session: Session, cipher: TokenCipher, user_id: int) -> StoredTokens | None:
    """Decrypt the user's tokens; ciphertexts under an old key are re-encrypted with the current one."""
    row = session.execute(
        select(OAuthToken).where(OAuthToken.user_id == user_id, OAuthToken.provider == PROVIDER)
    ).scalar_one_or_none()
    if row is None:
        return None
    access = cipher.decrypt(row.access_token_enc, _aad(user_id, "access_token"))
    refresh = (
        cipher.decrypt(row.refresh_token_enc, _aad(user_id, "refresh_token"))
        if row.refresh_token_enc
        else None
    )
    if not cipher.is_current(row.access_token_enc) or (
        row.refresh_token_enc is not None and not cipher.is_current(row.refresh_token_enc)
    ):
        reencrypt_row(session, cipher, row)
    return StoredTokens(access, refresh, row.expires_at)


def reencrypt_row(session: Session, cipher: TokenCipher, row: OAuthToken) -> bool:
    """Seal a row's tokens with the current key (key rotation). Returns whether it changed."""
    user_id = row.user_id
    new_access = cipher.reencrypt(row.access_token_enc, _aad(user_id, "access_token"))
    new_refresh = (
        cipher.reencrypt(row.refresh_token_enc, _aad(user_id, "refresh_token"))
        if row.refresh_token_enc
        else None
    )
    if new_access == row.access_token_enc and new_refresh == row.refresh_token_enc:
        return False
    session.execute(
        update(OAuthToken)
        .where(OAuthToken.id == row.id)
        .values(access_token_enc=new_access, refresh_token_enc=new_refresh)
    )
    return True


def reencrypt_all(session: Session, cipher: TokenCipher, batch: int = 500) -> int:
    """Re-encrypt every token row under an old key (the rotation job). Caller commits."""
    changed = 0
    for row in session.execute(select(OAuthToken).order_by(OAuthToken.id).limit(batch)).scalars():
        changed += reencrypt_row(session, cipher, row)
    return changed


def mark_reconnect(session: Session, user_id: int) -> None:
    """The refresh token was rejected: forget it and expire the access token (keeps the row, so the
    account page can say "reconnect")."""
    session.execute(
        update(OAuthToken)
        .where(OAuthToken.user_id == user_id, OAuthToken.provider == PROVIDER)
        .values(refresh_token_enc=None, expires_at=utcnow() - timedelta(seconds=1))
    )


@dataclass(frozen=True)
class UserTokens:
    """One user's Spotify access token: the stored one while it is fresh, else a refreshed one."""

    settings: Settings
    cipher: TokenCipher
    user_id: int
    transport: httpx.AsyncBaseTransport | None = None  # tests: the simulator in-process

    async def access_token(self) -> str:
        """The user's access token, refreshed when it expires within a minute."""
        stored = await run_db(load_tokens, self.cipher, self.user_id)
        if stored is None:
            raise ReconnectRequired(RECONNECT)
        if stored.expires_at is None or stored.expires_at > utcnow() + timedelta(seconds=60):
            return stored.access_token
        return await self.refresh()

    async def refresh(self) -> str:
        """A fresh access token through the refresh grant; `ReconnectRequired` on `invalid_grant`."""
        stored = await run_db(load_tokens, self.cipher, self.user_id)
        if stored is None or not stored.refresh_token:
            raise ReconnectRequired(RECONNECT)
        conf = spotify_oauth_config(self.settings)
        async with AsyncOAuth2Client(
            conf.client_id,
            conf.client_secret,
            token_endpoint_auth_method="client_secret_basic",
            transport=self.transport,
            timeout=self.settings.http_timeout_seconds,
        ) as client:
            try:
                token = await client.refresh_token(conf.token_url, refresh_token=stored.refresh_token)
            except OAuthError as exc:
                if exc.error == "invalid_grant":
                    await run_db(mark_reconnect, self.user_id)
                    raise ReconnectRequired(RECONNECT) from exc
                raise
        await run_db(store_tokens, self.cipher, self.user_id, dict(token))
        return str(token["access_token"])
