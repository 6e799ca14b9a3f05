"""A key holder's personal X25519 key pair, and how its private half is kept.

The opening host, the supervisor and the tenderee representative each have one; the opening-key ceremony
seals each holder's Shamir share to the public half (see ``ceremony``). Two ways of keeping the private half:

* **on the holder's own computer** (the default for a real centre): ``new_key_file`` makes a key file
  encrypted under the holder's passphrase; the server stores the public key only;
* **on the server** (training centres): ``new_server_key`` wraps it under a separate *key-holder passphrase*,
  never the login password, and the database stores a ``PassphraseKey``.

Both wraps are the same (format version 2):

* key-encryption key = Argon2id(passphrase UTF-8, salt 16 bytes, time cost, memory, lanes) -> 32 bytes;
* encrypted private key = AES-256-GCM(kek, nonce 12 bytes, raw 32-byte X25519 private key,
  associated data = label, version, binding ("user:<id>" on the server, "file" in a key file), public key).

The Argon2id cost travels with the blob so that ``ARGON2_*`` can be raised later: old blobs still unlock
with the cost they were made with. ``check_passphrase`` refuses short and common passphrases.

Format version 1 (``HolderKeyBlob``, ``generate``, ``unlock``) is the legacy wrap under the holder's *login*
password with scrypt; such keys are no longer chosen for new lots and only release shares already sealed to them.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
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


def public_key(blob: HolderKeyBlob) -> X25519PublicKey:
    """The holder's public key, to seal shares to (no password needed)."""
    return X25519PublicKey.from_public_bytes(blob.public_key)


# --- format version 2: Argon2id under a key-holder passphrase --------------------------------------------------

# RFC 9106's second recommended setting (64 MiB, 3 passes, 4 lanes). Read at call time, so the test suite can lower
# them (tests/conftest.py) and a deployment can raise them; each blob keeps the cost it was made with.
DEFAULT_ARGON2 = (3, 64 * 1024, 4)  # time cost (passes), memory (KiB), lanes
ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM = DEFAULT_ARGON2
MIN_PASSPHRASE = 12
V2 = 2
_LABEL_V2 = b"trading/holder-key/v2"
KEY_FILE_FORMAT = "trading/holder-key-file/v2"
_COMMON_FILE = Path(__file__).resolve().parents[1] / "data" / "common-passwords.txt.gz"


@dataclass(frozen=True)
class PassphraseKey:
    """A private key wrapped under a passphrase with Argon2id (format 2), with its public key and KDF cost."""

    public_key: bytes
    encrypted_private_key: bytes
    salt: bytes
    nonce: bytes
    time_cost: int
    memory_kib: int
    parallelism: int


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw public key, first 32 hex digits in groups of 4 (the rule lot keys use too)."""
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased (see trading/domain/data/README.md)."""
    with gzip.open(_COMMON_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _repeats(text: str) -> bool:
    """True for a string that is one unit repeated (``aaaaaaaaaaaa``, ``abcabcabcabc``, ``passwordpassword``)."""
    return any(len(text) % size == 0 and text == text[:size] * (len(text) // size)
               for size in range(1, len(text) // 2 + 1))


def check_passphrase(passphrase: str, *, login_name: str | None = None, field: str = "passphrase") -> None:
    """Refuse a key-holder passphrase that a dictionary finds: under 12 characters, in the common-password list
    (also with digits or symbols stripped from its ends), one short unit repeated, or containing the login name."""
    text = passphrase or ""
    if len(text) < MIN_PASSPHRASE:
        raise DomainError(N_("A key-holder passphrase needs at least %(min)s characters."), field=field,
                          rule="electronic.no_early_decrypt", min=MIN_PASSPHRASE)
    lowered = text.lower()
    stripped = lowered.strip("0123456789!@#$%^&*()_+-=.,;:?~ ")
    words = common_passwords()
    if lowered in words or stripped in words or _repeats(lowered):
        raise DomainError(N_("This passphrase is in the list of common passwords that attackers try first: choose "
                             "another, e.g. several unrelated words."), field=field, rule="electronic.no_early_decrypt")
    if login_name and len(login_name) >= 3 and login_name.lower() in lowered:
        raise DomainError(N_("The passphrase must not contain your login name."), field=field,
                          rule="electronic.no_early_decrypt")


def _passphrase_bytes(passphrase: str) -> bytes:
    if not passphrase:
        raise DomainError(N_("Enter your key-holder passphrase."), field="passphrase")
    return passphrase.encode("utf-8")


def _argon2(passphrase: str, salt: bytes, time_cost: int, memory_kib: int, parallelism: int) -> bytes:
    """The 32-byte key-encryption key: Argon2id (argon2-cffi's low-level ``hash_secret_raw``)."""
    return hash_secret_raw(_passphrase_bytes(passphrase), salt, time_cost=time_cost, memory_cost=memory_kib,
                           parallelism=parallelism, hash_len=KEY_BYTES, type=Type.ID)


def _ad_v2(binding: str, public: bytes) -> bytes:
    return _LABEL_V2 + struct.pack(">H", V2) + _lp(binding.encode()) + _lp(public)


def wrap(private_key: X25519PrivateKey, passphrase: str, binding: str, rng: Rng = os.urandom) -> PassphraseKey:
    """``private_key`` encrypted under ``passphrase`` with fresh salt and nonce at the current Argon2id cost."""
    t, m, p = ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM
    salt, nonce = _take(rng, SALT_BYTES), _take(rng, NONCE_BYTES)
    public = _raw_public(private_key)
    raw = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    sealed = AESGCM(_argon2(passphrase, salt, t, m, p)).encrypt(nonce, raw, _ad_v2(binding, public))
    del raw
    return PassphraseKey(public, sealed, salt, nonce, t, m, p)


def unwrap(blob: PassphraseKey, passphrase: str, binding: str) -> X25519PrivateKey:
    """The private key of a format-2 blob, or a refusal naming the passphrase."""
    kek = _argon2(passphrase, blob.salt, blob.time_cost, blob.memory_kib, blob.parallelism)
    try:
        raw = AESGCM(kek).decrypt(blob.nonce, blob.encrypted_private_key, _ad_v2(binding, blob.public_key))
    except InvalidTag:
        raise DomainError(N_("The passphrase does not unlock this key."), field="passphrase") from None
    private_key = X25519PrivateKey.from_private_bytes(raw)
    del raw
    if _raw_public(private_key) != blob.public_key:
        raise DomainError(N_("The passphrase does not unlock this key."), field="passphrase")
    return private_key


def new_server_key(user_id: int | str, passphrase: str, rng: Rng = os.urandom) -> PassphraseKey:
    """A new key pair for ``user_id``, wrapped for the server under the key-holder passphrase."""
    _passphrase_bytes(passphrase)
    return wrap(X25519PrivateKey.from_private_bytes(_take(rng, KEY_BYTES)), passphrase, f"user:{user_id}", rng)


def unlock_server_key(blob: PassphraseKey, user_id: int | str, passphrase: str) -> X25519PrivateKey:
    """The private key of a server-kept blob (bound to its owner, so a row copied to another user does not open)."""
    return unwrap(blob, passphrase, f"user:{user_id}")


def new_key_file(passphrase: str, rng: Rng = os.urandom) -> tuple[bytes, bytes]:
    """A new key pair as the holder keeps it on its own computer: (key file bytes, raw public key)."""
    _passphrase_bytes(passphrase)
    blob = wrap(X25519PrivateKey.from_private_bytes(_take(rng, KEY_BYTES)), passphrase, "file", rng)
    document = {"format": KEY_FILE_FORMAT, "public_key": blob.public_key.hex(),
                "fingerprint": fingerprint(blob.public_key),
                "kdf": {"name": "argon2id", "time_cost": blob.time_cost, "memory_kib": blob.memory_kib,
                        "parallelism": blob.parallelism, "salt": blob.salt.hex()},
                "nonce": blob.nonce.hex(), "encrypted_private_key": blob.encrypted_private_key.hex()}
    return (json.dumps(document, indent=2) + "\n").encode(), blob.public_key


def _key_file_blob(data: bytes) -> PassphraseKey:
    """The blob inside a key file, refusing anything else."""
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != KEY_FILE_FORMAT or document["kdf"]["name"] != "argon2id":
            raise ValueError("format")
        kdf = document["kdf"]
        return PassphraseKey(bytes.fromhex(document["public_key"]), bytes.fromhex(document["encrypted_private_key"]),
                             bytes.fromhex(kdf["salt"]), bytes.fromhex(document["nonce"]), int(kdf["time_cost"]),
                             int(kdf["memory_kib"]), int(kdf["parallelism"]))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        raise DomainError(N_("This is not a key-holder key file made by the sealing tool."), field="key") from None


def key_file_public_key(data: bytes) -> bytes:
    """The raw public key recorded in a key file (no passphrase needed)."""
    return _key_file_blob(data).public_key


def open_key_file(data: bytes, passphrase: str) -> X25519PrivateKey:
    """The private key in a key file made by ``new_key_file``."""
    return unwrap(_key_file_blob(data), passphrase, "file")


def parse_public_key(text: str) -> bytes:
    """A holder's uploaded public key: 64 hex digits (as the tool prints it) or an X25519 PEM public key."""
    value = (text or "").strip()
    if value.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(value.encode())
        except ValueError:
            key = None
        if isinstance(key, X25519PublicKey):
            return key.public_bytes_raw()
    else:
        compact = "".join(value.split())
        if len(compact) == 2 * KEY_BYTES:
            try:
                return bytes.fromhex(compact)
            except ValueError:
                pass
    raise DomainError(N_("Paste the public key the sealing tool printed (64 hexadecimal digits)."), field="public_key")
