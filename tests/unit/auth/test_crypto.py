"""Token encryption: AES-256-GCM, key id inside, associated data binding, rotation, no plaintext."""

from __future__ import annotations

import pytest

from setlist_app.auth.crypto import (
    DecryptionError,
    EncryptionUnavailable,
    cipher_from_settings,
    new_key_spec,
    parse_keys,
    token_aad,
)
from setlist_app.settings import Settings

AAD = token_aad(7, "spotify", "access_token")


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)


def test_roundtrip_with_key_id_inside() -> None:
    cipher = cipher_from_settings(_settings(token_encryption_keys=new_key_spec("k2026")))
    blob = cipher.encrypt("secret-token", AAD)
    assert b"secret-token" not in blob and b"k2026" in blob[:8]
    assert cipher.decrypt(blob, AAD) == "secret-token"
    assert cipher.encrypt("secret-token", AAD) != blob  # fresh nonce every time


@pytest.mark.parametrize(
    "aad",
    [
        token_aad(8, "spotify", "access_token"),
        token_aad(7, "spotify", "refresh_token"),
        token_aad(7, "x", "access_token"),
    ],
)
def test_ciphertext_is_bound_to_its_row_and_column(aad: bytes) -> None:
    cipher = cipher_from_settings(_settings(token_encryption_keys=new_key_spec("k")))
    with pytest.raises(DecryptionError):
        cipher.decrypt(cipher.encrypt("t", AAD), aad)


def test_tampering_is_detected() -> None:
    cipher = cipher_from_settings(_settings(token_encryption_keys=new_key_spec("k")))
    blob = bytearray(cipher.encrypt("t", AAD))
    blob[-1] ^= 1
    for bad in (bytes(blob), b"", b"\x01", b"plaintext-token", bytes([2]) + bytes(blob[1:])):
        with pytest.raises(DecryptionError):
            cipher.decrypt(bad, AAD)


def test_rotation_reads_old_keys_and_reseals_with_the_new_one() -> None:
    old_spec = new_key_spec("old")
    old = cipher_from_settings(_settings(token_encryption_keys=old_spec))
    blob = old.encrypt("t", AAD)
    rotated = cipher_from_settings(_settings(token_encryption_keys=f"{new_key_spec('new')},{old_spec}"))
    assert rotated.current == "new" and not rotated.is_current(blob)
    assert rotated.decrypt(blob, AAD) == "t"
    resealed = rotated.reencrypt(blob, AAD)
    assert rotated.is_current(resealed) and rotated.decrypt(resealed, AAD) == "t"
    with pytest.raises(DecryptionError):  # a key that was dropped cannot read its old rows
        cipher_from_settings(_settings(token_encryption_keys=new_key_spec("other"))).decrypt(blob, AAD)


@pytest.mark.parametrize(
    "spec", ["nokid", "k:not-base64!!", "k:c2hvcnQ", f"{new_key_spec('k')},{new_key_spec('k')}"]
)
def test_bad_key_specs_are_refused_clearly(spec: str) -> None:
    with pytest.raises(EncryptionUnavailable):
        parse_keys(spec)


def test_no_key_means_the_feature_is_off_not_plaintext() -> None:
    with pytest.raises(EncryptionUnavailable, match="TOKEN_ENCRYPTION_KEYS"):
        cipher_from_settings(_settings(environment="prod"))
    with pytest.raises(EncryptionUnavailable):  # real Spotify credentials always need a real key
        cipher_from_settings(_settings(environment="dev", spotify_client_id="real"))
    assert cipher_from_settings(_settings(environment="dev")).current == "dev-sim"  # simulator tokens only
