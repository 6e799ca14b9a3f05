"""The platform's keyring: its CA, its signing keys and its at-rest key, loaded once per app.

Every private key in ``instance/keys/`` is stored wrapped under a key-encryption key (KEK) that is *not* in the
instance folder: ``TRADING_KEK`` (hex or base64 of 32 bytes) or ``TRADING_KEK_FILE`` (a file holding that text,
outside ``instance/``, readable by its owner only; ``make run`` creates ``~/.config/trading-platform/kek``).
A thief with the database and ``instance/`` but not the KEK gets no platform key (docs/SECURITY.md).

A wrapped key file is AES-256-GCM of the key bytes under a key derived from the KEK, with the key's purpose as
associated data, so a file renamed to another purpose does not load. An unencrypted PEM left by an older
install is wrapped in place on the first start. Adding a signing key is one line in ``SIGNING_KEYS``.

``python -m trading.keyring new-kek FILE`` creates a KEK file (used by ``make run``).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import os
import sys
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .domain import pki

CA_NAME = "公共资源交易平台 CA"
CA_KEY_FILE, CA_CERT_FILE, AT_REST_FILE = "ca.key.pem", "ca.pem", "at-rest.key"
# The platform's Ed25519 signing keys: name -> file in instance/keys. Adding a key is one line here.
SIGNING_KEYS = {
    "receipts": "receipts.key.pem",  # signs bid receipts and archives
    "beacon": "beacon.key.pem",  # signs the simulated randomness beacon's pulses
    "gateway": "gateway.key.pem",  # signs each draw call's outcome and time (the voice-call gateway)
}

KEK_BYTES = 32
DURABLE = True  # fsync each key file and its folder when written (the test suite turns it off for speed)
DEFAULT_KEK_FILE = "~/.config/trading-platform/kek"  # under $XDG_CONFIG_HOME when that is set
ARMOUR_BEGIN, ARMOUR_END = "-----BEGIN TRADING WRAPPED KEY-----", "-----END TRADING WRAPPED KEY-----"
FILE_AD = b"trading-platform wrapped key v1\0"

NO_KEK = ("No key-encryption key: the platform's private keys in instance/keys are encrypted under it. "
          "Set TRADING_KEK_FILE to a file outside the instance folder holding 32 random bytes in hex "
          "(create one with `python -m trading.keyring new-kek ~/.config/trading-platform/kek`), "
          "or TRADING_KEK to the hex or base64 of 32 random bytes. `make run` creates one for training.")


class KeyringError(RuntimeError):
    """The keyring cannot be loaded: no KEK, a bad KEK, or a key file that does not open under it."""


# --- the key-encryption key ----------------------------------------------------------------------------------

def parse_kek(text: str | bytes, source: str) -> bytes:
    """32 bytes from their hex or base64 text (or the bytes themselves); ``source`` names where they came from."""
    if isinstance(text, bytes) and len(text) == KEK_BYTES:
        return text
    value = (text.decode("ascii", "replace") if isinstance(text, bytes) else str(text)).strip()
    for decode in (bytes.fromhex, lambda v: base64.b64decode(v, validate=True), base64.urlsafe_b64decode):
        try:
            key = decode(value)
        except (ValueError, binascii.Error):
            continue
        if len(key) == KEK_BYTES:
            return key
    raise KeyringError(f"{source} must be the hex (64 characters) or base64 of {KEK_BYTES} random bytes.")


def check_outside_instance(path: str, instance_path: str) -> Path:
    """The KEK file's resolved path; a KeyringError if it lies inside the instance folder."""
    file = Path(path).expanduser().resolve()
    if file.is_relative_to(Path(instance_path).resolve()):
        raise KeyringError(f"The KEK file ({file}) is inside the instance folder: keep the KEK elsewhere, "
                           "or a copy of instance/ carries the key to every platform key.")
    return file


def read_kek_file(path: str, instance_path: str) -> bytes:
    """The KEK kept in a file: outside the instance folder and not readable by other users."""
    file = check_outside_instance(path, instance_path)
    try:
        mode = file.stat().st_mode
        text = file.read_text(encoding="ascii")
    except OSError as error:
        raise KeyringError(f"TRADING_KEK_FILE cannot be read ({error.strerror}: {file}). " + NO_KEK) from None
    if mode & 0o007:
        raise KeyringError(f"TRADING_KEK_FILE ({file}) is readable by other users: run `chmod 600 {file}`.")
    return parse_kek(text, f"TRADING_KEK_FILE ({file})")


def default_kek_file() -> Path:
    """Where ``make run`` keeps the training KEK: ``$XDG_CONFIG_HOME/trading-platform/kek`` (or ~/.config/...)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / "trading-platform" / "kek"


def kek_from_config(config: Mapping, instance_path: str) -> bytes:
    """The KEK from the app's settings: ``KEK`` (from TRADING_KEK or a test config) wins over ``KEK_FILE``."""
    if config.get("KEK"):
        return parse_kek(config["KEK"], "TRADING_KEK")
    if config.get("KEK_FILE"):
        return read_kek_file(config["KEK_FILE"], instance_path)
    raise KeyringError(NO_KEK)


def kek_id(kek: bytes) -> str:
    """A short public name of a KEK, written in each key file so a wrong KEK is named as such."""
    return hashlib.sha256(b"trading-platform kek id v1\0" + kek).hexdigest()[:16]


def new_kek_file(path: str) -> bool:
    """Create a KEK file (32 random bytes in hex, mode 0600, its folder 0700) unless one exists; True if made."""
    file = Path(path).expanduser()
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(os.urandom(KEK_BYTES).hex() + "\n")
    return True


# --- wrapped key files ---------------------------------------------------------------------------------------

def _hkdf(key: bytes, info: bytes) -> bytes:
    """A 32-byte subkey of ``key`` for one use."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)


def wrap(kek: bytes, purpose: str, secret: bytes) -> bytes:
    """The text of a wrapped key file: AES-256-GCM of ``secret`` under the KEK, bound to ``purpose``."""
    nonce = os.urandom(12)
    sealed = AESGCM(_hkdf(kek, b"trading-platform key file v1")).encrypt(nonce, secret, FILE_AD + purpose.encode())
    body = base64.b64encode(nonce + sealed).decode()
    lines = [ARMOUR_BEGIN, f"Purpose: {purpose}", f"KEK-Id: {kek_id(kek)}", "Cipher: AES-256-GCM", ""]
    lines += [body[i:i + 64] for i in range(0, len(body), 64)] + [ARMOUR_END, ""]
    return "\n".join(lines).encode()


def unwrap(kek: bytes, purpose: str, data: bytes, name: str = "key file") -> bytes:
    """The secret of a wrapped key file; a KeyringError naming the file if the KEK or the purpose is not its own."""
    text = data.decode("ascii", "replace")
    if ARMOUR_BEGIN not in text or ARMOUR_END not in text:
        raise KeyringError(f"{name} is not a wrapped key file.")
    headers, body = {}, []
    for line in text.split(ARMOUR_BEGIN, 1)[1].split(ARMOUR_END, 1)[0].strip().splitlines():
        if ": " in line:
            label, value = line.split(": ", 1)
            headers[label] = value.strip()
        elif line.strip():
            body.append(line.strip())
    if headers.get("KEK-Id") not in (None, kek_id(kek)):
        raise KeyringError(f"{name} was encrypted under another KEK (id {headers['KEK-Id']}); the KEK given has id "
                           f"{kek_id(kek)}. Set TRADING_KEK or TRADING_KEK_FILE to the KEK this install was made with.")
    try:
        raw = base64.b64decode("".join(body))
        return AESGCM(_hkdf(kek, b"trading-platform key file v1")).decrypt(raw[:12], raw[12:],
                                                                          FILE_AD + purpose.encode())
    except (ValueError, binascii.Error, InvalidTag):
        raise KeyringError(f"{name} does not open under the KEK given (wrong KEK, or the file is not the "
                           f"{purpose} key, or it was altered).") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file readable by the owner only, replacing any file of that name in one step (never half-written)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if DURABLE:
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    if not DURABLE:
        return
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _der(key) -> bytes:
    """A private key as unencrypted PKCS#8 DER (only ever kept in memory or wrapped)."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _private_key(folder: Path, file: str, purpose: str, kek: bytes, make):
    """Load a wrapped private key, wrapping an older plaintext PEM in place, or create it with ``make()``."""
    path = folder / file
    if not path.exists():
        key = make()
        write_atomic(path, wrap(kek, purpose, _der(key)))
        return key
    data = path.read_bytes()
    if b"-----BEGIN PRIVATE KEY-----" in data:  # left unencrypted by an install from before the keyring
        key = serialization.load_pem_private_key(data, None)
        write_atomic(path, wrap(kek, purpose, _der(key)))
        return key
    return serialization.load_der_private_key(unwrap(kek, purpose, data, str(path)), None)


# --- the at-rest key -------------------------------------------------------------------------------------------

def legacy_at_rest_key(secret_key: str, purpose: str) -> bytes:
    """The per-purpose key that sealed database secrets before the keyring: SHA-256 of a label and SECRET_KEY.

    Migration path only: rows sealed this way (databases from before the at-rest key) still open while the
    app's SECRET_KEY is the one they were sealed under; ``flask keys reseal`` re-seals them under the at-rest key,
    after which SECRET_KEY can be rotated freely."""
    return hashlib.sha256(b"trading/" + purpose.encode() + b"/v1\0" + secret_key.encode()).digest()


@dataclass(frozen=True)
class AtRestKey:
    """The key that seals secrets kept in the database (draw secrets, released shares): 32 random bytes of its
    own, wrapped under the KEK in ``instance/keys/at-rest.key``, independent of SECRET_KEY.

    ``legacy_secret`` is the app's SECRET_KEY, tried after the at-rest key to open rows sealed before it existed."""

    key: bytes = field(repr=False)
    legacy_secret: str | None = field(default=None, repr=False)

    def _purpose_key(self, purpose: str) -> bytes:
        return _hkdf(self.key, b"trading/at-rest/" + purpose.encode() + b"/v2")

    def seal(self, purpose: str, data: bytes, binding: str) -> bytes:
        """AES-256-GCM (nonce || ciphertext) under the purpose's key, bound to ``binding`` (e.g. the deal code)."""
        nonce = os.urandom(12)
        return nonce + AESGCM(self._purpose_key(purpose)).encrypt(nonce, data, binding.encode())

    def open(self, purpose: str, sealed: bytes, binding: str) -> bytes:
        """What ``seal`` sealed for the same purpose and binding; then, for older rows, the legacy SECRET_KEY
        derivation. InvalidTag if neither opens it."""
        try:
            return AESGCM(self._purpose_key(purpose)).decrypt(sealed[:12], sealed[12:], binding.encode())
        except InvalidTag:
            if not self.legacy_secret:
                raise
        return AESGCM(legacy_at_rest_key(self.legacy_secret, purpose)).decrypt(sealed[:12], sealed[12:],
                                                                                binding.encode())

    def reseal(self, purpose: str, sealed: bytes, binding: str) -> bytes | None:
        """A legacy row sealed again under the at-rest key; None if it already is. InvalidTag if neither key
        opens it (sealed under an earlier SECRET_KEY)."""
        try:
            AESGCM(self._purpose_key(purpose)).decrypt(sealed[:12], sealed[12:], binding.encode())
            return None
        except InvalidTag:
            return self.seal(purpose, self.open(purpose, sealed, binding), binding)


def _at_rest_key(folder: Path, kek: bytes) -> bytes:
    """The 32-byte at-rest key, created once."""
    path = folder / AT_REST_FILE
    if not path.exists():
        write_atomic(path, wrap(kek, "at-rest", os.urandom(32)))
    key = unwrap(kek, "at-rest", path.read_bytes(), str(path))
    if len(key) != 32:
        raise KeyringError(f"{path} does not hold a 32-byte key.")
    return key


# --- the keyring ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlatformKeys:
    """The CA key and certificate and the receipt-signing key (what bid submission and receipts need)."""

    ca_key: object
    ca_cert: object
    signing_key: object

    @property
    def signing_public_pem(self) -> bytes:
        """The receipt-signing public key, as bidders download it to verify receipts offline."""
        return pki.public_key_pem(self.signing_key)


@dataclass(frozen=True)
class Keyring:
    """Every platform key, loaded once per app from ``instance/keys`` under the KEK."""

    ca_key: Ed25519PrivateKey = field(repr=False)
    ca_cert: object
    signing: Mapping[str, Ed25519PrivateKey] = field(repr=False)
    at_rest: AtRestKey = field(repr=False)
    folder: Path
    kek_id: str

    @property
    def receipt_key(self) -> Ed25519PrivateKey:
        """Signs bid receipts and archives."""
        return self.signing["receipts"]

    @property
    def beacon_key(self) -> Ed25519PrivateKey:
        """Signs the beacon's pulses."""
        return self.signing["beacon"]

    @property
    def gateway_key(self) -> Ed25519PrivateKey:
        """Signs each draw call's outcome (the calling gateway)."""
        return self.signing["gateway"]

    @property
    def platform(self) -> PlatformKeys:
        """The CA and the receipt key, as bid submission takes them."""
        return PlatformKeys(self.ca_key, self.ca_cert, self.receipt_key)


def load(folder: str | Path, kek: bytes, now: datetime, *, secret_key: str | None = None) -> Keyring:
    """Load (creating on first use) every platform key in ``folder`` under ``kek``; plaintext PEMs from older
    installs are wrapped in place. ``secret_key`` is the app's SECRET_KEY, kept only to open legacy rows.
    Several processes starting at once take turns (a lock file), so they all load the same keys."""
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(folder):
        ca_cert_path = folder / CA_CERT_FILE
        made_ca = []

        def make_ca():
            key, cert = pki.create_ca(CA_NAME, now)
            made_ca.append(cert)
            return key

        ca_key = _private_key(folder, CA_KEY_FILE, "ca", kek, make_ca)
        if made_ca:
            write_atomic(ca_cert_path, pki.certificate_pem(made_ca[0]))
        ca_cert = pki.load_certificate(ca_cert_path.read_bytes())
        signing = {name: _private_key(folder, file, name, kek, Ed25519PrivateKey.generate)
                   for name, file in SIGNING_KEYS.items()}
        at_rest = AtRestKey(_at_rest_key(folder, kek), secret_key)
    return Keyring(ca_key, ca_cert, signing, at_rest, folder, kek_id(kek))


@contextmanager
def _locked(folder: Path):
    """Hold ``folder/.lock`` exclusively (POSIX advisory lock) while the keys are created or re-wrapped."""
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def rewrap(folder: str | Path, old_kek: bytes, new_kek: bytes) -> list[str]:
    """Re-encrypt every key file of ``folder`` from the old KEK to the new one (KEK rotation); each file is
    replaced atomically, and nothing is written unless every file opens under the old KEK. Returns the files."""
    folder = Path(folder)
    purposes = {CA_KEY_FILE: "ca", AT_REST_FILE: "at-rest", **{file: name for name, file in SIGNING_KEYS.items()}}
    present = {file: purpose for file, purpose in purposes.items() if (folder / file).exists()}
    with _locked(folder):
        secrets = {file: unwrap(old_kek, purpose, (folder / file).read_bytes(), str(folder / file))
                   for file, purpose in present.items()}
        for file, purpose in present.items():
            write_atomic(folder / file, wrap(new_kek, purpose, secrets[file]))
    return sorted(present)


# --- in the app ------------------------------------------------------------------------------------------------

def load_for_app(app) -> Keyring:
    """The app's keyring from its KEK setting and ``instance/keys`` (called once by the factory)."""
    kek = kek_from_config(app.config, app.instance_path)
    return load(Path(app.instance_path) / "keys", kek, datetime.now(UTC), secret_key=app.config.get("SECRET_KEY"))


def current_keyring() -> Keyring:
    """The keyring of the current app."""
    from flask import current_app

    return current_app.extensions["trading"].keyring


def _main(argv: list[str]) -> int:
    """``python -m trading.keyring new-kek [FILE]``: create a KEK file if there is none (before the app exists)."""
    if len(argv) not in (1, 2) or argv[0] != "new-kek":
        print("usage: python -m trading.keyring new-kek [FILE]   (default " + DEFAULT_KEK_FILE + ")", file=sys.stderr)
        return 2
    path = Path(argv[1]).expanduser() if len(argv) == 2 else default_kek_file()
    if new_kek_file(str(path)):
        print(f"key-encryption key created: {path} (owner-only; back it up apart from instance/)")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
