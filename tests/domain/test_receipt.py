"""Receipts: signed by the platform's key, verified offline, refusing any changed or unexpected field."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from trading.domain.errors import DomainError
from trading.domain.sealing import Receipt, fingerprint, sign_receipt, verify_receipt
from trading.domain.sealing.receipt import canonical_receipt

PLATFORM = ed25519.Ed25519PrivateKey.generate()
FIELDS = {
    "receipt_id": "R-2026-000123",
    "lot_code": "4212002026JS0001-1",
    "bidder_code": "91420100MA4K000001",
    "manifest_hash": "ab" * 32,
    "envelope_size": 123456,
    "received_at": datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC),
    "audit_seq": 42,
    "kind": "submit",
}


def signed(**changes) -> dict:
    return sign_receipt({**FIELDS, **changes}, PLATFORM)


def test_sign_and_verify():
    """A signed receipt verifies under the platform's public key and reads back as a Receipt."""
    data = signed()
    receipt = verify_receipt(data, PLATFORM.public_key())
    assert isinstance(receipt, Receipt)
    assert receipt.received_at == FIELDS["received_at"]
    assert data["received_at"] == "2026-03-02T09:30:00.123456Z"
    assert data["platform_key_fingerprint"] == fingerprint(PLATFORM.public_key().public_bytes_raw())
    assert data["format"] == "trading-receipt/1"
    assert len(base64.b64decode(data["signature"])) == 64
    assert verify_receipt(json.loads(canonical_receipt(data)), PLATFORM.public_key().public_bytes_raw()) == receipt


def test_withdrawal_receipt_and_local_times():
    """A withdrawal is receipted the same way; an aware local time is stored in UTC, a naive one taken as UTC."""
    beijing = timezone(timedelta(hours=8))
    data = signed(kind="withdraw", received_at=datetime(2026, 3, 2, 17, 30, tzinfo=beijing))
    assert data["received_at"] == "2026-03-02T09:30:00.000000Z"
    assert signed(received_at=datetime(2026, 3, 2, 9, 30))["received_at"] == data["received_at"]
    assert verify_receipt(data, PLATFORM.public_key()).kind == "withdraw"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("receipt_id", "R-2026-000124"),
        ("lot_code", "4212002026JS0002-1"),
        ("bidder_code", "91420100MA4K000002"),
        ("manifest_hash", "cd" * 32),
        ("envelope_size", 123457),
        ("received_at", "2026-03-02T09:30:01.123456Z"),
        ("audit_seq", 43),
        ("kind", "withdraw"),
    ],
)
def test_any_changed_field_breaks_the_signature(field, value):
    """Every field is signed."""
    data = signed()
    data[field] = value
    with pytest.raises(DomainError, match="signature") as caught:
        verify_receipt(data, PLATFORM.public_key())
    assert caught.value.field == "receipt" and caught.value.rule == "electronic.encrypted_bids"


@pytest.mark.parametrize(
    "change",
    [
        {"price_hash": "00" * 32},
        {"signature": "not base64!"},
        {"signature": base64.b64encode(b"\x00" * 64).decode()},
        {"manifest_hash": "AB" * 32},
        {"envelope_size": True},
        {"audit_seq": 0},
        {"kind": "replace"},
        {"received_at": "2026-03-02 09:30:00"},
        {"received_at": "2026-03-02T17:30:00.000000+08:00"},
        {"format": "trading-receipt/2"},
    ],
)
def test_malformed_receipts_are_refused(change):
    """Extra fields (such as a price hash), bad encodings and impossible values are refused."""
    data = {**signed(), **change}
    with pytest.raises(DomainError):
        verify_receipt(data, PLATFORM.public_key())


def test_missing_field_is_refused():
    data = signed()
    del data["audit_seq"]
    with pytest.raises(DomainError, match="fields"):
        verify_receipt(data, PLATFORM.public_key())


def test_another_platform_key_is_refused():
    """A receipt checked against another key names both fingerprints; a forged fingerprint fails the signature."""
    other = ed25519.Ed25519PrivateKey.generate()
    with pytest.raises(DomainError, match="signed with platform key"):
        verify_receipt(signed(), other.public_key())
    forged = {**FIELDS, "platform_key_fingerprint": fingerprint(PLATFORM.public_key().public_bytes_raw())}
    with pytest.raises(DomainError):
        sign_receipt(forged, other)
    data = signed()
    data["signature"] = sign_receipt(FIELDS, other)["signature"]
    with pytest.raises(DomainError, match="signature"):
        verify_receipt(data, PLATFORM.public_key())


def test_sign_refuses_fields_a_receipt_must_not_carry():
    """The platform cannot put anything else (e.g. a hash of the price) into a receipt."""
    with pytest.raises(DomainError):
        sign_receipt({**FIELDS, "price_sha256": hashlib.sha256(b"12345678.90").hexdigest()}, PLATFORM)
    with pytest.raises(DomainError):
        sign_receipt({k: v for k, v in FIELDS.items() if k != "kind"}, PLATFORM)
