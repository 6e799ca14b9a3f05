"""Sealed bid envelopes: round trips, every tampering the issue lists, bindings, faults, and flat memory."""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from trading.domain.errors import DomainError
from trading.domain.sealing import (
    EnvelopeError,
    check_for_upload,
    chunks,
    envelope,
    fingerprint,
    inspect,
    layout,
    open_envelope,
    seal,
)

LOT, BIDDER = "4212002026JS0001-1", "91420100MA4K000001"
FORM = {"price": "12345678.90", "duration": "180日历天", "quality": "合格"}
MIB = 1024 * 1024


def certificate_for(key: ed25519.Ed25519PrivateKey, name: str = BIDDER, serial: int = 4660) -> bytes:
    """A self-signed certificate for ``key`` (the CA check is pki's job, not the envelope's)."""
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(serial).not_valid_before(now).not_valid_after(now + timedelta(days=30)).sign(key, None))
    return cert.public_bytes(serialization.Encoding.PEM)


class Party:
    """Keys of one test world: the lot's opening key, another lot's, the bidder's signing key and certificate."""

    def __init__(self):
        self.lot = x25519.X25519PrivateKey.generate()
        self.other_lot = x25519.X25519PrivateKey.generate()
        self.signer = ed25519.Ed25519PrivateKey.generate()
        self.cert = certificate_for(self.signer)

    @property
    def public(self) -> bytes:
        return self.lot.public_key().public_bytes_raw()


@pytest.fixture(scope="module")
def keys() -> Party:
    return Party()


def make(keys, files=(("tech.pdf", b"T" * 300), ("empty.txt", b"")), *, chunk_size=64, form=FORM, lot=LOT,
         bidder=BIDDER, signer=None, cert=None, rng=None, version=None) -> tuple[bytes, object]:
    """Seal ``files`` (name, bytes) into bytes (in format ``version``, else the current one)."""
    out = io.BytesIO()
    extra = {"rng": rng} if rng else {}
    if version is not None:
        extra["version"] = version
    result = seal(out, lot_code=lot, bidder_code=bidder, lot_public_key=keys.public, price_form=dict(form),
                  files=[(name, io.BytesIO(data)) for name, data in files], signer=signer or keys.signer,
                  certificate_pem=cert or keys.cert, chunk_size=chunk_size, **extra)
    return out.getvalue(), result


def unseal(keys, data: bytes, *, key=None, lot=LOT, bidder=BIDDER, expected=None):
    """Open ``data``; return the opened bid and the decrypted files."""
    outputs: dict[str, io.BytesIO] = {}
    bid = open_envelope(io.BytesIO(data), lot_private_key=key or keys.lot, lot_code=lot, bidder_code=bidder,
                        sink=lambda name: outputs.setdefault(name, io.BytesIO()), expected_manifest_hash=expected)
    return bid, {name: out.getvalue() for name, out in outputs.items()}


def upload(keys, data: bytes, *, lot=LOT, bidder=BIDDER, public=None):
    """Run the platform's upload check."""
    return check_for_upload(io.BytesIO(data), lot_code=lot, lot_public_key=public or keys.public, bidder_code=bidder)


class Map:
    """Where things are in an envelope: header fields, each file's chunks, trailer fields."""

    def __init__(self, data: bytes):
        self.header = layout.read_header(layout.Reader(io.BytesIO(data)))
        h = self.header
        self.header_len = len(h.raw)
        self.lot_code = 60
        self.bidder_code = self.lot_code + len(h.lot_code.encode()) + 2
        self.enc = self.bidder_code + len(h.bidder_code.encode()) + 2
        self.wrapped = self.enc + layout.ENC_LEN + 2
        self.chunks: list[list[tuple[int, int]]] = []
        position = self.header_len
        for entry in h.files:
            spans = []
            for _, length, _ in layout.chunk_lengths(entry.size, h.chunk_size):
                spans.append((position, length + layout.TAG))
                position += length + layout.TAG
            self.chunks.append(spans)
        self.trailer = position
        (m_len,) = struct.unpack(">I", data[position + 8:position + 12])
        self.manifest = position + 12
        self.manifest_hash = self.manifest + m_len
        (c_len,) = struct.unpack(">H", data[self.manifest_hash + 32:self.manifest_hash + 34])
        self.certificate = self.manifest_hash + 34
        self.signature = self.certificate + c_len + 2
        self.end = self.signature + 64

    def body(self, data: bytes) -> bytes:
        return data[self.header_len:self.trailer]

    def chunk(self, data: bytes, file: int, index: int) -> bytes:
        start, length = self.chunks[file][index]
        return data[start:start + length]


def flip(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def resign(keys, data: bytes, *, header: bytes | None = None, body: bytes | None = None, signer=None, cert=None,
           signature: bytes | None = None) -> bytes:
    """Rebuild the manifest and signature around a changed header or body, as a forger holding a signing key would."""
    where = Map(data)
    old_manifest = layout.parse_manifest(layout.read_trailer(layout.Reader(io.BytesIO(data[where.trailer:]))),
                                         where.header)
    new_header = layout.read_header(layout.Reader(io.BytesIO(header or where.header.raw)))
    new_body = where.body(data) if body is None else body
    cursor, ciphertext = 0, []
    for entry in new_header.files:
        digest = layout.ciphertext_hasher(new_header.version, entry.size, new_header.chunk_size)
        for index, length, _ in layout.chunk_lengths(entry.size, new_header.chunk_size):
            digest.chunk(index, new_body[cursor:cursor + length + layout.TAG])
            cursor += length + layout.TAG
        ciphertext.append(digest.digest())
    salted = None  # version 3 lists none; a forger writes whatever it likes for 1 and 2
    if new_header.version in layout.SALTED_VERSIONS:
        salted = [bytes.fromhex(f.get("salted_hash", "00" * 32)) for f in old_manifest["files"]]
        salted = (salted + [bytes(32)] * len(new_header.files))[:len(new_header.files)]
    cert_pem = cert or keys.cert
    cert_der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    manifest = layout.canonical_json(layout.build_manifest(new_header, salted, ciphertext, cert_der))
    digest = hashlib.sha256(manifest).digest()
    if signature is None:
        signature = (signer or keys.signer).sign(layout.SIGNATURE_CONTEXT + digest)
    return new_header.raw + new_body + layout.encode_trailer(manifest, cert_der, signature)


def swap_chunks(data: bytes, where: Map, a: tuple[int, int], b: tuple[int, int]) -> bytes:
    """The body with two equal-length chunks exchanged."""
    body = bytearray(data)
    (sa, la), (sb, lb) = where.chunks[a[0]][a[1]], where.chunks[b[0]][b[1]]
    assert la == lb
    body[sa:sa + la], body[sb:sb + lb] = data[sb:sb + lb], data[sa:sa + la]
    return bytes(body[where.header_len:where.trailer])


# -- round trips --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 128, 64 * 5 + 7])
def test_round_trip_sizes(keys, size):
    """0 bytes, 1 byte, just under/at/over one chunk, two exact chunks and several chunks all come back intact."""
    content = bytes(range(256)) * 3
    document = (content * (size // len(content) + 1))[:size]
    data, result = make(keys, [("doc.bin", document)])
    bid, outputs = unseal(keys, data)
    assert outputs["doc.bin"] == document
    assert bid.price_form == FORM
    assert bid.manifest_hash == result.manifest_hash
    assert result.manifest_hash == hashlib.sha256(layout.canonical_json(result.manifest)).hexdigest()
    assert [f.name for f in bid.files] == ["price-form.json", "doc.bin"]
    assert bid.files[1].size == size
    assert len(data) == result.size


def test_round_trip_default_chunk_and_threads(keys, monkeypatch):
    """Several multi-chunk files, hashed on the helper thread, open to the same bytes under the default format."""
    monkeypatch.setattr(chunks, "PARALLEL_FROM", 0)
    files = [(f"part-{i}.bin", bytes([i]) * (64 * i + i)) for i in range(1, 8)]
    data, result = make(keys, files)
    bid, outputs = unseal(keys, data)
    assert all(outputs[name] == content for name, content in files)
    _, outputs = unseal(keys, data, expected=result.manifest_hash)
    assert all(outputs[name] == content for name, content in files)
    data, _ = make(keys, files, chunk_size=layout.DEFAULT_CHUNK)
    assert unseal(keys, data)[1]["part-7.bin"] == files[-1][1]


@pytest.mark.parametrize("version", [3, 2, 1])
def test_file_hashes_are_verifiable_after_opening_and_never_of_the_plain_document(keys, version):
    """Version 3 lists each file's ciphertext hash: once the opening reveals the file key, anyone holding the
    document seals it again and finds that hash. Versions 1 and 2 also list a hash under a secret salt (v1:
    SHA-256(salt || file); v2: per chunk, combined) that the opening reveals. No hash of a plain document (which
    would let a guess of the price be tested) is ever in the envelope."""
    document = b"technical proposal" * 10
    data, result = make(keys, [("tech.pdf", document)], version=version)
    bid, outputs = unseal(keys, data)
    assert (bid.version, bid.chunk_size) == (version, 64)
    for index, opened in enumerate(bid.files):
        content = outputs[opened.name]
        aad = layout.chunk_aad(bytes.fromhex(bid.header_hash), index)
        assert chunks.ciphertext_hash_of(version, bytes.fromhex(opened.file_key), aad, content, 64).hex() \
            == opened.ciphertext_hash
        assert hashlib.sha256(content).hexdigest() not in data.hex()
        assert opened.file_key not in data.hex()  # secret until the opening
        if version == 3:
            assert opened.salted_hash is opened.commitment_salt is None
            continue
        salt = bytes.fromhex(opened.commitment_salt)
        assert layout.salted_hash_of(version, salt, content, 64).hex() == opened.salted_hash
        if version == 1:
            assert hashlib.sha256(salt + content).hexdigest() == opened.salted_hash
        assert opened.commitment_salt not in data.hex()  # the salt is secret until the opening
    listed = {f["name"]: f for f in result.manifest["files"]}
    assert listed["tech.pdf"]["ciphertext_hash"] == bid.files[1].ciphertext_hash
    assert listed["tech.pdf"].get("salted_hash") == bid.files[1].salted_hash
    assert ("salted_hash" in listed["tech.pdf"]) == (version != 3)


def test_price_length_is_hidden(keys):
    """The price form is padded to 1 KiB, so a 3-digit and a 12-digit price make envelopes of the same size."""
    small, _ = make(keys, [], form={"price": "1.00", "duration": "1天"})
    large, _ = make(keys, [], form={"price": "123456789012.34", "duration": "1天"})
    assert len(small) == len(large)


def test_inspect_shows_public_information_only(keys):
    """inspect reads lot, bidder, suite, files, hashes, signature and certificate without any private key."""
    data, result = make(keys)
    info = inspect(io.BytesIO(data))
    assert (info.version, info.lot_code, info.bidder_code, info.chunk_size) == (3, LOT, BIDDER, 64)
    assert info.manifest["format"] == "trading-envelope/3"
    assert info.lot_key_fingerprint == fingerprint(keys.public)
    assert re.fullmatch(r"[0-9a-f]{4}( [0-9a-f]{4}){7}", info.lot_key_fingerprint)
    assert [(f.name, f.size) for f in info.files] == [("price-form.json", 1024), ("tech.pdf", 300), ("empty.txt", 0)]
    assert info.signature_valid and info.body_ok and info.size == len(data)
    assert info.manifest_hash == result.manifest_hash
    assert info.certificate().serial_number == 4660
    assert info.certificate_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert "HPKE" in info.suite


def test_inspect_streams_without_seeking(keys):
    """inspect and the upload check read a stream front to back: an upload need not be seekable."""
    data, _ = make(keys)

    class OneWay(io.RawIOBase):
        def __init__(self, payload):
            self._inner = io.BytesIO(payload)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self._inner.readinto(buffer)

    assert inspect(OneWay(data)).body_ok
    assert check_for_upload(OneWay(data), lot_code=LOT, lot_public_key=keys.public, bidder_code=BIDDER)


# -- refusals when sealing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"price": "0", "duration": "1天"}, "price"),
        ({"price": "-5", "duration": "1天"}, "price"),
        ({"price": "1.234", "duration": "1天"}, "price"),
        ({"price": "abc", "duration": "1天"}, "price"),
        ({"duration": "1天"}, "price"),
        ({"price": "100"}, "duration"),
        ({"price": "100", "duration": " "}, "duration"),
        ({"price": "100", "duration": "1天", "note": 5}, "note"),
    ],
)
def test_seal_refuses_bad_price_forms(keys, form, field):
    """The price form needs a positive price with at most 2 decimals, a duration, and text fields."""
    with pytest.raises(DomainError) as caught:
        make(keys, form=form)
    assert caught.value.field == field


def test_seal_normalises_the_price(keys):
    """A price typed as "1,234.5" is sealed as the canonical "1234.50"."""
    data, _ = make(keys, form={"price": "1,234.5", "duration": "90天"})
    assert unseal(keys, data)[0].price_form == {"price": "1234.50", "duration": "90天"}


@pytest.mark.parametrize(
    "files",
    [
        [("price-form.json", b"x")],
        [("a.pdf", b"1"), ("a.pdf", b"2")],
        [("dir/a.pdf", b"1")],
        [("..", b"1")],
        [("", b"1")],
    ],
)
def test_seal_refuses_bad_document_names(keys, files):
    """Names are plain, distinct, and never the reserved price-form name."""
    with pytest.raises(DomainError) as caught:
        make(keys, files)
    assert caught.value.field == "files"


def test_seal_refuses_a_document_that_changes_while_sealing(keys):
    """A declared size that the stream does not deliver (or exceeds) is refused."""
    for declared, content in [(10, b"short"), (2, b"longer")]:
        with pytest.raises(DomainError, match="changed while"):
            seal(io.BytesIO(), lot_code=LOT, bidder_code=BIDDER, lot_public_key=keys.public, price_form=FORM,
                 files=[("a.bin", io.BytesIO(content), declared)], signer=keys.signer, certificate_pem=keys.cert)


def test_seal_refuses_a_certificate_of_another_key_and_a_bad_lot_key(keys):
    """The certificate must carry the signing key; the lot key must be a usable 32-byte X25519 key."""
    other = certificate_for(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(DomainError) as caught:
        make(keys, cert=other)
    assert caught.value.field == "certificate"
    for bad_key in (b"\x00" * 32, b"short"):
        with pytest.raises(DomainError) as caught:
            seal(io.BytesIO(), lot_code=LOT, bidder_code=BIDDER, lot_public_key=bad_key, price_form=FORM, files=[],
                 signer=keys.signer, certificate_pem=keys.cert)
        assert caught.value.field == "lot_public_key"


# -- tampering: one flipped byte anywhere -------------------------------------------------------------------------

POSITIONS = {
    "magic": lambda m: 0,
    "version": lambda m: 9,
    "header length": lambda m: 13,
    "suite": lambda m: 15,
    "chunk size": lambda m: 25,
    "lot key hash": lambda m: 40,
    "lot code": lambda m: m.lot_code + 3,
    "bidder code": lambda m: m.bidder_code + 5,
    "encapsulated key": lambda m: m.enc + 7,
    "wrapped data key": lambda m: m.wrapped + 11,
    "wrapped data key tag": lambda m: m.wrapped + 47,
    "file size": lambda m: m.header_len - 32 - 32 - 1 - 8 - 32 - 1,
    "file salt": lambda m: m.header_len - 32 - 5,
    "key commitment": lambda m: m.header_len - 1,
    "price form chunk": lambda m: m.chunks[0][0][0] + 20,
    "first document chunk": lambda m: m.chunks[1][0][0],
    "middle document chunk": lambda m: m.chunks[1][2][0] + 30,
    "last document chunk": lambda m: m.chunks[1][-1][0],
    "a chunk's tag": lambda m: m.chunks[1][1][0] + m.chunks[1][1][1] - 3,
    "empty file's tag": lambda m: m.chunks[2][0][0] + 15,
    "trailer magic": lambda m: m.trailer + 2,
    "manifest length": lambda m: m.trailer + 11,
    "manifest": lambda m: m.manifest + 40,
    "manifest hash": lambda m: m.manifest_hash + 5,
    "certificate": lambda m: m.certificate + 100,
    "signature": lambda m: m.signature + 10,
    "trailer length": lambda m: m.end + 3,
    "end magic": lambda m: m.end + 6,
}


@pytest.fixture(scope="module", params=[3, 2, 1], ids=["v3", "v2", "v1"])
def sealed(keys, request):
    """One envelope with a price form, a 5-chunk document and an empty file, in format v3 and in v2 and v1 (still
    read)."""
    return make(keys, [("tech.pdf", bytes(range(256)) + b"!" * 44), ("empty.txt", b"")], version=request.param)


@pytest.mark.parametrize("part", list(POSITIONS))
def test_a_flipped_byte_is_refused_at_upload_and_at_opening(keys, sealed, part):
    """Header, wrapped key, any chunk, any tag, the manifest, its hash, the certificate, the signature, the trailer."""
    data, result = sealed
    changed = flip(data, POSITIONS[part](Map(data)))
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, changed)
    assert caught.value.field == "envelope" and caught.value.rule == "electronic.encrypted_bids"
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, changed)
    assert caught.value.fault == "bidder" and caught.value.rule == "electronic.decryption_failure"
    with pytest.raises(EnvelopeError) as caught:  # after a receipt for the original, a changed byte is the store's
        unseal(keys, changed, expected=result.manifest_hash)
    assert caught.value.fault == "platform"


def test_the_unchanged_envelope_passes_every_check(keys, sealed):
    """The control for the flips above."""
    data, result = sealed
    assert upload(keys, data).manifest_hash == result.manifest_hash
    assert unseal(keys, data, expected=result.manifest_hash)[1]["tech.pdf"][:3] == b"\x00\x01\x02"


@pytest.mark.parametrize("cut", [1, 16, 80, 200, 500])
def test_truncated_envelopes_are_refused(keys, sealed, cut):
    """Cutting bytes off the end (trailer, last chunks) or appending bytes is refused."""
    data, _ = sealed
    for changed in (data[:-cut], data + b"\x00" * cut):
        with pytest.raises(EnvelopeError):
            upload(keys, changed)
        with pytest.raises(EnvelopeError):
            unseal(keys, changed)


def test_removed_chunk_is_refused(keys, sealed):
    """Dropping a whole chunk from the body shifts everything: refused at upload and at opening."""
    data, _ = sealed
    where = Map(data)
    start, length = where.chunks[1][2]
    changed = data[:start] + data[start + length:]
    with pytest.raises(EnvelopeError):
        upload(keys, changed)
    with pytest.raises(EnvelopeError):
        unseal(keys, changed)


# -- tampering by someone who can re-sign the manifest --------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [((1, 0), (1, 1)), ((1, 1), (1, 3)), ((0, 0), (0, 15))],
    ids=["adjacent", "distant", "price-form"],
)
def test_reordered_chunks_are_refused_even_with_a_fresh_signature(keys, sealed, a, b):
    """The nonce counts chunks, so a reordered body fails its tags even when the manifest is re-signed."""
    data, _ = sealed
    forged = resign(keys, data, body=swap_chunks(data, Map(data), a, b))
    upload(keys, forged)  # the forger made the manifest consistent
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, forged)
    assert (caught.value.reason, caught.value.fault) == ("tag", "bidder")


@pytest.mark.parametrize(
    ("part", "reason"),
    [("encapsulated key", "wrapped_key"), ("wrapped data key", "wrapped_key"), ("wrapped data key tag", "wrapped_key"),
     ("key commitment", "commitment"), ("price form chunk", "tag"), ("middle document chunk", "tag"),
     ("a chunk's tag", "tag"), ("empty file's tag", "tag")],
)
def test_the_cipher_catches_a_flipped_byte_even_with_a_fresh_signature(keys, sealed, part, reason):
    """HPKE, the key commitment and the chunk tags catch a change on their own, whatever the manifest says."""
    data, _ = sealed
    where = Map(data)
    changed = flip(data, POSITIONS[part](where))
    new_header = changed[:where.header_len]
    forged = resign(keys, data, header=new_header, body=changed[where.header_len:where.trailer])
    upload(keys, forged)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, forged)
    assert (caught.value.reason, caught.value.fault) == (reason, "bidder")


def test_duplicated_chunk_is_refused_even_with_a_fresh_signature(keys, sealed):
    """A chunk copied over its neighbour fails its tag (the counter differs)."""
    data, _ = sealed
    where = Map(data)
    body = bytearray(where.body(data))
    (s1, length), (s2, _) = where.chunks[1][1], where.chunks[1][2]
    body[s2 - where.header_len:s2 - where.header_len + length] = data[s1:s1 + length]
    forged = resign(keys, data, body=bytes(body))
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, forged)
    assert caught.value.reason == "tag"


def test_truncation_with_a_fresh_header_is_refused(keys):
    """Dropping a file's last chunk and shrinking its size: the key commitment fails; with the data key, the tag."""
    data_key = b"K" * 32
    stream = iter([data_key] + [bytes([i]) * 32 for i in range(10)])
    data, _ = make(keys, [("tech.pdf", b"D" * 200)], rng=lambda n: next(stream)[:n])
    where = Map(data)
    h = where.header
    files = (h.files[0], layout.FileEntry("tech.pdf", 192, h.files[1].salt))
    unsigned = layout.encode_header(chunk_size=h.chunk_size, lot_code=h.lot_code, bidder_code=h.bidder_code,
                                    lot_key_hash=h.lot_key_hash, enc=h.enc, wrapped_key=h.wrapped_key, files=files)
    start, length = where.chunks[1][-1]
    body = data[where.header_len:start]
    forged = resign(keys, data, header=unsigned + h.commitment, body=body)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, forged)
    assert caught.value.reason == "commitment"
    bidder_forged = resign(keys, data, header=unsigned + envelope._commitment(data_key, unsigned), body=body)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, bidder_forged)
    assert caught.value.reason == "tag"  # chunk 2 was not sealed as the last one, and the header hash changed


def test_chunks_spliced_between_files_or_envelopes_are_refused(keys):
    """A chunk moved to another file of the same envelope, or from another envelope, fails its tag."""
    files = [("a.bin", b"A" * 128), ("b.bin", b"B" * 128)]
    data, _ = make(keys, files)
    other, _ = make(keys, files)
    where = Map(data)
    body = bytearray(where.body(data))
    start, length = where.chunks[2][0]
    body[start - where.header_len:start - where.header_len + length] = where.chunk(data, 1, 0)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, resign(keys, data, body=bytes(body)))
    assert caught.value.reason == "tag"
    body = bytearray(where.body(data))
    body[start - where.header_len:start - where.header_len + length] = Map(other).chunk(other, 2, 0)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, resign(keys, data, body=bytes(body)))
    assert caught.value.reason == "tag"


# -- signatures -----------------------------------------------------------------------------------------------------


def test_unsigned_envelope_is_refused(keys, sealed):
    """An envelope without a signature is not an envelope the platform accepts."""
    data, _ = sealed
    unsigned = resign(keys, data, signature=b"")
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, unsigned)
    assert caught.value.reason == "signature"
    with pytest.raises(EnvelopeError):
        inspect(io.BytesIO(unsigned))


@pytest.mark.parametrize("how", ["another key", "no context", "zeros"])
def test_wrongly_signed_envelope_is_refused(keys, sealed, how):
    """A signature by another key, over the bare manifest hash, or garbage, does not verify."""
    data, _ = sealed
    where = Map(data)
    digest = data[where.manifest_hash:where.manifest_hash + 32]
    signature = {"another key": ed25519.Ed25519PrivateKey.generate().sign(layout.SIGNATURE_CONTEXT + digest),
                 "no context": keys.signer.sign(digest), "zeros": b"\x00" * 64}[how]
    forged = resign(keys, data, signature=signature)
    assert inspect(io.BytesIO(forged)).signature_valid is False
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, forged)
    assert caught.value.reason == "signature"
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, forged)
    assert (caught.value.reason, caught.value.fault) == ("signature", "bidder")


def test_the_embedded_certificate_is_exposed_for_the_ca_check(keys, sealed):
    """The signature verifies under the embedded certificate; whose certificate it is, the caller checks with pki."""
    data, _ = sealed
    intruder = ed25519.Ed25519PrivateKey.generate()
    forged = resign(keys, data, signer=intruder, cert=certificate_for(intruder, "someone else", 99))
    info = upload(keys, forged)
    assert info.certificate().serial_number == 99  # pki.py refuses it: not issued to this bidder by the CA


# -- lot and bidder bindings ----------------------------------------------------------------------------------------


def test_envelope_for_another_lot_is_refused(keys, sealed):
    """Another lot code or another opening key is refused at upload; another lot's key cannot open it."""
    data, _ = sealed
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, data, lot="4212002026JS0002-1")
    assert caught.value.reason == "lot"
    other_public = keys.other_lot.public_key().public_bytes_raw()
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, data, public=other_public)
    assert caught.value.reason == "lot_key" and fingerprint(other_public) in str(caught.value)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, data, key=keys.other_lot)
    assert (caught.value.reason, caught.value.fault) == ("lot_key", "bidder")


def test_envelope_copied_from_another_bidder_is_refused(keys, sealed):
    """Submitted as is under another bidder: refused. Relabelled and re-signed by the copier: it cannot be opened."""
    data, _ = sealed
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, data, bidder="91420100MA4K000002")
    assert caught.value.reason == "bidder"
    h = Map(data).header
    unsigned = layout.encode_header(chunk_size=h.chunk_size, lot_code=h.lot_code, bidder_code="91420100MA4K000002",
                                    lot_key_hash=h.lot_key_hash, enc=h.enc, wrapped_key=h.wrapped_key, files=h.files)
    with pytest.raises(EnvelopeError):  # relabelled without a new signature: the manifest names the old header
        upload(keys, unsigned + h.commitment + data[len(h.raw):], bidder="91420100MA4K000002")
    copier = ed25519.Ed25519PrivateKey.generate()
    forged = resign(keys, data, header=unsigned + h.commitment, signer=copier, cert=certificate_for(copier))
    upload(keys, forged, bidder="91420100MA4K000002")
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, forged, bidder="91420100MA4K000002")
    assert (caught.value.reason, caught.value.fault) == ("wrapped_key", "bidder")


def test_key_commitment_refuses_a_swapped_data_key(keys, sealed):
    """A header whose wrapped key is replaced by another data key for the same lot fails the key commitment."""
    data, _ = sealed
    h = Map(data).header
    wrapped = envelope.HPKE.encrypt(b"\x42" * 32, keys.lot.public_key(), info=layout.hpke_info(LOT, BIDDER))
    unsigned = layout.encode_header(chunk_size=h.chunk_size, lot_code=LOT, bidder_code=BIDDER,
                                    lot_key_hash=h.lot_key_hash, enc=wrapped[:32], wrapped_key=wrapped[32:],
                                    files=h.files)
    forged = resign(keys, data, header=unsigned + h.commitment)
    upload(keys, forged)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, forged)
    assert (caught.value.reason, caught.value.fault) == ("commitment", "bidder")


def test_a_forged_price_form_is_refused(keys, monkeypatch):
    """A hand-made, non-canonical price form (duplicate keys) fails at the opening: the bidder's fault."""
    text = b'{"duration":"1\\u5929","price":"1.00","price":"2.00"}'
    monkeypatch.setattr(envelope, "encode_price_form", lambda form: (form, text + b" " * (1024 - len(text))))
    data, _ = make(keys, [])
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, data)
    assert (caught.value.reason, caught.value.fault) == ("price_form", "bidder")


# -- faults of the platform -----------------------------------------------------------------------------------------


def test_an_older_envelope_served_for_a_receipted_one_is_the_platforms_fault(keys):
    """With the receipted manifest hash, opening another (even valid) envelope of the bidder is refused."""
    old, _ = make(keys)
    new, result = make(keys)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, old, expected=result.manifest_hash)
    assert (caught.value.reason, caught.value.fault) == ("receipt", "platform")
    assert unseal(keys, new, expected=result.manifest_hash)[0].manifest_hash == result.manifest_hash


def test_storage_errors_are_the_platforms_fault(keys, sealed):
    """A read error of the store, or a write error of the sink, is reported as the platform's fault."""
    data, _ = sealed

    class Failing(io.BytesIO):
        def readinto(self, buffer):
            if self.tell() > 2000:
                raise OSError("disk read error")
            return super().readinto(buffer)

    with pytest.raises(EnvelopeError) as caught:
        open_envelope(Failing(data), lot_private_key=keys.lot, lot_code=LOT, bidder_code=BIDDER,
                      sink=lambda name: io.BytesIO())
    assert (caught.value.reason, caught.value.fault) == ("io", "platform")

    def full_disk(name):
        raise OSError("no space left on device")

    with pytest.raises(EnvelopeError) as caught:
        open_envelope(io.BytesIO(data), lot_private_key=keys.lot, lot_code=LOT, bidder_code=BIDDER, sink=full_disk)
    assert caught.value.fault == "platform"


# -- memory ---------------------------------------------------------------------------------------------------------


class Generated(io.RawIOBase):
    """A read-only, seekable file of ``size`` bytes made on the fly from a 64 KiB pattern; never held whole."""

    def __init__(self, size: int):
        self.size, self.position = size, 0
        self.pattern = hashlib.shake_256(b"document").digest(64 * 1024)

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self.position)
        done = 0
        while done < count:
            offset = (self.position + done) % len(self.pattern)
            piece = min(count - done, len(self.pattern) - offset)
            buffer[done:done + piece] = self.pattern[offset:offset + piece]
            done += piece
        self.position += count
        return count


class HashingSink(io.RawIOBase):
    """Counts and hashes what it receives, keeping nothing."""

    def __init__(self):
        self.digest, self.count = hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, data):
        self.digest.update(data)
        self.count += len(data)
        return len(data)


def test_memory_stays_flat_for_a_64_mib_document(keys, tmp_path):
    """Sealing and opening 64 MiB streamed from a generator-backed file peak well under 8 MiB of Python memory."""
    size = 64 * MIB
    path = tmp_path / "bid.envelope"
    tracemalloc.start()
    try:
        with path.open("wb") as out:
            result = seal(out, lot_code=LOT, bidder_code=BIDDER, lot_public_key=keys.public, price_form=FORM,
                          files=[("big.bin", Generated(size))], signer=keys.signer, certificate_pem=keys.cert)
        seal_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        sinks: dict[str, HashingSink] = {}
        with path.open("rb") as stream:
            bid = open_envelope(stream, lot_private_key=keys.lot, lot_code=LOT, bidder_code=BIDDER,
                                sink=lambda name: sinks.setdefault(name, HashingSink()),
                                expected_manifest_hash=result.manifest_hash)
        open_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seal_peak < 8 * MIB and open_peak < 8 * MIB, (seal_peak, open_peak)
    expected, source, buffer = hashlib.sha256(), Generated(size), bytearray(MIB)
    while count := source.readinto(buffer):
        expected.update(buffer[:count])
    assert sinks["big.bin"].count == size and sinks["big.bin"].digest.digest() == expected.digest()
    assert bid.files[1].size == size and path.stat().st_size == result.size


def test_the_chunk_size_an_upload_declares_does_not_decide_the_memory_its_check_takes(keys):
    """An envelope declaring 16 MiB chunks around a few KiB: sealing, the upload check and the opening allocate
    buffers for the chunks it holds, not for the size it declares."""
    data, result = make(keys, [("tech.pdf", b"T" * 3000)], chunk_size=layout.MAX_CHUNK)
    tracemalloc.start()
    try:
        info = upload(keys, data)
        bid, outputs = unseal(keys, data, expected=result.manifest_hash)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.chunk_size == layout.MAX_CHUNK and outputs["tech.pdf"] == b"T" * 3000
    assert peak < MIB, peak


def test_one_document_streams_out_chunk_by_verified_chunk_and_a_changed_byte_stops_it(keys):
    """``open_file`` (a committee member's download): only the named document, decrypted as it is read; the
    envelope is checked before the first byte; a changed chunk raises from ``read`` instead of passing."""
    document = bytes(range(256)) * 5  # 1,280 bytes: 20 chunks of 64
    data, result = make(keys, files=(("a.txt", b"first"), ("tech.pdf", document)))
    plain = envelope.open_file(io.BytesIO(data), "tech.pdf", lot_private_key=keys.lot, lot_code=LOT,
                               bidder_code=BIDDER, expected_manifest_hash=result.manifest_hash)
    with plain:
        assert plain.size == len(document) and plain.read() == document
    with pytest.raises(DomainError):
        envelope.open_file(io.BytesIO(data), "missing.pdf", lot_private_key=keys.lot, lot_code=LOT, bidder_code=BIDDER)
    with pytest.raises(EnvelopeError):  # another envelope than the receipted one: refused before any byte
        envelope.open_file(io.BytesIO(data), "tech.pdf", lot_private_key=keys.lot, lot_code=LOT, bidder_code=BIDDER,
                           expected_manifest_hash="0" * 64)
    start, _ = Map(data).chunks[2][10]  # tech.pdf (after the price form and a.txt), its eleventh chunk
    plain = envelope.open_file(io.BytesIO(flip(data, start)), "tech.pdf", lot_private_key=keys.lot, lot_code=LOT,
                               bidder_code=BIDDER)
    with plain:
        assert b"".join(plain.read(64) for _ in range(10)) == document[:640]  # the ten chunks before it pass
        with pytest.raises(EnvelopeError):
            plain.read()


# -- format versions ------------------------------------------------------------------------------------------------

V1_FIXTURE = Path(__file__).parent / "data" / "envelope_v1.json"
DOC = Path(__file__).resolve().parents[2] / "docs" / "ENVELOPE.md"


@pytest.fixture(scope="module")
def stored_v1() -> dict:
    """A version 1 envelope made by the code before version 2 (commit 8b24ec6), with its lot key and contents."""
    fixture = json.loads(V1_FIXTURE.read_text(encoding="utf-8"))
    fixture["envelope"] = bytes.fromhex(fixture["envelope"])
    fixture["lot_private_key"] = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(fixture["lot_private_key"]))
    fixture["files"] = {name: bytes.fromhex(content) for name, content in fixture["files"].items()}
    return fixture


@pytest.mark.parametrize("threads", ["one thread", "two threads"])
def test_a_stored_v1_envelope_still_passes_every_check_and_opens(stored_v1, monkeypatch, threads):
    """An envelope sealed and receipted before version 2 is inspected, accepted, opened and re-checked as then."""
    if threads == "two threads":
        monkeypatch.setattr(chunks, "PARALLEL_FROM", 0)
    data, lot_key = stored_v1["envelope"], stored_v1["lot_private_key"]
    info = check_for_upload(io.BytesIO(data), lot_code=LOT, lot_public_key=lot_key.public_key().public_bytes_raw(),
                            bidder_code=BIDDER)
    assert (info.version, info.manifest_hash, info.manifest["format"]) == (1, stored_v1["manifest_hash"],
                                                                           "trading-envelope/1")
    assert info.body_ok and info.signature_valid
    outputs: dict[str, io.BytesIO] = {}
    bid = open_envelope(io.BytesIO(data), lot_private_key=lot_key, lot_code=LOT, bidder_code=BIDDER,
                        sink=lambda name: outputs.setdefault(name, io.BytesIO()),
                        expected_manifest_hash=stored_v1["manifest_hash"])
    assert bid.price_form == stored_v1["price_form"] and bid.version == 1
    assert {name: outputs[name].getvalue() for name in stored_v1["files"]} == stored_v1["files"]
    for opened in bid.files:  # version 1's salted hash: SHA-256(salt || file)
        content = outputs[opened.name].getvalue()
        assert hashlib.sha256(bytes.fromhex(opened.commitment_salt) + content).hexdigest() == opened.salted_hash
    with envelope.open_file(io.BytesIO(data), "notes.txt", lot_private_key=lot_key, lot_code=LOT,
                            bidder_code=BIDDER, expected_manifest_hash=stored_v1["manifest_hash"]) as plain:
        assert plain.read() == stored_v1["files"]["notes.txt"]
    changed = flip(data, Map(data).chunks[3][1][0] + 5)  # a byte of notes.txt's second chunk
    with pytest.raises(EnvelopeError) as caught:
        check_for_upload(io.BytesIO(changed), lot_code=LOT,
                         lot_public_key=lot_key.public_key().public_bytes_raw(), bidder_code=BIDDER)
    assert caught.value.reason == "ciphertext"


def test_new_envelopes_are_version_3_and_follow_the_documented_construction(keys):
    """A version 3 manifest lists each file's ciphertext hash alone, as docs/ENVELOPE.md writes it (recomputed with
    plain SHA-256, not with the code under test); the opened document sealed again under its file key with plain
    AES-256-GCM gives the same body."""
    document = bytes(range(256)) * 2 + b"end"
    data, result = make(keys, [("tech.pdf", document), ("empty.txt", b"")])
    assert result.manifest["format"] == "trading-envelope/3"
    where = Map(data)
    assert where.header.version == 3 and data[8:10] == b"\x00\x03"
    bid, outputs = unseal(keys, data, expected=result.manifest_hash)
    for index, (opened, listed) in enumerate(zip(bid.files, result.manifest["files"], strict=True)):
        assert set(listed) == {"name", "size", "ciphertext_hash"}
        digests = b"".join(hashlib.sha256(where.chunk(data, index, j)).digest()
                           for j in range(len(where.chunks[index])))
        assert hashlib.sha256(b"trading-envelope/2 ciphertext hash\x00" + digests).hexdigest() == \
            listed["ciphertext_hash"] == opened.ciphertext_hash
        aead, content = AESGCM(bytes.fromhex(opened.file_key)), outputs[opened.name]
        aad = hashlib.sha256(where.header.raw).digest() + struct.pack(">H", index)
        count = max(1, -(-len(content) // 64))
        body = b"".join(aead.encrypt(j.to_bytes(11, "big") + bytes([j == count - 1]), content[j * 64:(j + 1) * 64],
                                     aad) for j in range(count))
        assert body == b"".join(where.chunk(data, index, j) for j in range(count))


def test_version_2_envelopes_follow_the_documented_construction(keys):
    """The hashes in a version 2 manifest, recomputed from the body and the opened files with plain SHA-256 as
    docs/ENVELOPE.md writes them (not with the code under test)."""
    document = bytes(range(256)) * 2 + b"end"
    data, result = make(keys, [("tech.pdf", document), ("empty.txt", b"")], version=2)
    assert result.manifest["format"] == "trading-envelope/2"
    where = Map(data)
    assert where.header.version == 2 and data[8:10] == b"\x00\x02"
    bid, outputs = unseal(keys, data, expected=result.manifest_hash)
    for index, (opened, listed) in enumerate(zip(bid.files, result.manifest["files"], strict=True)):
        digests = b"".join(hashlib.sha256(where.chunk(data, index, j)).digest()
                           for j in range(len(where.chunks[index])))
        assert hashlib.sha256(b"trading-envelope/2 ciphertext hash\x00" + digests).hexdigest() == \
            listed["ciphertext_hash"]
        salt, content = bytes.fromhex(opened.commitment_salt), outputs[opened.name]
        parts = b"".join(hashlib.sha256(salt + struct.pack(">Q", j) + content[j * 64:(j + 1) * 64]).digest()
                         for j in range(max(1, -(-len(content) // 64))))
        assert hashlib.sha256(b"trading-envelope/2 salted hash\x00" + salt + parts).hexdigest() == \
            listed["salted_hash"] == opened.salted_hash


def test_the_test_vectors_of_the_format_document():
    """docs/ENVELOPE.md's test vectors are what the code computes."""
    text = DOC.read_text(encoding="utf-8")
    plain = b"trading-envelope/2 test vector. " * 5
    salted = layout.salted_hash_of(2, bytes(range(32)), plain, 64).hex()
    assert f"salted_hash   {salted}" in text
    body = bytes(k % 251 for k in range(132))
    cipher = layout.ciphertext_hasher(2, 100, 64)
    cipher.chunk(1, body[80:])  # any order
    cipher.chunk(0, body[:80])
    assert f"ciphertext_hash  {cipher.digest().hex()}" in text


@pytest.mark.parametrize("version", [3, 2, 1])
def test_sealing_on_two_threads_makes_the_same_envelope_as_on_one(keys, monkeypatch, version):
    """Given the same random bytes, the threaded pipeline seals byte for byte what the calling thread alone seals,
    and opens it the same way."""
    real = envelope.HPKE
    wrapped: list[bytes] = []

    class SameEphemeralKey:  # HPKE draws its ephemeral key itself: replay the first one
        def encrypt(self, *args, **kwargs):
            if not wrapped:
                wrapped.append(real.encrypt(*args, **kwargs))
            return wrapped[0]

    monkeypatch.setattr(envelope, "HPKE", SameEphemeralKey())
    files = [("tech.pdf", bytes(range(256)) * 800), ("small.txt", b"s" * 5000), ("empty.txt", b"")]
    made = {}
    for threads, start in (("one", 1 << 60), ("two", 0)):
        monkeypatch.setattr(chunks, "PARALLEL_FROM", start)
        stream = iter(bytes([n]) * 32 for n in range(100))
        made[threads] = make(keys, files, chunk_size=4096, rng=lambda n, s=stream: next(s)[:n], version=version)
    assert made["one"][0] == made["two"][0]
    assert made["one"][1].manifest_hash == made["two"][1].manifest_hash
    monkeypatch.setattr(envelope, "HPKE", real)
    for start in (1 << 60, 0):
        monkeypatch.setattr(chunks, "PARALLEL_FROM", start)
        bid, outputs = unseal(keys, made["two"][0])
        assert outputs["tech.pdf"] == files[0][1] and bid.version == version
        assert inspect(io.BytesIO(made["two"][0])).body_ok


def _moved(data: bytes, how: str) -> bytes:
    """The envelope with one chunk of tech.pdf (file 1) swapped, duplicated, dropped, or one of another file's
    chunks moved into it; the rest as sealed."""
    where = Map(data)
    start, length = where.chunks[1][1]
    if how == "dropped":
        return data[:start] + data[start + length:]
    if how == "swapped":
        return data[:where.header_len] + swap_chunks(data, where, (1, 1), (1, 2)) + data[where.trailer:]
    source = where.chunk(data, 1, 0) if how == "duplicated" else where.chunk(data, 2, 0)
    return data[:start] + source + data[start + length:]


@pytest.mark.parametrize("version", [3, 2, 1])
@pytest.mark.parametrize("how", ["swapped", "duplicated", "dropped", "moved from another file"])
def test_a_chunk_swapped_duplicated_dropped_or_moved_is_refused_with_its_reason(keys, how, version):
    """Without a fresh signature: refused at upload (the ciphertext hash, or the body's length); at the opening the
    bidder's fault, or the platform's after a receipt. With one: the tag of the out-of-place chunk."""
    data, result = make(keys, [("tech.pdf", bytes(range(256)) + b"!" * 44), ("other.bin", b"O" * 300)],
                        version=version)
    changed = _moved(data, how)
    reason = "body" if how == "dropped" else "ciphertext"
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, changed)
    assert caught.value.reason == reason
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, changed)
    assert (caught.value.reason, caught.value.fault) == (reason, "bidder")
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, changed, expected=result.manifest_hash)
    assert (caught.value.reason, caught.value.fault) == (reason, "platform")
    if how != "dropped":
        where = Map(data)
        forged = resign(keys, data, body=changed[where.header_len:where.trailer])
        assert upload(keys, forged).body_ok
        with pytest.raises(EnvelopeError) as caught:
            unseal(keys, forged)
        assert (caught.value.reason, caught.value.fault) == ("tag", "bidder")


def test_a_changed_version_is_refused(keys, sealed):
    """The other supported version in the header: the signed manifest names another header (and format), so the
    upload check refuses it; re-signed, the key commitment fails. An unknown version is refused as such."""
    data, result = sealed
    where = Map(data)
    other = {1: 3, 2: 3, 3: 2}[where.header.version]
    changed = data[:8] + struct.pack(">H", other) + data[10:]
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, changed)
    assert caught.value.reason == "manifest"
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, changed, expected=result.manifest_hash)
    assert (caught.value.reason, caught.value.fault) == ("manifest", "platform")
    forged = resign(keys, data, header=changed[:where.header_len])
    assert upload(keys, forged).version == other
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, forged)
    assert (caught.value.reason, caught.value.fault) == ("commitment", "bidder")
    with pytest.raises(EnvelopeError) as caught:
        upload(keys, data[:8] + struct.pack(">H", 4) + data[10:])
    assert caught.value.reason == "version"


@pytest.mark.parametrize("version", [3, 2])
def test_a_body_the_bidder_sealed_again_under_its_own_key_is_caught_at_the_opening(keys, version):
    """The bidder knows its keys, so it can make a second body with valid tags (another document under the same
    key, nonces and associated data). Swapped in after the receipt (an insider's help), it decrypts cleanly; the
    hash the signed manifest lists catches it at the opening, as the platform's fault (the stored bytes are not the
    receipted ones), and the streamed document stops at its end."""
    data, result = make(keys, [("tech.pdf", b"the real proposal " * 20)], version=version)
    bid, _ = unseal(keys, data, expected=result.manifest_hash)
    where, opened = Map(data), bid.files[1]
    aead, aad = AESGCM(bytes.fromhex(opened.file_key)), layout.chunk_aad(where.header.hash, 1)
    other = b"a rival's proposal" * 20  # as long as the real one
    count = len(where.chunks[1])
    forged_body = b"".join(aead.encrypt(layout.nonce(j, j == count - 1), other[j * 64:(j + 1) * 64], aad)
                           for j in range(count))
    start = where.chunks[1][0][0]
    swapped = data[:start] + forged_body + data[start + len(forged_body):]
    assert swapped != data and len(swapped) == len(data)
    with pytest.raises(EnvelopeError) as caught:
        unseal(keys, swapped, expected=result.manifest_hash)
    assert (caught.value.reason, caught.value.fault) == ("ciphertext", "platform")
    plain = envelope.open_file(io.BytesIO(swapped), "tech.pdf", lot_private_key=keys.lot, lot_code=LOT,
                               bidder_code=BIDDER, expected_manifest_hash=result.manifest_hash)
    with plain, pytest.raises(EnvelopeError):
        plain.read()
