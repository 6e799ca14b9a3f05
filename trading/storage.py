"""The blob store: files kept under ``instance/blobs/``, written atomically, named by a random key.

A write goes to a temporary file in the same folder, is fsynced, then renamed into place, so a crash
leaves either the whole file or nothing under its final name. The caller writes the database row after
``put`` returns and removes the blob again (``discard``) if its transaction fails. The interface is small
so that an S3-compatible store can replace it (DESIGN §10).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    """What ``put`` wrote: its key, size and SHA-256."""

    key: str
    size: int
    sha256: str


class BlobStore:
    """Files on local disk under one root folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"bad blob key {key!r}")
        return self.root / key[:2] / key

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        """Copy ``stream`` into a new blob (streamed, hashed on the way); refuse it past ``max_size``."""
        key = secrets.token_hex(16)
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{key}.part")
        digest, size = hashlib.sha256(), 0
        try:
            with open(temp, "xb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_size is not None and size > max_size:
                        raise BlobTooLarge(max_size)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, final)
            _fsync_dir(final.parent)
        finally:
            temp.unlink(missing_ok=True)
        return StoredBlob(key, size, digest.hexdigest())

    @contextmanager
    def writer(self, durable: bool = True):
        """Write a new blob through a file object; it appears under its key only when the block ends without
        an error (fsync, then rename). Yields a ``BlobWriter`` whose ``.blob`` is set afterwards. ``durable=False``
        is for copies that can be made again from a durable original (decrypted bids): no fsync, and no SHA-256
        of the content (the blob's ``sha256`` is then empty; the caller records its own hash)."""
        key = secrets.token_hex(16)
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f".{key}.part")
        handle = _HashingWriter(open(temp, "xb"), hashed=durable)
        result = BlobWriter(handle)
        try:
            yield result
            handle.raw.flush()
            if durable:
                os.fsync(handle.raw.fileno())
            handle.raw.close()
            os.replace(temp, final)
            if durable:
                _fsync_dir(final.parent)
            result.blob = StoredBlob(key, handle.size, handle.digest.hexdigest() if handle.digest else "")
        finally:
            if not handle.raw.closed:
                handle.raw.close()
            temp.unlink(missing_ok=True)

    def keys(self):
        """Every stored blob's key and modification time (for the clean-up)."""
        for path in self.root.glob("??/*"):
            if path.is_file() and not path.name.startswith("."):
                yield path.name, path.stat().st_mtime

    def leftovers(self):
        """Temporary files of writes that never finished (a crash mid-write)."""
        return [path for path in self.root.glob("??/.*.part") if path.is_file()]

    def path(self, key: str) -> Path:
        """The file that holds a blob (for a process that reads it itself, e.g. the opening's helpers)."""
        return self._path(key)

    def open(self, key: str) -> BinaryIO:
        """Open a blob for reading."""
        return open(self._path(key), "rb")

    def discard(self, key: str) -> None:
        """Remove a blob (e.g. when the row that would name it was not committed)."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """True when the blob is there."""
        return self._path(key).exists()


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


_DISCARD = "trading.discard_after_commit"  # session.info key: (store, key) pairs to remove once committed


def discard_after_commit(session, store: BlobStore, key: str) -> None:
    """Remove a blob once the transaction that stopped naming it has committed; if that transaction rolls back,
    the blob stays (its row names it again). A crash between the commit and the removal leaves an orphan that
    ``cleanup`` removes at start-up."""
    session.info.setdefault(_DISCARD, []).append((store, key))


@event.listens_for(Session, "after_commit")
def _discard_committed(session) -> None:
    for store, key in session.info.pop(_DISCARD, []):
        try:
            store.discard(key)
        except OSError:  # left as an orphan for the start-up clean-up
            pass


@event.listens_for(Session, "after_soft_rollback")
def _keep_rolled_back(session, previous_transaction) -> None:
    session.info.pop(_DISCARD, None)


def cleanup(session, store: BlobStore, now_ts: float, grace_seconds: int = 3600) -> dict[str, int]:
    """Remove what a crash can leave: temporary files of unfinished writes, and blobs no row names (a blob is
    stored before its row; one older than the grace period without a row was never committed; a withdrawn or
    replaced envelope whose removal after the commit did not happen). Bids, documents and archive bundles name
    the blobs that stay."""
    import sqlalchemy as sa

    from .models import ArchiveBundle, Attachment, Bid

    removed_parts = 0
    for path in store.leftovers():
        path.unlink(missing_ok=True)
        removed_parts += 1
    named = set()
    for column in (Bid.blob_key, Attachment.blob_key, ArchiveBundle.blob_key):  # a withdrawn bid names none
        named |= set(session.scalars(sa.select(column).where(column.is_not(None))))
    removed_blobs = 0
    for key, mtime in list(store.keys()):
        if key not in named and now_ts - mtime > grace_seconds:
            store.discard(key)
            removed_blobs += 1
    return {"temporary": removed_parts, "orphans": removed_blobs}


class BlobTooLarge(Exception):
    """The stream passed the size limit; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def blob_store() -> BlobStore:
    """The app's blob store (``BLOB_DIR``, default ``instance/blobs``), from its platform context."""
    return current_app.extensions["trading"].store
