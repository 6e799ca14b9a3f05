"""A key holder's personal X25519 key pair, its private half stored encrypted under the holder's password.

The opening host, the supervisor and the tenderee representative each have one; the opening-key ceremony
seals each holder's Shamir share to the public half (see ``ceremony``). The database stores a
``HolderKeyBlob`` only, so a thief with the whole database learns nothing without the password:

* key-encryption key = scrypt(password UTF-8, salt 16 bytes, n, r, p) -> 32 bytes;
* encrypted private key = AES-256-GCM(kek, nonce 12 bytes, raw 32-byte X25519 private key,
  associated data = label, version, user id and public key, each length-prefixed).

The scrypt parameters travel with the blob so that ``SCRYPT_N`` can be raised later: old blobs still
unlock with the parameters they were made with, and ``rewrap`` (on a password change) uses the current ones.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from trading.domain.errors import N_, DomainError

# Read at call time, so the test suite (and a stronger deployment) can change them.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1

VERSION = 1
SALT_BYTES = 16
NONCE_BYTES = 12
KEY_BYTES = 32
_LABEL = b"trading/holder-key/v1"

Rng = Callable[[int], bytes]


@dataclass(frozen=True)
class HolderKeyBlob:
    """Everything the database row stores about one holder's key: public key, wrapped private key, KDF inputs."""

    version: int
    public_key: bytes  # raw X25519, 32 bytes
    encrypted_private_key: bytes  # AES-256-GCM ciphertext + 16-byte tag
    salt: bytes
    nonce: bytes
    scrypt_n: int
    scrypt_r: int
    scrypt_p: int


def _take(rng: Rng, size: int) -> bytes:
    """``size`` bytes from ``rng``, refusing a short answer."""
    data = rng(size)
    if len(data) != size:
        raise ValueError(f"the random source returned {len(data)} bytes, expected {size}")
    return bytes(data)


def _lp(data: bytes) -> bytes:
    """A length-prefixed field (4-byte big-endian length)."""
    return struct.pack(">I", len(data)) + data


def _associated_data(version: int, user_id: int | str, public_key: bytes) -> bytes:
    """The AES-GCM associated data: binds the wrapped key to its version, owner and public key."""
    return _LABEL + struct.pack(">H", version) + _lp(str(user_id).encode()) + _lp(public_key)


def _password_bytes(password: str) -> bytes:
    """The password as UTF-8, refusing an empty one."""
    if not password:
        raise DomainError(N_("Enter your password to use your key."), field="password")
    return password.encode("utf-8")


def _kek(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """The 32-byte key-encryption key derived from the password with scrypt."""
    return Scrypt(salt=salt, length=KEY_BYTES, n=n, r=r, p=p).derive(_password_bytes(password))


def _raw_public(private_key: X25519PrivateKey) -> bytes:
    """The raw 32 bytes of a private key's public half."""
    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _wrap(private_key: X25519PrivateKey, user_id: int | str, password: str, rng: Rng) -> HolderKeyBlob:
    """Encrypt ``private_key`` under ``password`` with fresh salt and nonce and the current scrypt cost."""
    n, r, p = SCRYPT_N, SCRYPT_R, SCRYPT_P
    salt, nonce = _take(rng, SALT_BYTES), _take(rng, NONCE_BYTES)
    public = _raw_public(private_key)
    raw = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    sealed = AESGCM(_kek(password, salt, n, r, p)).encrypt(nonce, raw, _associated_data(VERSION, user_id, public))
    del raw  # best effort: Python cannot guarantee the bytes are wiped from memory
    return HolderKeyBlob(version=VERSION, public_key=public, encrypted_private_key=sealed, salt=salt, nonce=nonce,
                         scrypt_n=n, scrypt_r=r, scrypt_p=p)


def generate(user_id: int | str, password: str, rng: Rng = os.urandom) -> HolderKeyBlob:
    """Make a new key pair for ``user_id`` and return it wrapped under ``password``."""
    _password_bytes(password)
    private_key = X25519PrivateKey.from_private_bytes(_take(rng, KEY_BYTES))
    return _wrap(private_key, user_id, password, rng)


def unlock(blob: HolderKeyBlob, user_id: int | str, password: str) -> X25519PrivateKey:
    """The holder's private key, or a refusal when the password (or the owner) does not match."""
    if blob.version != VERSION:
        raise DomainError(N_("This key was stored in format version %(version)s, which this platform cannot read."),
                          field="password", version=blob.version)
    kek = _kek(password, blob.salt, blob.scrypt_n, blob.scrypt_r, blob.scrypt_p)
    try:
        raw = AESGCM(kek).decrypt(blob.nonce, blob.encrypted_private_key,
                                  _associated_data(blob.version, user_id, blob.public_key))
    except InvalidTag:
        raise DomainError(N_("The password does not unlock this key."), field="password") from None
    private_key = X25519PrivateKey.from_private_bytes(raw)
    del raw
    if _raw_public(private_key) != blob.public_key:  # cannot happen unless the AEAD was bypassed; checked anyway
        raise DomainError(N_("The password does not unlock this key."), field="password")
    return private_key


def rewrap(blob: HolderKeyBlob, user_id: int | str, old_password: str, new_password: str,
           rng: Rng = os.urandom) -> HolderKeyBlob:
    """The same key pair wrapped under ``new_password`` with a new salt, nonce and the current scrypt cost."""
    _password_bytes(new_password)
    return _wrap(unlock(blob, user_id, old_password), user_id, new_password, rng)


def public_key(blob: HolderKeyBlob) -> X25519PublicKey:
    """The holder's public key, to seal shares to (no password needed)."""
    return X25519PublicKey.from_public_bytes(blob.public_key)
