"""A key holder's personal X25519 key, stored under the holder's password (scrypt + AES-256-GCM)."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools

import pytest
from cryptography.hazmat.primitives import serialization

from trading.domain.errors import DomainError
from trading.domain.sealing import holderkeys


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    monkeypatch.setattr(holderkeys, "SCRYPT_N", 2**10)


def counter_rng(seed: bytes = b"holder"):
    counter = itertools.count()

    def rng(size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(seed + next(counter).to_bytes(8, "big")).digest()
        return out[:size]

    return rng


def raw_private(key) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def raw_public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_generate_stores_everything_the_row_needs_and_no_plain_private_key():
    rng = counter_rng()
    blob = holderkeys.generate(7, "correct horse", rng)
    assert len(blob.public_key) == 32 and len(blob.salt) == 16 and len(blob.nonce) == 12
    assert (blob.scrypt_n, blob.scrypt_r, blob.scrypt_p, blob.version) == (2**10, 8, 1, 1)
    private = raw_private(holderkeys.unlock(blob, 7, "correct horse"))
    for value in dataclasses.astuple(blob):
        if isinstance(value, bytes):
            assert private not in value


def test_unlock_gives_the_key_pair_whose_public_half_is_stored():
    blob = holderkeys.generate("u-1", "correct horse", counter_rng())
    key = holderkeys.unlock(blob, "u-1", "correct horse")
    assert raw_public(key.public_key()) == blob.public_key == raw_public(holderkeys.public_key(blob))


def test_a_wrong_password_does_not_unlock():
    blob = holderkeys.generate(7, "correct horse", counter_rng())
    with pytest.raises(DomainError) as refused:
        holderkeys.unlock(blob, 7, "battery staple")
    assert refused.value.field == "password" and "does not unlock" in str(refused.value)


def test_another_users_id_does_not_unlock_a_copied_blob():
    blob = holderkeys.generate(7, "correct horse", counter_rng())
    with pytest.raises(DomainError):
        holderkeys.unlock(blob, 8, "correct horse")


def test_a_swapped_public_key_does_not_unlock():
    blob = holderkeys.generate(7, "correct horse", counter_rng())
    other = holderkeys.generate(7, "correct horse", counter_rng(b"other"))
    with pytest.raises(DomainError):
        holderkeys.unlock(dataclasses.replace(blob, public_key=other.public_key), 7, "correct horse")


def test_rewrap_keeps_the_key_pair_and_changes_salt_nonce_and_password():
    rng = counter_rng()
    blob = holderkeys.generate(7, "old password", rng)
    new = holderkeys.rewrap(blob, 7, "old password", "new password", rng)
    assert new.public_key == blob.public_key
    assert new.salt != blob.salt and new.nonce != blob.nonce
    assert raw_private(holderkeys.unlock(new, 7, "new password")) == raw_private(
        holderkeys.unlock(blob, 7, "old password"))
    with pytest.raises(DomainError):
        holderkeys.unlock(new, 7, "old password")


def test_rewrap_refuses_the_wrong_old_password():
    blob = holderkeys.generate(7, "old password", counter_rng())
    with pytest.raises(DomainError) as refused:
        holderkeys.rewrap(blob, 7, "guess", "new password", counter_rng(b"2"))
    assert refused.value.field == "password"


def test_scrypt_cost_is_stored_so_it_can_be_raised_later(monkeypatch):
    blob = holderkeys.generate(7, "old password", counter_rng())
    monkeypatch.setattr(holderkeys, "SCRYPT_N", 2**11)
    assert holderkeys.unlock(blob, 7, "old password")  # still opens with the cost it was made with
    new = holderkeys.rewrap(blob, 7, "old password", "new password", counter_rng(b"2"))
    assert new.scrypt_n == 2**11 and holderkeys.unlock(new, 7, "new password")


def test_an_empty_password_is_refused():
    with pytest.raises(DomainError) as refused:
        holderkeys.generate(7, "", counter_rng())
    assert refused.value.field == "password"

