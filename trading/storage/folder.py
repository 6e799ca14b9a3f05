"""The folder backend: files under one root folder (``instance/blobs/`` by default), written atomically.

A write goes to a temporary file in the same folder, is fsynced, then renamed into place, so a crash leaves
either the whole file or nothing under its final name (at worst a ``.part`` file for the clean-up).
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .base import BlobStore, BlobWriter, StoredBlob, _HashingWriter


class FolderStore(BlobStore):
    """Files on local disk under one root folder, sharded by the key's first two characters."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError(f"bad blob key {key!r}")
        return self.root / key[:2] / key

    @contextmanager
    def writer(self, durable: bool = True):
        """See ``BlobStore.writer``: a temporary file, fsynced (when ``durable``), then renamed into place."""
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

    def leftovers(self) -> list[Path]:
        """Temporary files of writes that never finished (a crash mid-write)."""
        return [path for path in self.root.glob("??/.*.part") if path.is_file()]

    def remove_leftovers(self, now_ts: float, grace_seconds: int) -> int:
        """Remove the temporary files not written to for ``grace_seconds``: a write that is still going on (another
        worker of ``make serve`` taking an upload while ``flask cleanup-blobs`` runs) touches its file with every
        chunk, so it is left to finish."""
        removed = 0
        for path in self.leftovers():
            try:
                idle = now_ts - path.stat().st_mtime
            except FileNotFoundError:  # it finished (renamed) or failed meanwhile
                continue
            if idle > grace_seconds:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def local_path(self, key: str) -> Path:
        """The file that holds a blob."""
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
