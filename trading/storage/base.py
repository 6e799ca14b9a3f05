"""The blob store's interface (``BlobStore``) and what both backends share: the stored blob's description, the
size refusal, and the writer that counts and hashes on the way."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    """What ``put`` wrote: its key, size and SHA-256."""

    key: str
    size: int
    sha256: str


class BlobTooLarge(Exception):
    """The stream passed the size limit; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


class BlobStore(ABC):
    """What every caller may do with the blob store, whichever backend holds the blobs."""

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        """Copy ``stream`` into a new blob (streamed, hashed on the way); refuse it past ``max_size``
        (``BlobTooLarge``), keeping nothing."""
        with self.writer() as out:
            while chunk := stream.read(CHUNK):
                if max_size is not None and out.file.size + len(chunk) > max_size:
                    raise BlobTooLarge(max_size)
                out.file.write(chunk)
        return out.blob

    @abstractmethod
    def writer(self, durable: bool = True) -> AbstractContextManager[BlobWriter]:
        """Write a new blob through a file object; it appears under its key only when the block ends without
        an error. Yields a ``BlobWriter`` whose ``.blob`` is set afterwards. ``durable=False`` is for copies that
        can be made again from a durable original (decrypted bids): no fsync on the folder, and no SHA-256 of
        the content (the blob's ``sha256`` is then empty; the caller records its own hash)."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open a blob for reading (a seekable binary stream); ``FileNotFoundError`` when it is not there."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """True when the blob is there."""

    @abstractmethod
    def discard(self, key: str) -> None:
        """Remove a blob (e.g. when the row that would name it was not committed); no error if it is gone."""

    @abstractmethod
    def keys(self) -> Iterator[tuple[str, float]]:
        """Every stored blob's key and the time it was written (seconds since the epoch; for the clean-up)."""

    @abstractmethod
    def leftovers(self) -> list:
        """The writes that never finished (a crash mid-write): temporary files, or pending multipart uploads."""

    @abstractmethod
    def remove_leftovers(self, now_ts: float, grace_seconds: int) -> int:
        """Remove unfinished writes (see each backend for which); how many were removed."""

    def local_path(self, key: str) -> Path | None:
        """The file that holds a blob on this machine, for a process that reads it itself (the opening's helper
        processes); None where blobs are not files here."""
        return None


class _HashingWriter:
    """A file wrapper that counts and hashes what passes through it."""

    def __init__(self, raw, hashed: bool = True):
        self.raw, self.size, self.digest = raw, 0, hashlib.sha256() if hashed else None

    def write(self, data) -> int:
        self.size += len(data)
        if self.digest is not None:
            self.digest.update(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


@dataclass
class BlobWriter:
    """What ``BlobStore.writer`` yields: a file to write to, then the stored blob."""

    file: _HashingWriter
    blob: StoredBlob | None = None
