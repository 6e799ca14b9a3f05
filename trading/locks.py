"""Locks that die with their holder: a bidder's upload guard (one upload at a time per bidder and lot).

A row in the database would outlive a crashed worker (SIGKILL, a lost machine) and lock the bidder out until it
expired. These locks are held by something the operating system or the database takes back the moment the
holder dies:

- on PostgreSQL, a transaction-level advisory lock (``pg_try_advisory_xact_lock``) taken in the session's own
  transaction: it ends with the commit or rollback, and with the connection when the process dies, on any machine
  that shares the database;
- on SQLite (one machine, `make run`), an exclusive ``flock`` on a file under ``lock_dir``: the kernel releases it
  when the file is closed or the process dies. ``flock`` locks of two threads of one process conflict too (each
  opens its own file description), unlike POSIX record locks.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


class Busy(Exception):
    """The lock is held by someone else."""


def _pg_key(name: str) -> int:
    """A signed 64-bit advisory lock key for ``name``."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def hold(session, name: str, lock_dir: str | Path):
    """Hold the lock ``name`` for the ``with`` block, or raise ``Busy`` at once if another holds it.

    On PostgreSQL the lock lasts until the session's transaction ends, so the block must end it (commit or
    rollback) before it leaves; on SQLite it lasts until the block leaves."""
    if session.get_bind().dialect.name == "postgresql":
        if not session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(_pg_key(name)))):
            raise Busy(name)
        yield
        return
    folder = Path(lock_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (hashlib.sha256(name.encode()).hexdigest()[:32] + ".lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(name) from None
        yield
    finally:
        os.close(fd)  # releases the flock; the file stays (removing it would race with the next holder)
