"""The opening-key ceremony: k-of-n shares sealed to the holders, no secret left behind, no early opening."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from trading.domain.errors import DomainError
from trading.domain.sealing import ceremony
from trading.domain.sealing.ceremony import Holder, OpenedShare

LOT = "E3301000001000001001"
DEADLINE = datetime(2025, 6, 2, 1, 30, tzinfo=UTC)
AFTER = DEADLINE + timedelta(seconds=1)


class RecordingRng:
    """A deterministic random source that remembers everything it handed out."""

    def __init__(self, seed: bytes = b"ceremony"):
        self.seed, self.counter, self.given = seed, itertools.count(), []

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(self.seed + next(self.counter).to_bytes(8, "big")).digest()
        self.given.append(out[:size])
        return out[:size]


def raw(key) -> bytes:
    if isinstance(key, X25519PrivateKey):
        return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.fixture
def holder_keys():
    return {role: X25519PrivateKey.from_private_bytes(hashlib.sha256(role.encode()).digest())
            for role in ceremony.DEFAULT_ROLES}


@pytest.fixture
def holders(holder_keys):
    return [Holder(holder_id=f"user-{role}", role=role, public_key=raw(key.public_key()))
            for role, key in holder_keys.items()]


@pytest.fixture
def result(holders):
    return ceremony.run(LOT, holders, ceremony.DEFAULT_K, RecordingRng())


def opened_all(result, holder_keys):
    return [ceremony.open_share(share, LOT, holder_keys[share.role]) for share in result.shares]


def share_hashes(result):
    return {share.index: share.share_hash for share in result.shares}


def rebuild(result, opened, now=AFTER):
    return ceremony.reconstruct(LOT, opened, k=result.k, expected_public_key=result.public_key,
                                share_hashes=share_hashes(result), now=now, deadline=DEADLINE)


def all_bytes(value):
    """Every bytes/str value reachable from a CeremonyResult, as bytes."""
    if isinstance(value, bytes):
        yield value
    elif isinstance(value, str):
        yield value.encode()
        yield bytes.fromhex(value) if all(c in "0123456789abcdef" for c in value) and len(value) % 2 == 0 else b""
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from all_bytes(getattr(value, field.name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from all_bytes(item)


def test_the_defaults_are_two_of_three_host_supervisor_tenderee():
    assert (ceremony.DEFAULT_K, ceremony.DEFAULT_N) == (2, 3)
    assert ceremony.DEFAULT_ROLES == ("host", "supervisor", "tenderee")


def test_derive_keypair_is_deterministic_and_bound_to_the_lot():
    secret = bytes(range(16))
    key_a, public_a = ceremony.derive_keypair(secret, LOT)
    key_b, public_b = ceremony.derive_keypair(secret, LOT)
    assert raw(key_a) == raw(key_b) and public_a == public_b == raw(key_a.public_key())
    assert ceremony.derive_keypair(secret, LOT + "X")[1] != public_a
    assert ceremony.derive_keypair(bytes(16), LOT)[1] != public_a


def test_the_result_holds_no_secret_and_no_private_key(holders):
    rng = RecordingRng()
    result = ceremony.run(LOT, holders, 2, rng)
    secret = rng.given[0]
    assert len(secret) == 16
    private = raw(ceremony.derive_keypair(secret, LOT)[0])
    assert ceremony.derive_keypair(secret, LOT)[1] == result.public_key  # the captured secret is the real one
    for blob in all_bytes(result):
        for window in (blob[i:i + 16] for i in range(max(len(blob) - 15, 0))):
            assert window != secret
        assert private not in blob


def test_the_result_describes_the_ceremony(result, holders):
    assert (result.k, result.n, len(result.shares)) == (2, 3, 3)
    assert [share.holder_id for share in result.shares] == [holder.holder_id for holder in holders]
    assert [share.role for share in result.shares] == list(ceremony.DEFAULT_ROLES)
    assert sorted(share.index for share in result.shares) == [1, 2, 3]
    digest = hashlib.sha256(result.public_key).hexdigest()[:32]
    assert result.fingerprint.replace(" ", "") == digest and len(result.fingerprint.split(" ")) == 8
    assert all(len(share.share_hash) == 64 for share in result.shares)


@pytest.mark.parametrize("pick", list(itertools.combinations(range(3), 2)) + [(0, 1, 2)])
def test_any_k_shares_rebuild_the_published_key(result, holder_keys, pick):
    opened = opened_all(result, holder_keys)
    key = rebuild(result, [opened[i] for i in pick])
    assert raw(key.public_key()) == result.public_key


def test_k_minus_one_shares_are_refused_saying_how_many_more(result, holder_keys):
    opened = opened_all(result, holder_keys)
    with pytest.raises(DomainError) as refused:
        rebuild(result, opened[:1])
    assert refused.value.field == "shares" and refused.value.params["more"] == 1


def test_the_same_share_twice_does_not_count_twice(result, holder_keys):
    opened = opened_all(result, holder_keys)
    with pytest.raises(DomainError) as refused:
        rebuild(result, [opened[0], opened[0]])
    assert refused.value.params["more"] == 1


def test_a_tampered_share_is_named_by_its_index(result, holder_keys):
    opened = opened_all(result, holder_keys)
    bad = OpenedShare(index=opened[1].index, share=bytes([opened[1].share[0] ^ 1]) + opened[1].share[1:])
    with pytest.raises(DomainError) as refused:
        rebuild(result, [opened[0], bad])
    assert refused.value.params["index"] == opened[1].index and str(opened[1].index) in str(refused.value)


def test_a_share_from_another_lot_is_refused(holders, holder_keys, result):
    other = ceremony.run("E3301000001000002001", holders, 2, RecordingRng(b"other"))
    foreign = ceremony.open_share(other.shares[1], "E3301000001000002001", holder_keys[other.shares[1].role])
    opened = opened_all(result, holder_keys)
    with pytest.raises(DomainError) as refused:
        rebuild(result, [opened[0], foreign])
    assert refused.value.params["index"] == foreign.index


def test_shares_that_do_not_rebuild_the_published_key_are_refused(result, holder_keys):
    opened = opened_all(result, holder_keys)
    with pytest.raises(DomainError) as refused:
        ceremony.reconstruct(LOT, opened, k=2, expected_public_key=bytes(32), share_hashes=share_hashes(result),
                             now=AFTER, deadline=DEADLINE)
    assert refused.value.field == "shares" and "published opening key" in str(refused.value)


@pytest.mark.parametrize("now", [DEADLINE - timedelta(seconds=1), DEADLINE - timedelta(days=3)])
def test_no_rebuilding_before_the_deadline_even_with_every_share(result, holder_keys, now):
    opened = opened_all(result, holder_keys)
    with pytest.raises(DomainError) as refused:
        rebuild(result, opened, now=now)
    assert refused.value.rule == "electronic.no_early_decrypt"
    assert "2025-06-02 09:30:00" in str(refused.value)  # the deadline, in Beijing time


def test_the_deadline_is_checked_before_the_shares(result):
    with pytest.raises(DomainError) as refused:
        rebuild(result, [], now=DEADLINE - timedelta(seconds=1))
    assert refused.value.rule == "electronic.no_early_decrypt"


def test_at_the_deadline_itself_rebuilding_is_allowed(result, holder_keys):
    assert rebuild(result, opened_all(result, holder_keys)[:2], now=DEADLINE)


def test_a_share_sealed_for_one_holder_cannot_be_opened_by_another(result, holder_keys):
    host_share = next(share for share in result.shares if share.role == ceremony.ROLE_HOST)
    with pytest.raises(DomainError) as refused:
        ceremony.open_share(host_share, LOT, holder_keys[ceremony.ROLE_SUPERVISOR])
    assert refused.value.field == "shares"


def test_a_share_cannot_be_opened_for_another_lot_or_relabelled(result, holder_keys):
    share = result.shares[0]
    with pytest.raises(DomainError):
        ceremony.open_share(share, "E3301000001000002001", holder_keys[share.role])
    with pytest.raises(DomainError):
        ceremony.open_share(dataclasses.replace(share, index=share.index + 1), LOT, holder_keys[share.role])
    with pytest.raises(DomainError):
        flipped = share.sealed[:-1] + bytes([share.sealed[-1] ^ 1])
        ceremony.open_share(dataclasses.replace(share, sealed=flipped), LOT, holder_keys[share.role])


@pytest.mark.parametrize("k, count", [(1, 3), (4, 3), (0, 3), (2, 1)])
def test_thresholds_that_cannot_protect_the_key_are_refused(holders, k, count):
    with pytest.raises(DomainError) as refused:
        ceremony.run(LOT, holders[:count], k, RecordingRng())
    assert refused.value.field in {"k", "holders"}


def test_a_holder_listed_twice_is_refused(holders):
    with pytest.raises(DomainError) as refused:
        ceremony.run(LOT, [holders[0], holders[0], holders[1]], 2, RecordingRng())
    assert refused.value.field == "holders"


def test_three_of_five_works():
    keys = [X25519PrivateKey.from_private_bytes(hashlib.sha256(b"%d" % i).digest()) for i in range(5)]
    five = [Holder(f"u{i}", "member", raw(key.public_key())) for i, key in enumerate(keys)]
    result = ceremony.run(LOT, five, 3, RecordingRng())
    opened = [ceremony.open_share(share, LOT, keys[i]) for i, share in enumerate(result.shares)]
    assert raw(rebuild(result, [opened[0], opened[2], opened[4]]).public_key()) == result.public_key
    with pytest.raises(DomainError):
        rebuild(result, opened[:2])


def test_holders_open_their_shares_with_their_password_protected_keys(monkeypatch):
    from trading.domain.sealing import holderkeys

    monkeypatch.setattr(holderkeys, "SCRYPT_N", 2**10)
    rng = RecordingRng(b"people")
    blobs = {role: holderkeys.generate(f"user-{role}", f"{role} password", rng) for role in ceremony.DEFAULT_ROLES}
    holders = [Holder(f"user-{role}", role, blob.public_key) for role, blob in blobs.items()]
    result = ceremony.run(LOT, holders, 2, rng)
    opened = [ceremony.open_share(share, LOT, holderkeys.unlock(blobs[share.role], share.holder_id,
                                                                 f"{share.role} password"))
              for share in result.shares[1:]]
    assert raw(rebuild(result, opened).public_key()) == result.public_key
