"""Receipts (回执) for submitted and withdrawn bids, signed with the platform's Ed25519 key.

A receipt is canonical JSON (UTF-8, sorted keys, no spaces) of exactly the fields of ``Receipt`` plus
``signature``: base64 of Ed25519 over ``SIGNATURE_CONTEXT`` + the canonical JSON of the other fields. It names
the envelope by its manifest hash and size only; the manifest holds hashes of ciphertext under secret keys (and,
in format versions 1 and 2, of plaintext under secret salts), so no hash of the plain price (or of anything else
in the bid) appears in a receipt.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, fields as dataclass_fields
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import N_, DomainError
from .layout import ENCRYPTED_BIDS, MAX_CODE, canonical_json, check_text, fingerprint

FORMAT = "trading-receipt/1"
SIGNATURE_CONTEXT = b"trading-receipt/1 signature\x00"
KINDS = ("submit", "withdraw")
_HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z", re.ASCII)


@dataclass(frozen=True)
class Receipt:
    """What the platform acknowledges: which envelope (manifest hash, size) it received for whom, when, as what."""

    receipt_id: str
    lot_code: str
    bidder_code: str
    manifest_hash: str
    envelope_size: int
    received_at: datetime
    audit_seq: int
    kind: str
    platform_key_fingerprint: str

    def as_fields(self) -> dict:
        """The signed fields as JSON values (``received_at`` as ISO 8601 UTC with microseconds and ``Z``)."""
        fields = {name: getattr(self, name) for name in _NAMES}  # flat values: asdict's deep copy is not needed
        fields["received_at"] = format_time(self.received_at)
        fields["format"] = FORMAT
        return fields


_NAMES = tuple(f.name for f in dataclass_fields(Receipt))


def format_time(value: datetime) -> str:
    """UTC time as the receipt writes it; a naive value is taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _refuse(message: str, **params) -> DomainError:
    return DomainError(message, field="receipt", rule=ENCRYPTED_BIDS, **params)


def _int(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _refuse(N_("The receipt's %(name)s is not valid."), name=name)
    return value


def _time(value) -> datetime:
    if isinstance(value, datetime):
        return datetime.fromisoformat(format_time(value))
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise _refuse(N_("The receipt's %(name)s is not valid."), name="received_at")
    return datetime.fromisoformat(value)


def _build(fields: dict, expected_keys: set[str]) -> Receipt:
    """Check the exact set of fields and each value; return the receipt."""
    if not isinstance(fields, dict) or set(fields) != expected_keys:
        raise _refuse(N_("The receipt does not have the fields of a receipt."))
    if fields.get("format", FORMAT) != FORMAT:
        raise _refuse(N_("The receipt's format is not %(format)s."), format=FORMAT)
    try:
        codes = [check_text(fields[name], name, MAX_CODE) for name in ("receipt_id", "lot_code", "bidder_code")]
    except DomainError:
        raise _refuse(N_("The receipt's codes are not valid.")) from None
    manifest_hash = fields["manifest_hash"]
    if not isinstance(manifest_hash, str) or not _HEX64.fullmatch(manifest_hash):
        raise _refuse(N_("The receipt's %(name)s is not valid."), name="manifest_hash")
    if fields["kind"] not in KINDS:
        raise _refuse(N_("The receipt's %(name)s is not valid."), name="kind")
    return Receipt(*codes, manifest_hash, _int(fields["envelope_size"], "envelope_size", 0),
                   _time(fields["received_at"]), _int(fields["audit_seq"], "audit_seq", 1), fields["kind"],
                   str(fields["platform_key_fingerprint"]))


_FIELDS = {"receipt_id", "lot_code", "bidder_code", "manifest_hash", "envelope_size", "received_at", "audit_seq",
           "kind", "platform_key_fingerprint", "format"}


def _public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


def sign_receipt(fields: dict, platform_key: Ed25519PrivateKey) -> dict:
    """The receipt as a JSON-ready dict with ``signature`` (base64); the key fingerprint and format are filled in."""
    own = fingerprint(_public_bytes(platform_key.public_key()))
    given = {"platform_key_fingerprint": own, "format": FORMAT, **fields}
    receipt = _build(given, _FIELDS)
    if receipt.platform_key_fingerprint != own:
        raise _refuse(N_("The receipt names another platform key."))
    signed = receipt.as_fields()
    signed["signature"] = base64.b64encode(platform_key.sign(SIGNATURE_CONTEXT + canonical_json(signed))).decode()
    return signed


def verify_receipt(data: dict, platform_public_key: Ed25519PublicKey | bytes) -> Receipt:
    """Check a receipt's fields and its signature under the platform's public key; return it or refuse."""
    if isinstance(platform_public_key, (bytes, bytearray)):
        platform_public_key = Ed25519PublicKey.from_public_bytes(bytes(platform_public_key))
    receipt = _build(data, _FIELDS | {"signature"})
    expected = fingerprint(_public_bytes(platform_public_key))
    if receipt.platform_key_fingerprint != expected:
        raise _refuse(N_("The receipt was signed with platform key %(found)s, not %(expected)s."),
                      found=receipt.platform_key_fingerprint[:80], expected=expected)
    signed = receipt.as_fields()
    if signed["received_at"] != data["received_at"]:
        raise _refuse(N_("The receipt's %(name)s is not valid."), name="received_at")
    try:
        signature = base64.b64decode(data["signature"], validate=True)
        platform_public_key.verify(signature, SIGNATURE_CONTEXT + canonical_json(signed))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        raise _refuse(N_("The receipt's signature is not valid.")) from None
    return receipt


def canonical_receipt(data: dict) -> bytes:
    """A receipt as the bytes to store or download (canonical JSON)."""
    return canonical_json(data)
