"""The platform's public keys as it publishes them at ``/keys`` (no login), for checking its signatures offline.

Each Ed25519 key is one file ``/keys/<name>.pub``: the raw 32-byte public key as 64 lowercase hex digits and a
newline, exactly what the verifiers' ``--beacon-key``, ``--gateway-key`` and ``--public-key`` take. The CA is
its X.509 certificate, ``/keys/ca.pem``. A fingerprint is the SHA-256 of the raw key (of the certificate's DER
for the CA), its first 32 hex digits in groups of 4, as the opening keys' fingerprints are written; each lot's
announcement lists them. The archive is signed with the receipt key, so ``archive.pub`` is ``receipts.pub``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization

from ..domain import pki
from ..domain.documents import KeyNotice
from ..domain.errors import N_
from ..keyring import Keyring


@dataclass(frozen=True)
class PublishedKey:
    """One published key: its file name, what it signs (English msgid and the Chinese the notices use), the file's
    text, its fingerprint, and the name of the key it is the same as (None if its own)."""

    name: str
    filename: str
    purpose: str
    purpose_zh: str
    text: str
    fingerprint: str
    same_as: str | None = None

    @property
    def mimetype(self) -> str:
        """How the file is served."""
        return "application/x-pem-file" if self.filename.endswith(".pem") else "text/plain"


def fingerprint(data: bytes) -> str:
    """SHA-256 of ``data``, the first 32 hex digits in groups of 4."""
    digest = hashlib.sha256(data).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def _raw(private_key) -> bytes:
    """The raw 32-byte public key of an Ed25519 private key."""
    return private_key.public_key().public_bytes_raw()


def _ed25519(name: str, raw: bytes, purpose: str, purpose_zh: str, same_as: str | None = None) -> PublishedKey:
    return PublishedKey(name, f"{name}.pub", purpose, purpose_zh, raw.hex() + "\n", fingerprint(raw), same_as)


def published(ring: Keyring) -> list[PublishedKey]:
    """Every key the platform publishes, from its keyring."""
    receipts = _raw(ring.receipt_key)
    ca = ring.ca_cert
    return [
        _ed25519("receipts", receipts, N_("Signs bid receipts and lot archives"), "投标回执和电子档案签名公钥"),
        _ed25519("archive", receipts, N_("Signs lot archives (the same key as receipts)"),
                 "电子档案签名公钥（同投标回执）", same_as="receipts"),
        _ed25519("beacon", _raw(ring.beacon_key),
                 N_("Signs the randomness beacon's pulses that decide expert draws"), "专家抽取随机信标签名公钥"),
        _ed25519("gateway", _raw(ring.gateway_key),
                 N_("Signs each expert-draw call's outcome and time (the voice-call gateway)"),
                 "专家抽取语音通知结果签名公钥"),
        PublishedKey("ca", "ca.pem", N_("The platform CA's certificate, which certifies bidders' signing keys"),
                     "交易平台CA证书", pki.certificate_pem(ca).decode(),
                     fingerprint(ca.public_bytes(serialization.Encoding.DER))),
    ]


def by_filename(ring: Keyring, filename: str) -> PublishedKey | None:
    """The published key served as ``filename`` (``beacon.pub``, ``ca.pem``, ...), or None."""
    return next((key for key in published(ring) if key.filename == filename), None)


def notices(ring: Keyring) -> tuple[KeyNotice, ...]:
    """The keys as an announcement lists them: Chinese purpose and fingerprint (the archive's shown once, with
    the receipts')."""
    return tuple(KeyNotice(key.purpose_zh, key.fingerprint) for key in published(ring)
                 if key.same_as is None)
