"""Sealed bid envelopes (加密投标文件), format v3 (v2 and v1 still read): seal, inspect, check at upload, open at the
opening.

A fresh data key per bid is wrapped with HPKE (RFC 9180, base mode) to the lot's opening key, with the lot code
and bidder code in HPKE's info; each file is encrypted in fixed-size AES-256-GCM chunks under a key derived
from the data key; the bidder signs a manifest naming the lot, the bidder, the header hash and every file's
size and ciphertext hash, built from per-chunk digests so that two cores can share the hashing. The header
commits to the data key, so the ciphertext hash pins the plaintext too. Versions 2 and 1 also list a salted
plaintext hash per file. docs/ENVELOPE.md gives the byte layout and the reasons.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import N_, DomainError
from . import chunks
from .layout import (
    COMMIT_LABEL,
    DEFAULT_CHUNK,
    ENC_LEN,
    ENCRYPTED_BIDS,
    MAX_CHUNK,
    MAX_CODE,
    MAX_FILES,
    MIN_CHUNK,
    PRICE_FORM_NAME,
    SALT_LEN,
    SALTED_VERSIONS,
    SIGNATURE_CONTEXT,
    SUITE_NAME,
    TAG,
    VERSION,
    VERSIONS,
    EnvelopeError,
    FileEntry,
    Header,
    Reader,
    bad,
    body_length,
    build_manifest,
    canonical_json,
    check_file_name,
    check_text,
    chunk_aad,
    chunk_lengths,
    ciphertext_hasher,
    decode_price_form,
    encode_header,
    encode_price_form,
    encode_trailer,
    fingerprint,
    fingerprint_of_hash,
    hpke_info,
    nonce,
    parse_manifest,
    read_header,
    read_trailer,
    salted_hasher,
)

HPKE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
NOT_RECEIPTED = N_("The stored envelope is not the one receipted at upload.")  # held at the opening


@dataclass(frozen=True)
class SealResult:
    """What sealing produced: the manifest hash (hex) the receipt will name, the manifest, the envelope size."""

    manifest_hash: str
    manifest: dict
    size: int


@dataclass(frozen=True)
class FileInfo:
    """One file as anyone can see it: name, size, salted commitment (versions 1 and 2; None in 3), ciphertext hash
    and whether the body matches."""

    name: str
    size: int
    salted_hash: str | None
    ciphertext_hash: str
    ciphertext_ok: bool


@dataclass(frozen=True)
class EnvelopeInfo:
    """The public content of an envelope, read without any private key."""

    version: int
    lot_code: str
    bidder_code: str
    suite: str
    chunk_size: int
    lot_key_hash: str
    header_hash: str
    manifest_hash: str
    manifest: dict
    files: list[FileInfo]
    certificate_pem: bytes
    signature_valid: bool
    size: int

    @property
    def lot_key_fingerprint(self) -> str:
        """The short fingerprint of the opening key the envelope was sealed to (as printed in announcements)."""
        return fingerprint_of_hash(self.lot_key_hash)

    @property
    def body_ok(self) -> bool:
        """Whether every file's ciphertext hashes to what the manifest says."""
        return all(f.ciphertext_ok for f in self.files)

    def certificate(self) -> x509.Certificate:
        """The bidder's certificate embedded in the envelope (checking it against the CA is the caller's job)."""
        return x509.load_pem_x509_certificate(self.certificate_pem)


@dataclass(frozen=True)
class OpenedFile:
    """A decrypted file: name, size, the hashes the signed manifest lists for it and what lets anyone re-check it
    now. Version 3: the ciphertext hash, re-checked by sealing the document again under ``file_key``
    (``chunks.ciphertext_hash_of``); versions 1 and 2 also the salted hash and its commitment salt
    (``layout.salted_hash_of``)."""

    name: str
    size: int
    salted_hash: str | None
    commitment_salt: str | None
    ciphertext_hash: str
    file_key: str


@dataclass(frozen=True)
class OpenedBid:
    """An opened envelope: the price form, the files (the price form first), the manifest hash, the certificate,
    the format version, chunk size and header hash (with a file's key or salt, what re-checking it takes)."""

    price_form: dict
    files: list[OpenedFile]
    manifest_hash: str
    certificate_pem: bytes
    version: int
    chunk_size: int
    header_hash: str


def _recipient(lot_public_key: bytes) -> X25519PublicKey:
    if not isinstance(lot_public_key, (bytes, bytearray)) or len(lot_public_key) != 32:
        raise DomainError(N_("The lot's opening key must be a 32-byte X25519 public key."), field="lot_public_key")
    return X25519PublicKey.from_public_bytes(bytes(lot_public_key))


def _certificate_der(certificate_pem: bytes, signer: Ed25519PrivateKey) -> bytes:
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem)
    except (ValueError, TypeError):
        raise DomainError(N_("The bidder certificate cannot be read (PEM expected)."), field="certificate") from None
    key = cert.public_key()
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    if not isinstance(key, Ed25519PublicKey) or key.public_bytes(*raw) != signer.public_key().public_bytes(*raw):
        raise DomainError(N_("The bidder certificate does not belong to the signing key."), field="certificate")
    return cert.public_bytes(serialization.Encoding.DER)


def _commitment(data_key: bytes, header_so_far: bytes) -> bytes:
    """Key commitment: HMAC-SHA256 under HKDF(data key, label) of the header before this field."""
    key = HKDF(hashes.SHA256(), 32, None, COMMIT_LABEL).derive(data_key)
    return hmac.new(key, header_so_far, hashlib.sha256).digest()


def _source(item) -> tuple[str, BinaryIO, int]:
    """(name, stream) or (name, stream, size) -> (name, stream, size); the size is found by seeking if not given."""
    name, stream, *size = item
    check_file_name(name)
    if name == PRICE_FORM_NAME:
        raise DomainError(N_("%(value)s is reserved for the price form."), field="files", value=name)
    if not size:
        if not stream.seekable():
            raise DomainError(N_("The size of %(name)s must be given (the stream cannot seek)."), field="files",
                              name=name)
        here = stream.tell()
        size = [stream.seek(0, io.SEEK_END) - here]
        stream.seek(here)
    return name, stream, int(size[0])


def seal(out: BinaryIO, *, lot_code: str, bidder_code: str, lot_public_key: bytes, price_form: dict,
         files: list[tuple[str, BinaryIO]], signer: Ed25519PrivateKey, certificate_pem: bytes,
         chunk_size: int = DEFAULT_CHUNK, rng: Callable[[int], bytes] = os.urandom,
         version: int = VERSION) -> SealResult:
    """Seal a price form and documents for one lot and bidder, signing the manifest; stream the envelope to ``out``.
    ``version`` 1 or 2 makes an envelope of an earlier format (still read; for tests of those paths)."""
    if version not in VERSIONS:
        raise DomainError(N_("Envelope version %(version)s is not supported (this platform reads versions "
                             "%(versions)s)."), field="version", version=version,
                          versions=", ".join(map(str, VERSIONS)))
    check_text(lot_code, "lot_code", MAX_CODE)
    check_text(bidder_code, "bidder_code", MAX_CODE)
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise DomainError(N_("The chunk size must be between 64 bytes and 16 MiB."), field="chunk_size")
    recipient = _recipient(lot_public_key)
    cert_der = _certificate_der(certificate_pem, signer)
    form_bytes = encode_price_form(price_form)[1]
    sources = [(PRICE_FORM_NAME, io.BytesIO(form_bytes), len(form_bytes)), *map(_source, files)]
    if len(sources) > MAX_FILES or len({name for name, _, _ in sources}) != len(sources):
        raise DomainError(N_("Documents need distinct names, at most %(count)s of them."), field="files",
                          count=MAX_FILES - 1)
    data_key = rng(32)
    entries = tuple(FileEntry(name, size, rng(SALT_LEN)) for name, _, size in sources)
    try:
        wrapped = HPKE.encrypt(data_key, recipient, info=hpke_info(lot_code, bidder_code))
    except ValueError:
        raise DomainError(N_("The lot's opening key is not a usable X25519 public key."), field="lot_public_key") \
            from None
    unsigned = encode_header(chunk_size=chunk_size, lot_code=lot_code, bidder_code=bidder_code,
                             lot_key_hash=hashlib.sha256(bytes(lot_public_key)).digest(), enc=wrapped[:ENC_LEN],
                             wrapped_key=wrapped[ENC_LEN:], files=entries, version=version)
    header = read_header(Reader(io.BytesIO(unsigned + _commitment(data_key, unsigned))))
    chunks.write_all(out, header.raw)
    salted, ciphertext = [], []
    with chunks.Pipeline(chunk_size, body_length(entries, chunk_size) >= chunks.PARALLEL_FROM) as pipe:
        for index, (name, stream, size) in enumerate(sources):
            keys = chunks.file_keys(data_key, entries[index].salt, index)
            digests = chunks.encrypt_file(stream, name, size, keys, chunk_aad(header.hash, index), chunk_size, out,
                                          pipe, version)
            salted.append(digests[0])
            ciphertext.append(digests[1])
    manifest = build_manifest(header, salted if version in SALTED_VERSIONS else None, ciphertext, cert_der)
    manifest_bytes = canonical_json(manifest)
    manifest_hash = hashlib.sha256(manifest_bytes).digest()
    trailer = encode_trailer(manifest_bytes, cert_der, signer.sign(SIGNATURE_CONTEXT + manifest_hash))
    chunks.write_all(out, trailer)
    return SealResult(manifest_hash.hex(), manifest, len(header.raw) + body_length(entries, chunk_size) + len(trailer))


def _signature_valid(trailer) -> tuple[bytes, bool]:
    """The certificate as PEM, and whether the signature verifies under its public key."""
    try:
        cert = x509.load_der_x509_certificate(trailer.certificate_der)
        key = cert.public_key()
    except (ValueError, TypeError):
        raise bad(N_("The envelope's certificate cannot be read."), "certificate") from None
    pem = cert.public_bytes(serialization.Encoding.PEM)
    if not isinstance(key, Ed25519PublicKey):
        return pem, False
    try:
        key.verify(trailer.signature, SIGNATURE_CONTEXT + trailer.manifest_hash)
    except InvalidSignature:
        return pem, False
    return pem, True


def _info(header: Header, trailer, manifest: dict, stored: list[bytes], size: int) -> EnvelopeInfo:
    pem, valid = _signature_valid(trailer)
    files = [FileInfo(e.name, e.size, f.get("salted_hash"), f["ciphertext_hash"],
                      bytes.fromhex(f["ciphertext_hash"]) == s)
             for e, f, s in zip(header.files, manifest["files"], stored, strict=True)]
    return EnvelopeInfo(header.version, header.lot_code, header.bidder_code, SUITE_NAME, header.chunk_size,
                        header.lot_key_hash.hex(), header.hash.hex(), trailer.manifest_hash.hex(), manifest, files,
                        pem, valid, size)


def inspect(stream: BinaryIO) -> EnvelopeInfo:
    """Read an envelope's public content in one streaming pass: structure, body hashes, signature; never decrypts."""
    try:
        reader = Reader(stream)
        header = read_header(reader)
        parallel = body_length(header.files, header.chunk_size) >= chunks.PARALLEL_FROM
        with chunks.Pipeline(header.chunk_size, parallel) as pipe:
            stored = [chunks.hash_stored(reader, entry.size, header.chunk_size, header.version, pipe)
                      for entry in header.files]
        body_end = reader.position
        trailer = read_trailer(reader)
        manifest = parse_manifest(trailer, header)
        return _info(header, trailer, manifest, stored, body_end + trailer.length)
    except EnvelopeError as exc:
        raise exc.again(rule=ENCRYPTED_BIDS) from None


def check_for_upload(stream: BinaryIO, *, lot_code: str, lot_public_key: bytes, bidder_code: str) -> EnvelopeInfo:
    """What the platform checks when an upload completes, without any private key; refuses with a clear reason."""
    info = inspect(stream)
    expected_key = hashlib.sha256(bytes(lot_public_key)).hexdigest()
    refusal = _binding_refusal(info.lot_code, info.bidder_code, info.lot_key_hash, lot_code, bidder_code, expected_key)
    if refusal is None and not info.signature_valid:
        refusal = bad(N_("The envelope's signature does not verify under its certificate."), "signature")
    for entry in info.files:
        if refusal is None and not entry.ciphertext_ok:
            refusal = bad(N_("The encrypted file %(name)s does not match the signed manifest."), "ciphertext",
                          name=entry.name)
    if refusal is not None:
        raise refusal.again(rule=ENCRYPTED_BIDS)
    return info


def _binding_refusal(found_lot, found_bidder, found_key, lot_code, bidder_code, expected_key):
    if found_lot != lot_code:
        return bad(N_("The envelope was sealed for lot %(found)s, not for lot %(expected)s."), "lot",
                   found=found_lot, expected=lot_code)
    if found_key != expected_key:
        return bad(N_("The envelope was sealed to another opening key (%(found)s), not this lot's (%(expected)s)."),
                   "lot_key", found=fingerprint_of_hash(found_key), expected=fingerprint_of_hash(expected_key))
    if found_bidder != bidder_code:
        return bad(N_("The envelope was sealed by bidder %(found)s, not by %(expected)s."), "bidder",
                   found=found_bidder, expected=bidder_code)
    return None


def _blame(error: EnvelopeError, expected_manifest_hash: str | None) -> EnvelopeError:
    """With the receipted hash, a failure the upload check would have caught is the platform's fault."""
    return error.again(fault="platform") if expected_manifest_hash and error.fault == "bidder" else error


def _unseal(stream: BinaryIO, lot_private_key: X25519PrivateKey, lot_code: str, bidder_code: str,
            expected_manifest_hash: str | None):
    """Everything before the body: structure, receipted hash, binding, signature, key unwrap and key commitment.
    Returns (start, size, header, manifest, certificate PEM, manifest hash, data key)."""
    if not stream.seekable():
        raise TypeError("open_envelope needs a seekable stream")
    start = stream.tell()
    size = stream.seek(0, io.SEEK_END) - start
    stream.seek(start)
    try:
        header = read_header(Reader(stream, limit=size))
        body_end = len(header.raw) + body_length(header.files, header.chunk_size)
        if body_end > size:
            raise bad(N_("The envelope is cut short."), "truncated")
        stream.seek(start + body_end)
        trailer = read_trailer(Reader(stream, limit=size - body_end))
        manifest = parse_manifest(trailer, header)
        certificate_pem, signed = _signature_valid(trailer)
    except EnvelopeError as exc:
        raise _blame(exc, expected_manifest_hash) from None
    if expected_manifest_hash and trailer.manifest_hash.hex() != expected_manifest_hash:
        raise EnvelopeError(NOT_RECEIPTED, reason="receipt", fault="platform")
    own_key = hashlib.sha256(lot_private_key.public_key().public_bytes_raw()).hexdigest()
    refusal = _binding_refusal(header.lot_code, header.bidder_code, header.lot_key_hash.hex(), lot_code, bidder_code,
                               own_key)
    if refusal is None and not signed:
        refusal = bad(N_("The envelope's signature does not verify under its certificate."), "signature")
    if refusal is not None:
        raise _blame(refusal, expected_manifest_hash)
    try:
        data_key = HPKE.decrypt(header.enc + header.wrapped_key, lot_private_key,
                                info=hpke_info(header.lot_code, header.bidder_code))
    except (InvalidTag, ValueError):
        raise bad(N_("The envelope's data key cannot be unwrapped with this lot's opening key."), "wrapped_key") \
            from None
    if not hmac.compare_digest(_commitment(data_key, header.raw[:-32]), header.commitment):
        raise bad(N_("The envelope's key commitment does not match its data key."), "commitment")
    return start, size, header, manifest, certificate_pem, trailer.manifest_hash.hex(), data_key


def open_envelope(stream: BinaryIO, *, lot_private_key: X25519PrivateKey, lot_code: str, bidder_code: str,
                  sink: Callable[[str], BinaryIO], expected_manifest_hash: str | None = None) -> OpenedBid:
    """Open a stored envelope at the opening: check, unwrap, decrypt every file to ``sink(name)``, verify all hashes.

    With ``expected_manifest_hash`` (the receipted hash), a failure the upload check would have caught is the
    platform's fault (the stored bytes changed); failures only the opening key can reveal are the bidder's.
    """
    start, _, header, manifest, certificate_pem, manifest_hash, data_key = _unseal(
        stream, lot_private_key, lot_code, bidder_code, expected_manifest_hash)
    body_end = len(header.raw) + body_length(header.files, header.chunk_size)

    def blame(error: EnvelopeError) -> EnvelopeError:
        return _blame(error, expected_manifest_hash)

    opened, form, position = [], None, len(header.raw)
    with chunks.Pipeline(header.chunk_size, body_end >= chunks.PARALLEL_FROM) as pipe:
        for index, entry in enumerate(header.files):
            target = chunks.open_sink(sink, entry.name, keep=index == 0)
            keys = chunks.file_keys(data_key, entry.salt, index)
            length = body_length([entry], header.chunk_size)
            # The tags alone do not pin the bytes (the bidder knows the key and can forge them), a listed hash
            # does. In versions 1 and 2 with the receipted manifest hash, the upload check already matched the
            # ciphertext hashes and the salted hash pins the plaintext, so the ciphertext is hashed again only to
            # tell whose fault a failure is; version 3 lists the ciphertext hash alone, so it is always hashed.
            listed = manifest["files"][index]
            salted_listed = header.version in SALTED_VERSIONS
            cipher_hash = None if expected_manifest_hash and salted_listed else ciphertext_hasher(
                header.version, entry.size, header.chunk_size)
            stream.seek(start + position)
            try:
                salted = chunks.decrypt_file(Reader(stream, limit=length), entry.size, keys,
                                             chunk_aad(header.hash, index), header.chunk_size, target, pipe,
                                             header.version, cipher_hash)
                failure = -1 if salted_listed and salted.hex() != listed["salted_hash"] else None
            except chunks.TagFailure as exc:
                failure = exc.chunk
            except EnvelopeError as exc:
                raise blame(exc) from None
            if failure is None and cipher_hash is not None and cipher_hash.digest().hex() != listed["ciphertext_hash"]:
                raise blame(_altered(entry.name))
            if failure is not None:
                stream.seek(start + position)
                stored = chunks.hash_stored(Reader(stream, limit=length), entry.size, header.chunk_size,
                                            header.version, pipe)
                if stored.hex() != listed["ciphertext_hash"]:
                    raise blame(_altered(entry.name))
                if failure >= 0:
                    raise bad(N_("Chunk %(chunk)s of %(name)s does not decrypt: its authentication tag is wrong."),
                              "tag", chunk=failure, name=entry.name)
                raise bad(N_("%(name)s does not match its salted hash in the signed manifest."), "salted_hash",
                          name=entry.name)
            if index == 0:
                form = decode_price_form(target.copy.getvalue())
            opened.append(OpenedFile(entry.name, entry.size, salted.hex() if salted_listed else None,
                                     keys[1].hex() if salted_listed else None, listed["ciphertext_hash"],
                                     keys[0].hex()))
            position += length
    return OpenedBid(form, opened, manifest_hash, certificate_pem, header.version, header.chunk_size,
                     header.hash.hex())


class PlainFile(io.RawIOBase):
    """One decrypted document as a read-only stream: each chunk is decrypted and authenticated as it is read, so
    the plaintext exists only one chunk at a time in memory, never in a file. Closing it closes the envelope."""

    def __init__(self, stream: BinaryIO, size: int, pieces):
        super().__init__()
        self.size, self._stream, self._pieces, self._left = size, stream, pieces, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not len(self._left):
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._left = memoryview(piece)
        count = min(len(buffer), len(self._left))
        buffer[:count] = self._left[:count]
        self._left = self._left[count:]  # a view: no copy of the rest of the chunk
        return count

    def close(self) -> None:
        if not self.closed:
            getattr(self._pieces, "close", lambda: None)()
            self._stream.close()
        super().close()


def open_file(stream: BinaryIO, name: str, *, lot_private_key: X25519PrivateKey, lot_code: str, bidder_code: str,
              expected_manifest_hash: str | None = None) -> PlainFile:
    """One document of a stored envelope, to stream out (e.g. to a committee member) without writing it anywhere.

    Everything ``open_envelope`` checks before the body is checked here, at the call; then each chunk is verified
    by its tag as it is read (the last chunk's nonce marks the end, so a cut file fails), and the file's listed hash
    (salted, or in version 3 the ciphertext's) once the whole file has been read. A failure after the first chunk
    raises from ``read``. ``stream`` is closed with the returned file."""
    start, _, header, manifest, _, _, data_key = _unseal(stream, lot_private_key, lot_code, bidder_code,
                                                         expected_manifest_hash)
    index = next((n for n, entry in enumerate(header.files) if entry.name == name), None)
    if index is None:
        raise DomainError(N_("No such document."), field="document")
    entry = header.files[index]
    position = start + len(header.raw) + body_length(header.files[:index], header.chunk_size)
    keys = chunks.file_keys(data_key, entry.salt, index)
    pieces = _plain_chunks(stream, position, entry, keys, chunk_aad(header.hash, index), header.chunk_size,
                           header.version, manifest["files"][index])
    return PlainFile(stream, entry.size, pieces)


def _plain_chunks(stream: BinaryIO, position: int, entry, keys, aad: bytes, chunk_size: int, version: int,
                  listed: dict):
    """The file's plaintext, chunk by authenticated chunk; its listed hash is checked after the last one."""
    aead, salted = AESGCM(keys[0]), salted_hasher(version, keys[1], entry.size, chunk_size)
    cipher_hash = ciphertext_hasher(version, entry.size, chunk_size) if salted is None else None
    stream.seek(position)
    reader = Reader(stream, limit=body_length([entry], chunk_size))
    for counter, length, last in chunk_lengths(entry.size, chunk_size):
        sealed = reader.read(length + TAG)
        try:
            plain = aead.decrypt(nonce(counter, last), sealed, aad)
        except InvalidTag:
            raise bad(N_("Chunk %(chunk)s of %(name)s does not decrypt: its authentication tag is wrong."), "tag",
                      chunk=counter, name=entry.name) from None
        (cipher_hash or salted).chunk(counter, sealed if salted is None else plain)
        yield plain
    if salted is None:
        if cipher_hash.digest().hex() != listed["ciphertext_hash"]:
            raise _altered(entry.name)
    elif salted.digest().hex() != listed["salted_hash"]:
        raise bad(N_("%(name)s does not match its salted hash in the signed manifest."), "salted_hash", name=entry.name)


def _altered(name: str) -> EnvelopeError:
    return bad(N_("The encrypted file %(name)s does not match the signed manifest."), "ciphertext", name=name)


__all__ = ["EnvelopeError", "EnvelopeInfo", "FileInfo", "OpenedBid", "OpenedFile", "PlainFile", "SealResult",
           "check_for_upload", "fingerprint", "inspect", "open_envelope", "open_file", "seal"]
