"""A key holder's personal X25519 key: the Argon2id key-holder passphrase wrap (server-kept blobs and the key file a
holder keeps on its own computer), the passphrase policy, and the legacy scrypt login-password wrap (format 1)."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools

import pytest
from cryptography.hazmat.primitives import serialization

from trading.domain.errors import DomainError
from trading.domain.sealing import holderkeys


@pytest.fixture(autouse=True)
def cheap_kdfs(monkeypatch):
    monkeypatch.setattr(holderkeys, "SCRYPT_N", 2**10)
    monkeypatch.setattr(holderkeys, "ARGON2_TIME_COST", 1)
    monkeypatch.setattr(holderkeys, "ARGON2_MEMORY_KIB", 64)
    monkeypatch.setattr(holderkeys, "ARGON2_PARALLELISM", 1)


STRONG = "otter lantern quarry 47"


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


def test_legacy_scrypt_cost_is_stored_so_old_blobs_still_open(monkeypatch):
    blob = holderkeys.generate(7, "old password", counter_rng())
    monkeypatch.setattr(holderkeys, "SCRYPT_N", 2**11)
    assert holderkeys.unlock(blob, 7, "old password")  # still opens with the cost it was made with


def test_an_empty_password_is_refused():
    with pytest.raises(DomainError) as refused:
        holderkeys.generate(7, "", counter_rng())
    assert refused.value.field == "password"



# --- format 2: Argon2id under the key-holder passphrase ------------------------------------------------------


def test_a_server_kept_key_opens_with_its_passphrase_only_and_for_its_owner_only():
    blob = holderkeys.new_server_key(7, STRONG, counter_rng())
    key = holderkeys.unlock_server_key(blob, 7, STRONG)
    assert raw_public(key.public_key()) == blob.public_key
    assert raw_private(key) not in blob.encrypted_private_key
    for user, passphrase in ((7, STRONG + "x"), (8, STRONG)):  # a wrong guess; the row copied to another user
        with pytest.raises(DomainError) as refused:
            holderkeys.unlock_server_key(blob, user, passphrase)
        assert refused.value.field == "passphrase"


def test_the_argon2_cost_is_stored_with_the_blob_so_it_can_be_raised(monkeypatch):
    blob = holderkeys.new_server_key(7, STRONG, counter_rng())
    assert (blob.time_cost, blob.memory_kib, blob.parallelism) == (1, 64, 1)
    monkeypatch.setattr(holderkeys, "ARGON2_TIME_COST", 2)
    monkeypatch.setattr(holderkeys, "ARGON2_MEMORY_KIB", 128)
    assert holderkeys.unlock_server_key(blob, 7, STRONG)  # opens with the cost it was made with
    assert holderkeys.new_server_key(7, STRONG, counter_rng(b"2")).memory_kib == 128


def test_the_deployed_cost_is_memory_hard():
    """The defaults docs/SECURITY.md states: Argon2id with 64 MiB and 3 passes (RFC 9106's second recommendation)."""
    time_cost, memory_kib, lanes = holderkeys.DEFAULT_ARGON2
    assert memory_kib >= 64 * 1024 and time_cost >= 3 and lanes >= 1


def test_a_key_file_keeps_the_public_key_readable_and_the_private_key_sealed():
    data, public = holderkeys.new_key_file(STRONG, counter_rng())
    assert holderkeys.key_file_public_key(data) == public
    key = holderkeys.open_key_file(data, STRONG)
    assert raw_public(key.public_key()) == public and raw_private(key).hex().encode() not in data
    with pytest.raises(DomainError):
        holderkeys.open_key_file(data, "not the passphrase")
    with pytest.raises(DomainError) as refused:
        holderkeys.open_key_file(b"-----BEGIN PRIVATE KEY-----", STRONG)
    assert refused.value.field == "key"


def test_a_key_file_blob_does_not_open_as_a_server_blob():
    """The wraps are bound to where they live: a key file's ciphertext is no server row and vice versa."""
    data, _ = holderkeys.new_key_file(STRONG, counter_rng())
    import json

    document = json.loads(data)
    blob = holderkeys.PassphraseKey(bytes.fromhex(document["public_key"]),
                                    bytes.fromhex(document["encrypted_private_key"]),
                                    bytes.fromhex(document["kdf"]["salt"]), bytes.fromhex(document["nonce"]), 1, 64, 1)
    with pytest.raises(DomainError):
        holderkeys.unlock_server_key(blob, 7, STRONG)


@pytest.mark.parametrize("passphrase", ["short1", "password12345678", "iloveyou1234!!", "Qwertyuiop123",
                                        "aaaaaaaaaaaaaaaa", "passwordpassword", "abcabcabcabc"])
def test_weak_passphrases_are_refused(passphrase):
    with pytest.raises(DomainError) as refused:
        holderkeys.check_passphrase(passphrase)
    assert refused.value.field == "passphrase" and refused.value.rule == "electronic.no_early_decrypt"


def test_a_passphrase_containing_the_login_name_is_refused():
    with pytest.raises(DomainError):
        holderkeys.check_passphrase("supervisor-key-2026", login_name="supervisor")
    holderkeys.check_passphrase(STRONG, login_name="supervisor")


def test_the_common_password_list_is_shipped():
    words = holderkeys.common_passwords()
    assert len(words) > 19000 and "password" in words and "iloveyou" in words


def test_a_public_key_is_accepted_as_printed_by_the_tool_or_as_pem():
    _, public = holderkeys.new_key_file(STRONG, counter_rng())
    assert holderkeys.parse_public_key(public.hex()) == public
    assert holderkeys.parse_public_key(" ".join(public.hex()[i:i + 8] for i in range(0, 64, 8))) == public
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    pem = X25519PublicKey.from_public_bytes(public).public_bytes(serialization.Encoding.PEM,
                                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    assert holderkeys.parse_public_key(pem.decode()) == public
    for wrong in ("", "zz" * 32, public.hex()[:-2]):
        with pytest.raises(DomainError) as refused:
            holderkeys.parse_public_key(wrong)
        assert refused.value.field == "public_key"
