"""AES-256-GCM for OAuth tokens at rest: key id inside the ciphertext, associated data, rotation.

Blob layout: ``0x01 | len(kid) | kid | nonce(12) | ciphertext+tag``. The associated data names the
row and column (`token_aad`), so a ciphertext copied to another user's row or column fails to
decrypt. Keys come from settings as ``kid:base64key,...``: the first encrypts, every one decrypts,
so a new key can be prepended and old rows re-encrypted on use or by `reencrypt` jobs.
There is no plaintext fallback: without a key `cipher_from_settings` raises `EncryptionUnavailable`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from setlist_app.settings import Settings

VERSION = 1
NONCE_BYTES = 12
DEV_KEY_ID = "dev-sim"


class EncryptionUnavailable(RuntimeError):
    """No usable token encryption key is configured; features that store tokens are off."""


class DecryptionError(ValueError):
    """The blob is malformed, its key is unknown, or it was tampered with or moved."""


@dataclass(frozen=True)
class TokenCipher:
    keys: dict[str, bytes]  # kid -> 32-byte key
    current: str

    def encrypt(self, plaintext: str, aad: bytes) -> bytes:
        kid = self.current.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode(), aad)
        return bytes([VERSION, len(kid)]) + kid + nonce + sealed

    def decrypt(self, blob: bytes, aad: bytes) -> str:
        kid, nonce, sealed = _split(blob)
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionError(f"unknown key id {kid!r}")
        try:
            return AESGCM(key).decrypt(nonce, sealed, aad).decode()
        except InvalidTag as exc:
            raise DecryptionError("ciphertext does not verify (tampered, or bound to another row)") from exc

    def is_current(self, blob: bytes) -> bool:
        """False when the blob was sealed with an older key and should be re-encrypted."""
        return _split(blob)[0] == self.current

    def reencrypt(self, blob: bytes, aad: bytes) -> bytes:
        """The same plaintext sealed with the current key (a no-op copy when already current)."""
        return blob if self.is_current(blob) else self.encrypt(self.decrypt(blob, aad), aad)


def _split(blob: bytes) -> tuple[str, bytes, bytes]:
    if len(blob) < 2 or blob[0] != VERSION:
        raise DecryptionError("not a token ciphertext")
    end = 2 + blob[1]
    if len(blob) < end + NONCE_BYTES + 16:
        raise DecryptionError("truncated ciphertext")
    return blob[2:end].decode(errors="replace"), blob[end : end + NONCE_BYTES], blob[end + NONCE_BYTES :]


def token_aad(user_id: int, provider: str, column: str) -> bytes:
    """Associated data binding a token to its oauth_tokens row (natural key) and column."""
    return f"oauth_tokens|user={user_id}|provider={provider}|column={column}".encode()


def parse_keys(spec: str) -> dict[str, bytes]:
    """``kid:base64key,...`` -> {kid: key}; every key must be 32 bytes (AES-256)."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, sep, encoded = part.partition(":")
        kid = kid.strip()
        if not sep or not kid or len(kid) > 32:
            raise EncryptionUnavailable("TOKEN_ENCRYPTION_KEYS must look like 'kid:base64key,kid2:base64key'")
        try:
            key = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
        except (binascii.Error, ValueError) as exc:
            raise EncryptionUnavailable(f"token key {kid!r} is not valid base64") from exc
        if len(key) != 32:
            raise EncryptionUnavailable(f"token key {kid!r} must be 32 bytes (AES-256), got {len(key)}")
        if kid in keys:
            raise EncryptionUnavailable(f"token key id {kid!r} appears twice")
        keys[kid] = key
    return keys


def new_key_spec(kid: str) -> str:
    """A fresh ``kid:base64key`` entry (for operators rotating keys)."""
    return f"{kid}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


def _simulator_dev_key(settings: Settings) -> bytes:
    # Only simulator tokens (fake, local) may use a key derived from the secret; real Spotify
    # credentials always need an explicit key.
    return HKDF(SHA256(), 32, salt=b"setlist.dev-token-key", info=b"oauth_tokens").derive(
        hashlib.sha256(settings.secret_key.encode()).digest()
    )


def cipher_from_settings(settings: Settings) -> TokenCipher:
    """The configured cipher, or `EncryptionUnavailable` with a message an operator can act on."""
    keys = parse_keys(settings.token_encryption_keys)
    if keys:
        return TokenCipher(keys, next(iter(keys)))
    if settings.uses_simulator and settings.environment != "prod":
        return TokenCipher({DEV_KEY_ID: _simulator_dev_key(settings)}, DEV_KEY_ID)
    raise EncryptionUnavailable(
        "Spotify connect is disabled: set TOKEN_ENCRYPTION_KEYS (e.g. 'k1:<32 random bytes, base64>') "
        "so OAuth tokens can be encrypted at rest."
    )
