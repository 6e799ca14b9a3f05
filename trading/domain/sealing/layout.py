"""Envelope formats v3, v2 and v1 as bytes: header and trailer codecs, the file hashes, the manifest, the price
form, the refusals.

docs/ENVELOPE.md describes every byte; this module is its executable form. Nothing here decrypts: the
chunk cipher is in ``chunks`` and the operations (seal, inspect, check, open) are in ``envelope``. The three
versions share the header, the body and the trailer; they differ only in a file's hashes. Version 3 (written)
lists each file's ciphertext hash alone: the committed key and the hashed ciphertext pin the plaintext, so sealing
hashes every byte once. Versions 2 and 1 (still read) list a salted plaintext hash beside it, built per chunk (2)
or as one SHA-256 chain (1).
"""

from __future__ import annotations

import hashlib
import json
import struct
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import N_, DomainError
from ..money import parse_yuan

MAGIC = b"TRADEBID"
END_MAGIC = b"TRADEEND"
TRAILER_MAGIC = b"MANIFEST"
VERSION = 3  # written by ``seal``
VERSIONS = (1, 2, 3)  # read: 1 hashes each file as one SHA-256 chain, 2 and 3 per chunk (``ChainHash``,
# ``ChunkHashes``); 3 has no salted plaintext hash
SALTED_VERSIONS = (1, 2)  # the versions whose manifest lists a salted plaintext hash per file
SUITE = (0x0020, 0x0001, 0x0002, 0x0001)  # HPKE KEM, KDF, AEAD ids (RFC 9180), body suite id
SUITE_NAME = "HPKE(DHKEM-X25519-HKDF-SHA256, HKDF-SHA256, AES-256-GCM) + AES-256-GCM chunks, SHA-256, Ed25519"
HPKE_INFO_LABEL = b"trading-envelope/1 data key\x00"
COMMIT_LABEL = b"trading-envelope/1 key commitment"
FILE_KEY_LABEL = b"trading-envelope/1 file key\x00"
SIGNATURE_CONTEXT = b"trading-envelope/1 manifest signature\x00"
SALTED_LABEL = b"trading-envelope/2 salted hash\x00"
CIPHERTEXT_LABEL = b"trading-envelope/2 ciphertext hash\x00"
PRICE_FORM_NAME = "price-form.json"
PRICE_FORM_BLOCK = 1024  # the price form is padded with spaces to a multiple of this (hides the price's length)
MAX_PRICE_FORM = 64 * 1024
TAG = 16
ENC_LEN, WRAPPED_LEN, SALT_LEN, HASH_LEN, SIG_LEN = 32, 48, 32, 32, 64
MIN_CHUNK, MAX_CHUNK, DEFAULT_CHUNK = 64, 16 * 1024 * 1024, 1024 * 1024
MAX_FILES, MAX_NAME, MAX_CODE, MAX_HEADER, MAX_MANIFEST, MAX_CERT = 1000, 255, 64, 1 << 20, 1 << 20, 16 * 1024
FIXED_HEADER = 58  # magic, version, header length, suite, chunk size, lot key hash
END_LEN = 12  # trailer length (u32) + end magic
DECRYPTION_FAILURE = "electronic.decryption_failure"
ENCRYPTED_BIDS = "electronic.encrypted_bids"


class EnvelopeError(DomainError):
    """An envelope refused; ``reason`` is a short code, ``fault`` is "bidder" or "platform" (电子办法 Art. 31)."""

    def __init__(self, message: str, *, reason: str, fault: str = "bidder", rule: str = DECRYPTION_FAILURE,
                 **params):
        self.reason = reason
        self.fault = fault
        super().__init__(message, field="envelope", rule=rule, **params)

    def again(self, *, fault: str | None = None, rule: str | None = None) -> EnvelopeError:
        """The same refusal with another fault or rule (an upload check, or a failure after a receipted upload)."""
        return EnvelopeError(self.message, reason=self.reason, fault=fault or self.fault, rule=rule or self.rule,
                             **self.params)


def bad(message: str, reason: str, **params) -> EnvelopeError:
    """A structural refusal: the bidder's fault unless the caller decides otherwise."""
    return EnvelopeError(message, reason=reason, **params)


def canonical_json(value) -> bytes:
    """Canonical JSON: UTF-8, sorted keys, no spaces, no NaN."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def fingerprint(public_key: bytes) -> str:
    """Short human-checkable fingerprint of a raw public key: the first 32 hex digits of SHA-256, in groups of 4."""
    return fingerprint_of_hash(hashlib.sha256(bytes(public_key)).hexdigest())


def fingerprint_of_hash(key_hash_hex: str) -> str:
    """The short fingerprint from a key's full SHA-256 in hex (as the header and manifest hold it)."""
    return " ".join(key_hash_hex[i:i + 4] for i in range(0, 32, 4))


def chunk_lengths(size: int, chunk_size: int):
    """Plaintext length of each chunk of a file: full chunks, then the last; an empty file has one empty chunk."""
    count = chunk_count(size, chunk_size)
    for index in range(count):
        yield index, min(chunk_size, size - index * chunk_size), index == count - 1


def chunk_count(size: int, chunk_size: int) -> int:
    """Number of chunks of a file of ``size`` bytes (at least one)."""
    return max(1, -(-size // chunk_size))


def body_length(files, chunk_size: int) -> int:
    """Bytes of ciphertext and tags that follow the header."""
    return sum(entry.size + TAG * chunk_count(entry.size, chunk_size) for entry in files)


def nonce(counter: int, last: bool) -> bytes:
    """Chunk nonce: 11-byte big-endian counter, then 0x01 on the file's last chunk, else 0x00."""
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def chunk_aad(header_hash: bytes, index: int) -> bytes:
    """Associated data of every chunk of file ``index``: SHA-256 of the header, then the index (u16)."""
    return header_hash + struct.pack(">H", index)


class ChainHash:
    """A version 1 file hash: one SHA-256 over ``prefix`` (the secret salt, or nothing) and then every chunk.
    It is a chain: ``chunk`` must be called in chunk order, one call at a time (``ordered``)."""

    ordered = True

    def __init__(self, prefix: bytes = b""):
        self._hash = hashlib.sha256(prefix)

    def chunk(self, index: int, data) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.digest()


class ChunkHashes:
    """A version 2 file hash: every chunk is hashed on its own, in any order and on any thread, and the chunk
    digests are combined in order at the end. Salted (the plaintext): ``d_j = SHA-256(S || u64(j) || chunk_j)``;
    unsalted (the ciphertext, each chunk with its tag): ``d_j = SHA-256(chunk_j)``; the file's hash is
    ``SHA-256(label || S || d_0 || ... || d_(n-1))`` (``S`` empty when unsalted)."""

    ordered = False

    def __init__(self, label: bytes, salt: bytes | None, count: int):
        self._label, self._salt, self._parts = label, salt, [b""] * count

    def chunk(self, index: int, data) -> None:
        digest = hashlib.sha256() if self._salt is None else hashlib.sha256(self._salt + struct.pack(">Q", index))
        digest.update(data)
        self._parts[index] = digest.digest()

    def digest(self) -> bytes:
        if not all(self._parts):
            raise RuntimeError("a chunk was not hashed")
        return hashlib.sha256(self._label + (self._salt or b"") + b"".join(self._parts)).digest()


def salted_hasher(version: int, salt: bytes, size: int, chunk_size: int):
    """The hash of a file's plaintext under its secret commitment salt, as ``version`` builds it; None in a version
    without one (3)."""
    if version not in SALTED_VERSIONS:
        return None
    if version == 1:
        return ChainHash(salt)
    return ChunkHashes(SALTED_LABEL, salt, chunk_count(size, chunk_size))


def ciphertext_hasher(version: int, size: int, chunk_size: int):
    """The hash of a file's stored ciphertext (every chunk with its tag), as ``version`` builds it."""
    if version == 1:
        return ChainHash()
    return ChunkHashes(CIPHERTEXT_LABEL, None, chunk_count(size, chunk_size))


def salted_hash_of(version: int, salt: bytes, content: bytes, chunk_size: int) -> bytes:
    """The salted hash of a whole file held in memory: re-checks an opened document of a version 1 or 2 envelope
    against the signed manifest once its commitment salt is known (version 3: ``chunks.ciphertext_hash_of``)."""
    hasher = salted_hasher(version, salt, len(content), chunk_size)
    for index, length, _ in chunk_lengths(len(content), chunk_size):
        hasher.chunk(index, memoryview(content)[index * chunk_size:index * chunk_size + length])
    return hasher.digest()


def check_text(value, field: str, limit: int) -> str:
    """A code or name: non-empty text without control characters or surrounding spaces, at most ``limit`` bytes."""
    if not isinstance(value, str) or not value or value != value.strip() or len(value.encode()) > limit \
            or not value.isprintable() and any(unicodedata.category(c).startswith("C") for c in value):
        raise DomainError(N_("%(value)s is not a valid %(what)s."), field=field, value=str(value)[:80], what=field)
    return value


def check_file_name(name, field: str = "files") -> str:
    """A document's name: a plain file name, no folders, not the reserved price-form name."""
    check_text(name, field, MAX_NAME)
    if "/" in name or "\\" in name or name in (".", ".."):
        raise DomainError(N_("A document name cannot contain a folder: %(value)s."), field=field, value=name)
    return name


@dataclass(frozen=True)
class FileEntry:
    """One file as the header lists it: name, plaintext size and the public random salt."""

    name: str
    size: int
    salt: bytes


@dataclass(frozen=True)
class Header:
    """The parsed header; ``raw`` is its exact bytes (the commitment is the last 32)."""

    version: int
    chunk_size: int
    lot_code: str
    bidder_code: str
    lot_key_hash: bytes
    enc: bytes
    wrapped_key: bytes
    files: tuple[FileEntry, ...]
    raw: bytes

    @property
    def hash(self) -> bytes:
        """SHA-256 of the whole header: the associated data of every chunk and a field of the manifest."""
        return hashlib.sha256(self.raw).digest()

    @property
    def commitment(self) -> bytes:
        """The key commitment stored at the end of the header."""
        return self.raw[-HASH_LEN:]


def _str16(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">H", len(data)) + data


def _bytes16(data: bytes) -> bytes:
    return struct.pack(">H", len(data)) + data


def hpke_info(lot_code: str, bidder_code: str) -> bytes:
    """HPKE info: a fixed label, then the lot code and bidder code, each length-prefixed (u16 + UTF-8)."""
    return HPKE_INFO_LABEL + _str16(lot_code) + _str16(bidder_code)


def encode_header(*, chunk_size, lot_code, bidder_code, lot_key_hash, enc, wrapped_key, files,
                  version: int = VERSION) -> bytes:
    """Header bytes without the final 32-byte key commitment (which covers exactly these bytes)."""
    body = struct.pack(">4HI", *SUITE, chunk_size) + lot_key_hash + _str16(lot_code) + _str16(bidder_code)
    body += _bytes16(enc) + _bytes16(wrapped_key) + struct.pack(">H", len(files))
    for entry in files:
        body += _str16(entry.name) + struct.pack(">Q", entry.size) + entry.salt
    length = len(MAGIC) + 6 + len(body) + HASH_LEN
    return MAGIC + struct.pack(">HI", version, length) + body


class _Cursor:
    """Reads fields out of a byte string, refusing anything that runs past its end."""

    def __init__(self, data: bytes, offset: int):
        self.data, self.offset = data, offset

    def take(self, count: int) -> bytes:
        if self.offset + count > len(self.data):
            raise bad(N_("The envelope header is cut short."), "header")
        piece = self.data[self.offset:self.offset + count]
        self.offset += count
        return piece

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def text(self, field: str, limit: int) -> str:
        try:
            value = self.take(self.unpack(">H")[0]).decode()
            return check_text(value, field, limit)
        except (UnicodeDecodeError, DomainError):
            raise bad(N_("The envelope header holds an invalid %(what)s."), "header", what=field) from None


def read_header(reader) -> Header:
    """Parse and check a header from ``reader`` (an ``io.Reader``)."""
    start = reader.read(14, N_("The file is not a sealed bid envelope."))
    if start[:8] != MAGIC:
        raise bad(N_("The file is not a sealed bid envelope."), "magic")
    version, length = struct.unpack(">HI", start[8:])
    if version not in VERSIONS:
        raise bad(N_("Envelope version %(version)s is not supported (this platform reads versions %(versions)s)."),
                  "version", version=version, versions=", ".join(map(str, VERSIONS)))
    if not FIXED_HEADER + HASH_LEN <= length <= MAX_HEADER:
        raise bad(N_("The envelope header has an impossible length."), "header")
    raw = start + reader.read(length - 14, N_("The envelope header is cut short."))
    cur = _Cursor(raw, 14)
    suite = cur.unpack(">4H")
    if suite != SUITE:
        raise bad(N_("The envelope uses an unknown cipher suite."), "suite")
    (chunk_size,) = cur.unpack(">I")
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise bad(N_("The envelope's chunk size %(size)s is out of range."), "header", size=chunk_size)
    lot_key_hash = cur.take(HASH_LEN)
    lot_code, bidder_code = cur.text("lot_code", MAX_CODE), cur.text("bidder_code", MAX_CODE)
    enc, wrapped = cur.take(cur.unpack(">H")[0]), cur.take(cur.unpack(">H")[0])
    if len(enc) != ENC_LEN or len(wrapped) != WRAPPED_LEN:
        raise bad(N_("The envelope's wrapped data key has the wrong length."), "header")
    (count,) = cur.unpack(">H")
    if not 1 <= count <= MAX_FILES:
        raise bad(N_("The envelope lists %(count)s files."), "header", count=count)
    files = []
    for _ in range(count):
        name = cur.text("files", MAX_NAME)
        (size,) = cur.unpack(">Q")
        files.append(FileEntry(name, size, cur.take(SALT_LEN)))
    _check_file_list(files)
    cur.take(HASH_LEN)
    if cur.offset != length:
        raise bad(N_("The envelope header has bytes it does not account for."), "header")
    return Header(version, chunk_size, lot_code, bidder_code, lot_key_hash, enc, wrapped, tuple(files), raw)


def _check_file_list(files) -> None:
    names = [entry.name for entry in files]
    first = files[0].size
    if names[0] != PRICE_FORM_NAME or not 0 < first <= MAX_PRICE_FORM or first % PRICE_FORM_BLOCK:
        raise bad(N_("The envelope does not start with a price form."), "header")
    if len(set(names)) != len(names) or any("/" in n or "\\" in n or n in (".", "..") for n in names):
        raise bad(N_("The envelope's file names are not plain and unique."), "header")


@dataclass(frozen=True)
class Trailer:
    """The parsed trailer: manifest bytes and hash, bidder certificate (DER), signature, and its length."""

    manifest: bytes
    manifest_hash: bytes
    certificate_der: bytes
    signature: bytes
    length: int


def encode_trailer(manifest: bytes, certificate_der: bytes, signature: bytes) -> bytes:
    """Trailer bytes: manifest, its hash, certificate, signature, then the trailer length and the end magic."""
    part = TRAILER_MAGIC + struct.pack(">I", len(manifest)) + manifest + hashlib.sha256(manifest).digest()
    part += _bytes16(certificate_der) + _bytes16(signature)
    return part + struct.pack(">I", len(part)) + END_MAGIC


def read_trailer(reader) -> Trailer:
    """Parse a trailer from ``reader``, which must end exactly where the trailer ends."""
    short = N_("The envelope is cut short: its trailer is incomplete.")
    if reader.read(8, short) != TRAILER_MAGIC:
        raise bad(N_("The envelope's body is longer or shorter than its header says."), "body")
    (m_len,) = struct.unpack(">I", reader.read(4, short))
    if m_len > MAX_MANIFEST:
        raise bad(N_("The envelope's manifest is too large."), "trailer")
    manifest = reader.read(m_len, short)
    stored_hash = reader.read(HASH_LEN, short)
    (c_len,) = struct.unpack(">H", reader.read(2, short))
    if c_len > MAX_CERT:
        raise bad(N_("The envelope's certificate is too large."), "trailer")
    cert = reader.read(c_len, short)
    (s_len,) = struct.unpack(">H", reader.read(2, short))
    if s_len != SIG_LEN:
        raise bad(N_("The envelope is not signed."), "signature")
    signature = reader.read(s_len, short)
    length = 8 + 4 + m_len + HASH_LEN + 2 + c_len + 2 + s_len
    (t_len,) = struct.unpack(">I", reader.read(4, short))
    if t_len != length or reader.read(8, short) != END_MAGIC:
        raise bad(N_("The envelope's trailer is damaged."), "trailer")
    reader.expect_end()
    if hashlib.sha256(manifest).digest() != stored_hash:
        raise bad(N_("The envelope's manifest does not match its manifest hash."), "manifest")
    return Trailer(manifest, stored_hash, cert, signature, length + END_LEN)


def build_manifest(header: Header, salted: list[bytes] | None, ciphertext: list[bytes],
                   certificate_der: bytes) -> dict:
    """The manifest the bidder signs: bindings, header hash, certificate hash, each file's size and hashes
    (``salted`` None in version 3, which lists no salted hash)."""
    if (salted is None) != (header.version not in SALTED_VERSIONS):
        raise ValueError(f"salted hashes are listed in versions {SALTED_VERSIONS} only")
    files = [{"name": e.name, "size": e.size, "ciphertext_hash": c.hex()}
             for e, c in zip(header.files, ciphertext, strict=True)]
    for listed, digest in zip(files, salted or (), strict=False):
        listed["salted_hash"] = digest.hex()
    return {
        "format": f"trading-envelope/{header.version}", "lot_code": header.lot_code, "bidder_code": header.bidder_code,
        "lot_key": header.lot_key_hash.hex(), "header_hash": header.hash.hex(), "chunk_size": header.chunk_size,
        "certificate": hashlib.sha256(certificate_der).hexdigest(), "files": files,
    }


def parse_manifest(trailer: Trailer, header: Header) -> dict:
    """Read the manifest and check that it is canonical and names exactly this header, lot, bidder and files."""
    try:
        manifest = json.loads(trailer.manifest.decode())
        files = manifest["files"]
        salted = [bytes.fromhex(f["salted_hash"]) for f in files] if header.version in SALTED_VERSIONS else None
        ciphertext = [bytes.fromhex(f["ciphertext_hash"]) for f in files]
    except (ValueError, KeyError, TypeError):
        raise bad(N_("The envelope's manifest cannot be read."), "manifest") from None
    if len(ciphertext) != len(header.files) or any(len(h) != HASH_LEN for h in (salted or []) + ciphertext):
        raise bad(N_("The envelope's manifest does not list the files of its header."), "manifest")
    if canonical_json(build_manifest(header, salted, ciphertext, trailer.certificate_der)) != trailer.manifest:
        raise bad(N_("The envelope's manifest does not match its header or certificate (lot, bidder, hashes, files)."),
                  "manifest")
    return manifest


def encode_price_form(form: dict) -> tuple[dict, bytes]:
    """Validate a price form and encode it: canonical JSON padded with spaces to a multiple of 1 KiB."""
    if not isinstance(form, dict):
        raise DomainError(N_("The price form must be a set of named fields."), field="price")
    price = parse_yuan(form.get("price"), "price")
    if price <= 0:
        raise DomainError(N_("The bid price must be more than zero."), field="price", value=str(price))
    clean = {}
    for key, value in form.items():
        check_text(key, "price_form", 64)
        if key != "price" and (not isinstance(value, str) or len(value) > 4000 or not value.isprintable()
                               and any(unicodedata.category(c) == "Cs" for c in value)):
            raise DomainError(N_("The field %(name)s must be text of at most 4000 characters."), field=key,
                              name=key)
        clean[key] = value
    clean["price"] = str(price)
    if not (clean.get("duration") or "").strip():
        raise DomainError(N_("Enter the duration (工期/服务期)."), field="duration")
    data = canonical_json(clean)
    if len(data) > MAX_PRICE_FORM - PRICE_FORM_BLOCK:
        raise DomainError(N_("The price form is too long."), field="price_form")
    return clean, data + b" " * (-len(data) % PRICE_FORM_BLOCK)


def decode_price_form(data: bytes) -> dict:
    """Read a decrypted price form, refusing anything the bidder tool would not have written."""
    try:
        form = json.loads(data.decode())
        if not isinstance(form, dict) or encode_price_form(form)[1] != data:
            raise ValueError
    except (ValueError, DomainError, TypeError):
        raise bad(N_("The price form is not valid."), "price_form") from None
    return form


class Reader:
    """Exact reads from an envelope stream: a short read is the bidder's fault, an OSError the platform's."""

    def __init__(self, stream: BinaryIO, limit: int | None = None):
        self.stream, self.position, self.limit = stream, 0, limit

    def read(self, count: int, short_message: str = N_("The envelope is cut short.")) -> bytes:
        """Exactly ``count`` bytes."""
        buf = bytearray(count)
        self.read_into(memoryview(buf), short_message)
        return bytes(buf)

    def read_into(self, view: memoryview, short_message: str = N_("The envelope is cut short.")) -> memoryview:
        """Fill ``view`` exactly and return it."""
        if self.limit is not None and self.position + len(view) > self.limit:
            raise bad(short_message, "truncated")
        done = 0
        while done < len(view):
            try:
                got = self.stream.readinto(view[done:])
            except OSError as exc:
                raise EnvelopeError(N_("The envelope could not be read: %(error)s."), reason="io", fault="platform",
                                    error=str(exc)) from exc
            if not got:
                raise bad(short_message, "truncated")
            done += got
        self.position += done
        return view

    def expect_end(self) -> None:
        """Refuse bytes after the end of the envelope."""
        if self.limit is not None:
            extra = self.limit > self.position
        else:
            try:
                extra = bool(self.stream.read(1))
            except OSError as exc:
                raise EnvelopeError(N_("The envelope could not be read: %(error)s."), reason="io", fault="platform",
                                    error=str(exc)) from exc
        if extra:
            raise bad(N_("The envelope has bytes after its end."), "trailer")
