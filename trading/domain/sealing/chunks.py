"""The body cipher: each file as fixed-size AES-256-GCM chunks, streamed through a few reusable buffers.

Sealing hashes every chunk's ciphertext for the manifest (format versions 1 and 2 also hashed, and still hash
when read, the plaintext under the secret commitment salt). In versions 2 and 3 every chunk's digests are
independent (``layout.ChunkHashes``), so any thread may compute any of them: a helper thread hashes chunks while
the calling thread reads, encrypts and writes, and the calling thread hashes too whenever it would otherwise wait
for a buffer; both cores stay busy whatever the balance between cipher, hash and I/O. Version 1's hashes are two
SHA-256 chains, each fed in order, one update at a time: there the helper and the caller can only run the two
chains side by side. ``hashlib`` (on updates over 2 KiB) and ``AESGCM.encrypt_into``/``decrypt_into`` release the
GIL, so the threads overlap. Memory is ``DEPTH`` chunk-sized buffer pairs, whatever the file size; below
``PARALLEL_FROM`` body bytes everything runs on the calling thread.
"""

from __future__ import annotations

import io
import threading
from collections import deque
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import N_, DomainError
from .layout import (
    DEFAULT_CHUNK,
    FILE_KEY_LABEL,
    TAG,
    EnvelopeError,
    chunk_lengths,
    ciphertext_hasher,
    nonce,
    salted_hasher,
)

PARALLEL_FROM = 4 * 1024 * 1024  # below this many body bytes, hash on the calling thread only
DEPTH = 3  # buffer pairs in flight


def file_keys(data_key: bytes, salt: bytes, index: int) -> tuple[bytes, bytes]:
    """The file's AES-256 key and its secret commitment salt: HKDF-SHA256(data key, salt, label + index), 64 bytes."""
    okm = HKDF(hashes.SHA256(), 64, salt, FILE_KEY_LABEL + index.to_bytes(2, "big")).derive(data_key)
    return okm[:32], okm[32:]


_BUFFERS = threading.local()  # each thread keeps its buffers: opening 1,000 bids allocates them once


def _buffers(chunk_size: int) -> tuple[list, list]:
    """DEPTH plaintext and ciphertext buffers. Of the tool's chunk size, made once per thread and reused by its
    next envelope; of any other size (which an uploaded header chooses, up to 16 MiB), none yet: ``take`` makes
    them as large as the chunks need, and they go with the pipeline."""
    if chunk_size != DEFAULT_CHUNK:
        return [None] * DEPTH, [None] * DEPTH
    cached = getattr(_BUFFERS, "pair", None)
    if cached is None:
        cached = ([memoryview(bytearray(chunk_size)) for _ in range(DEPTH)],
                  [memoryview(bytearray(chunk_size + TAG)) for _ in range(DEPTH)])
        _BUFFERS.pair = cached
    return cached


class Pipeline:
    """Chunk buffers plus a queue of hash jobs, run by one helper thread and by the caller while it waits.

    A job is one chunk for one file hash (``layout.ChainHash`` or ``ChunkHashes``). Jobs of an ``ordered`` hash
    (a version 1 chain) run one at a time, in chunk order; all other jobs run in any order, on either thread.
    A buffer pair is handed out again only once every job reading it is done. One pipeline runs at a time per
    thread (the buffers are the thread's own and reused)."""

    def __init__(self, chunk_size: int, parallel: bool):
        self._pt, self._ct = _buffers(chunk_size)
        self._cond = threading.Condition()
        self._ready: deque = deque()  # jobs that may start now, oldest first
        self._chains: dict[int, deque] = {}  # ordered hash -> its jobs behind the one queued or running
        self._pending = [0] * DEPTH  # jobs not yet done, per buffer pair
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="envelope-hash", daemon=True) if parallel else None
        if self._thread:
            self._thread.start()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc) -> None:
        if self._thread:
            with self._cond:
                self._stop = True
                self._cond.notify_all()
            self._thread.join()

    def take(self, counter: int, length: int) -> tuple[memoryview, memoryview]:
        """Plaintext and ciphertext views for chunk ``counter``, once nothing still hashes that buffer pair."""
        slot = counter % DEPTH
        self._wait(lambda: self._pending[slot] == 0)
        if self._pt[slot] is None or len(self._pt[slot]) < length:
            self._pt[slot], self._ct[slot] = memoryview(bytearray(length)), memoryview(bytearray(length + TAG))
        return self._pt[slot][:length], self._ct[slot][:length + TAG]

    def hash(self, hasher, counter: int, data: memoryview) -> None:
        """Feed chunk ``counter`` (``data``, in that chunk's buffer pair) to ``hasher``; ``data`` stays untouched
        until the job is done (``take`` and ``drain`` wait for it)."""
        if self._thread is None:
            hasher.chunk(counter, data)
            return
        job = (hasher, counter, data, counter % DEPTH)
        with self._cond:
            self._pending[job[3]] += 1
            if hasher.ordered:
                behind = self._chains.get(id(hasher))
                if behind is not None:  # an earlier chunk of this chain is queued or running
                    behind.append(job)
                    return
                self._chains[id(hasher)] = deque()
            self._ready.append(job)
            self._cond.notify()

    def drain(self) -> None:
        """Wait until every queued hash job is done."""
        self._wait(lambda: not any(self._pending))

    def _do(self, job) -> None:
        hasher, counter, data, slot = job
        try:
            hasher.chunk(counter, data)
        except BaseException as exc:  # pragma: no cover - hashing a buffer does not fail
            self._error = exc
        with self._cond:
            self._pending[slot] -= 1
            if hasher.ordered:
                behind = self._chains[id(hasher)]
                if behind:
                    self._ready.append(behind.popleft())
                else:
                    del self._chains[id(hasher)]
            self._cond.notify_all()

    def _wait(self, done) -> None:
        """Until ``done()``: run the oldest ready job, or sleep until one is ready or finished."""
        while True:
            with self._cond:
                if self._error is not None:
                    raise self._error
                if done():
                    return
                if not self._ready:
                    self._cond.wait()
                    continue
                job = self._ready.popleft()
            self._do(job)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._ready and not self._stop:
                    self._cond.wait()
                if not self._ready:
                    return
                job = self._ready.popleft()
            self._do(job)


def _fill(src: BinaryIO, view: memoryview, name: str) -> memoryview:
    """Read exactly ``len(view)`` bytes of a document into ``view``."""
    done = 0
    readinto = getattr(src, "readinto", None)
    while done < len(view):
        if readinto is not None:
            got = readinto(view[done:])
        else:
            piece = src.read(len(view) - done)
            got = len(piece)
            view[done:done + got] = piece
        if not got:
            raise DomainError(N_("The document %(name)s changed while it was being sealed."), field="files", name=name)
        done += got
    return view


def write_all(out: BinaryIO, data) -> None:
    """Write every byte of ``data`` (raw streams may write less than asked)."""
    view = memoryview(data)
    while len(view):
        written = out.write(view)
        view = view[len(view) if written is None else written:]


def encrypt_file(src: BinaryIO, name: str, size: int, keys, aad: bytes, chunk_size: int, out: BinaryIO,
                 pipe: Pipeline, version: int) -> tuple[bytes, bytes]:
    """Encrypt ``size`` bytes of ``src`` to ``out``; return (salted plaintext hash or None in version 3, ciphertext
    hash)."""
    aead = AESGCM(keys[0])
    salted, cipher_hash = salted_hasher(version, keys[1], size, chunk_size), ciphertext_hasher(version, size,
                                                                                                 chunk_size)
    for counter, length, last in chunk_lengths(size, chunk_size):
        plain, sealed = pipe.take(counter, length)
        _fill(src, plain, name)
        if salted is not None:
            pipe.hash(salted, counter, plain)
        aead.encrypt_into(nonce(counter, last), plain, aad, sealed)
        pipe.hash(cipher_hash, counter, sealed)
        write_all(out, sealed)
    pipe.drain()
    if src.read(1):
        raise DomainError(N_("The document %(name)s changed while it was being sealed."), field="files", name=name)
    return None if salted is None else salted.digest(), cipher_hash.digest()


def ciphertext_hash_of(version: int, file_key: bytes, aad: bytes, content: bytes, chunk_size: int) -> bytes:
    """The ciphertext hash of a whole document held in memory, sealed again under its file key: re-checks an opened
    document of a version 3 envelope against the signed manifest (AES-GCM is deterministic for a key, nonce and
    associated data, so the same document gives the same bytes). ``aad`` is ``layout.chunk_aad`` of the file."""
    aead, digest = AESGCM(file_key), ciphertext_hasher(version, len(content), chunk_size)
    for counter, length, last in chunk_lengths(len(content), chunk_size):
        start = counter * chunk_size
        digest.chunk(counter, aead.encrypt(nonce(counter, last), content[start:start + length], aad))
    return digest.digest()


class TagFailure(Exception):
    """Chunk ``chunk`` of a file failed authentication."""

    def __init__(self, chunk: int):
        super().__init__(chunk)
        self.chunk = chunk


def decrypt_file(reader, size: int, keys, aad: bytes, chunk_size: int, sink: BinaryIO, pipe: Pipeline,
                 version: int, cipher_hash=None) -> bytes:
    """Decrypt one file into ``sink`` chunk by verified chunk; return its salted hash (None in version 3) and feed
    ``cipher_hash``, a ``layout.ciphertext_hasher``, if given."""
    aead = AESGCM(keys[0])
    salted = salted_hasher(version, keys[1], size, chunk_size)
    for counter, length, last in chunk_lengths(size, chunk_size):
        plain, sealed = pipe.take(counter, length)
        reader.read_into(sealed)
        if cipher_hash is not None:
            pipe.hash(cipher_hash, counter, sealed)
        try:
            aead.decrypt_into(nonce(counter, last), sealed, aad, plain)
        except InvalidTag:
            pipe.drain()
            raise TagFailure(counter) from None
        if salted is not None:
            pipe.hash(salted, counter, plain)
        try:
            write_all(sink, plain)
        except OSError as exc:
            pipe.drain()
            raise EnvelopeError(N_("The opened document could not be stored: %(error)s."), reason="io",
                                fault="platform", error=str(exc)) from exc
    pipe.drain()
    return None if salted is None else salted.digest()


class _Tee:
    """Passes a file through to the caller's sink and keeps a copy (for the small price form only)."""

    def __init__(self, sink: BinaryIO):
        self.sink, self.copy = sink, io.BytesIO()

    def write(self, data) -> int:
        self.copy.write(data)
        write_all(self.sink, data)
        return len(data)


def open_sink(sink, name: str, *, keep: bool):
    """The caller's stream for one opened file; with ``keep``, a copy is kept in ``.copy`` as well."""
    try:
        target = sink(name)
    except OSError as exc:
        raise EnvelopeError(N_("The opened document could not be stored: %(error)s."), reason="io", fault="platform",
                            error=str(exc)) from exc
    return _Tee(target) if keep else target


def hash_stored(reader, size: int, chunk_size: int, version: int, pipe: Pipeline) -> bytes:
    """The ciphertext hash of one file as stored (every chunk with its tag), read from ``reader``: what the signed
    manifest lists, computable by anyone without a key."""
    digest = ciphertext_hasher(version, size, chunk_size)
    for counter, length, _ in chunk_lengths(size, chunk_size):
        sealed = pipe.take(counter, length)[1]
        pipe.hash(digest, counter, reader.read_into(sealed))
    pipe.drain()
    return digest.digest()
