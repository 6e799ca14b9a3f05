"""The opening-key ceremony: a lot's opening key split among its key holders, recombined only after the deadline.

At announcement (DESIGN §4 step 1) ``run`` draws a random 16-byte secret ``s``, derives the lot's X25519
opening key pair from it (HKDF-SHA256 bound to the lot code), splits ``s`` k-of-n with Shamir secret sharing
(pycryptodome), seals each share to its holder's personal X25519 key with HPKE (RFC 9180:
DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM; info bound to lot, holder and share index) and returns
only the public key, the sealed shares and a hash of each share for the audit log. ``s`` and the private key
are dropped.

At the opening (step 4) each holder unlocks its personal key and ``open_share`` opens its share;
``reconstruct`` refuses before the deadline, checks every share against its logged hash, recombines ``s``,
re-derives the key pair and checks it against the published public key.

Python cannot guarantee that secret bytes are wiped from memory (``bytes`` are immutable and may be copied
by the interpreter or the libraries); this module deletes its references as soon as it can, which is the most
it can do. Secrets never leave the function that made them except as HPKE ciphertexts.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from Crypto.Protocol.SecretSharing import Shamir
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from trading.domain.calendar import to_local
from trading.domain.errors import N_, DomainError

ROLE_HOST = "host"  # 开标主持人
ROLE_SUPERVISOR = "supervisor"  # 监督人员
ROLE_TENDEREE = "tenderee"  # 招标人代表
DEFAULT_ROLES = (ROLE_HOST, ROLE_SUPERVISOR, ROLE_TENDEREE)
DEFAULT_K = 2
DEFAULT_N = len(DEFAULT_ROLES)

SECRET_BYTES = 16  # what pycryptodome's Shamir shares
VERSION = 1
_KEY_LABEL = b"trading/opening-key/v1"
_SHARE_LABEL = b"trading/opening-share/v1"
_HASH_LABEL = b"trading/share-hash/v1"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class Holder:
    """A key holder taking part in the ceremony: who, in which role, and its personal public key (raw 32 bytes)."""

    holder_id: str
    role: str
    public_key: bytes


@dataclass(frozen=True)
class SealedShare:
    """One Shamir share sealed to its holder with HPKE (``sealed`` = encapsulated key + ciphertext + tag)."""

    holder_id: str
    role: str
    index: int
    sealed: bytes
    share_hash: str


@dataclass(frozen=True)
class CeremonyResult:
    """What the ceremony leaves behind: the public opening key, its fingerprint and the sealed shares; no secret."""

    public_key: bytes
    fingerprint: str
    k: int
    n: int
    shares: list[SealedShare]


@dataclass(frozen=True)
class OpenedShare:
    """A share opened by its holder at the opening: its Shamir index and 16 bytes."""

    index: int
    share: bytes


def _lp(data: bytes) -> bytes:
    """A length-prefixed field (4-byte big-endian length)."""
    return struct.pack(">I", len(data)) + data


def _raw_public(key: X25519PrivateKey | X25519PublicKey) -> bytes:
    """The raw 32 bytes of an X25519 public key (or of a private key's public half)."""
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw public key, first 32 hex digits in groups of 4."""
    # Must give exactly the same text as envelope.fingerprint (defined there by the same rule); kept separate
    # only because both modules were written at the same time. Lot pages and documents show this string.
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def derive_keypair(secret: bytes, lot_code: str) -> tuple[X25519PrivateKey, bytes]:
    """The lot's opening key pair derived from ``secret`` (HKDF-SHA256 bound to the lot code): key and raw public."""
    if len(secret) != SECRET_BYTES:
        raise ValueError(f"the ceremony secret is {SECRET_BYTES} bytes, not {len(secret)}")
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=_KEY_LABEL,
                info=_KEY_LABEL + b"\x00" + lot_code.encode("utf-8")).derive(secret)
    private_key = X25519PrivateKey.from_private_bytes(seed)
    del seed
    return private_key, _raw_public(private_key)


def _share_info(lot_code: str, holder_id: str, index: int) -> bytes:
    """The HPKE info for one share: binds it to its lot, holder and index."""
    return _SHARE_LABEL + _lp(lot_code.encode("utf-8")) + _lp(holder_id.encode("utf-8")) + struct.pack(">H", index)


def share_hash(lot_code: str, index: int, share: bytes) -> str:
    """The hex SHA-256 of a share, domain-separated and bound to lot and index: what the audit log records."""
    return hashlib.sha256(_HASH_LABEL + _lp(lot_code.encode("utf-8")) + struct.pack(">H", index)
                          + _lp(bytes(share))).hexdigest()


def check_threshold(k: int, n: int) -> None:
    """Refuse a k-of-n that cannot protect the key: at least two holders, 2 <= k <= n."""
    if n < 2:
        raise DomainError(N_("The opening key needs at least 2 key holders; %(n)s were given."), field="holders",
                          rule="electronic.no_early_decrypt", n=n)
    if k < 2 or k > n:
        raise DomainError(N_("The number of shares needed must be between 2 and %(n)s; %(k)s was given."),
                          field="k", rule="electronic.no_early_decrypt", k=k, n=n)


def _check_holders(holders: list[Holder]) -> None:
    """Refuse duplicate holders and public keys that are not X25519 keys."""
    seen: set[str] = set()
    for holder in holders:
        if holder.holder_id in seen:
            raise DomainError(N_("The key holder %(holder)s is listed twice."), field="holders",
                              holder=holder.holder_id)
        seen.add(holder.holder_id)
        try:
            X25519PublicKey.from_public_bytes(holder.public_key)
        except ValueError:
            raise DomainError(N_("The key holder %(holder)s has no usable personal key."), field="holders",
                              holder=holder.holder_id) from None


def run(lot_code: str, holders: list[Holder], k: int = DEFAULT_K, rng: Rng = os.urandom) -> CeremonyResult:
    """Make the lot's opening key, split its secret k-of-n among ``holders`` and seal each share; drop the secret."""
    n = len(holders)
    check_threshold(k, n)
    _check_holders(holders)
    secret = bytes(rng(SECRET_BYTES))
    if len(secret) != SECRET_BYTES:
        raise ValueError(f"the random source returned {len(secret)} bytes, expected {SECRET_BYTES}")
    private_key, public = derive_keypair(secret, lot_code)
    # pycryptodome draws the polynomial's coefficients from its own CSPRNG, not from ``rng``.
    split = Shamir.split(k, n, secret)
    sealed: list[SealedShare] = []
    for holder, (index, share) in zip(holders, split, strict=True):
        recipient = X25519PublicKey.from_public_bytes(holder.public_key)
        ciphertext = _SUITE.encrypt(share, recipient, info=_share_info(lot_code, holder.holder_id, index))
        sealed.append(SealedShare(holder_id=holder.holder_id, role=holder.role, index=index, sealed=ciphertext,
                                  share_hash=share_hash(lot_code, index, share)))
    # Drop every reference to the secret material (no zeroisation is possible in Python, see the module doc).
    del secret, private_key, split, share
    return CeremonyResult(public_key=public, fingerprint=_fingerprint(public), k=k, n=n, shares=sealed)


def open_share(sealed: SealedShare, lot_code: str, holder_private_key: X25519PrivateKey) -> OpenedShare:
    """Open a holder's share with its personal private key; a share sealed for another holder or lot is refused."""
    try:
        share = _SUITE.decrypt(sealed.sealed, holder_private_key,
                               info=_share_info(lot_code, sealed.holder_id, sealed.index))
    except (InvalidTag, ValueError):
        raise DomainError(N_("Share %(index)s cannot be opened with this key: it was sealed for another holder "
                             "or another lot."), field="shares", index=sealed.index, holder=sealed.holder_id) from None
    if share_hash(lot_code, sealed.index, share) != sealed.share_hash:
        raise DomainError(N_("Share %(index)s does not match its recorded hash."), field="shares",
                          index=sealed.index, holder=sealed.holder_id)
    return OpenedShare(index=sealed.index, share=share)


def _show(moment: datetime) -> str:
    """A time as shown in refusals: local, to the second."""
    return to_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def reconstruct(lot_code: str, opened: list[OpenedShare], *, k: int, expected_public_key: bytes,
                share_hashes: dict[int, str], now: datetime, deadline: datetime) -> X25519PrivateKey:
    """Recombine the lot's opening key from k opened shares, only after the deadline and only if it is the right one."""
    if now < deadline:  # before anything is looked at, let alone combined
        raise DomainError(N_("The opening key cannot be recombined before the bid deadline, %(deadline)s."),
                          field="deadline", rule="electronic.no_early_decrypt", deadline=_show(deadline))
    good: dict[int, bytes] = {}
    for item in opened:
        expected = share_hashes.get(item.index)
        if expected is None:
            raise DomainError(N_("Share %(index)s was not issued for this lot."), field="shares", index=item.index)
        if share_hash(lot_code, item.index, item.share) != expected:
            raise DomainError(N_("Share %(index)s does not match its recorded hash."), field="shares",
                              index=item.index)
        good[item.index] = item.share
    if len(good) < k:
        raise DomainError(N_("%(k)s shares are needed to open the bids; %(more)s more must be released."),
                          field="shares", k=k, more=k - len(good), have=len(good))
    chosen = [(index, good[index]) for index in sorted(good)[:k]]  # Shamir.combine wants exactly k shares
    secret = Shamir.combine(chosen)
    private_key, public = derive_keypair(secret, lot_code)
    del secret, chosen, good
    if public != expected_public_key:
        raise DomainError(N_("The recombined key does not match the published opening key %(fingerprint)s."),
                          field="shares", rule="electronic.decryption_failure",
                          fingerprint=_fingerprint(expected_public_key))
    return private_key
