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
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

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

    def open(self, key: str) -> BinaryIO:
        """Open a blob for reading."""
        return open(self._path(key), "rb")

    def discard(self, key: str) -> None:
        """Remove a blob (e.g. when the row that would name it was not committed)."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """True when the blob is there."""
        return self._path(key).exists()


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
    """The app's blob store (``BLOB_DIR``, default ``instance/blobs``)."""
    root = current_app.config.get("BLOB_DIR") or os.path.join(current_app.instance_path, "blobs")
    return BlobStore(root)
