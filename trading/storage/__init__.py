"""The blob store: sealed envelopes, filed documents and archive bundles, each written all-or-nothing under a
random key.

One interface (``BlobStore``), two backends chosen by configuration (``make_store``): ``FolderStore`` keeps
files under ``instance/blobs/`` (the default, one machine), ``S3Store`` keeps objects in an S3-compatible bucket
(``TRADING_BLOB_URL=s3://bucket/prefix``), so that several machines share them. Either way a write is streamed,
hashed and counted on the way, and appears under its key only when complete; a failed or refused write leaves
nothing under any key. The caller writes the database row after ``put`` returns and removes the blob again
(``discard``) if its transaction fails; ``cleanup`` removes what a crash leaves.
"""

from __future__ import annotations

import os

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .base import CHUNK, BlobStore, BlobTooLarge, BlobWriter, StoredBlob
from .folder import FolderStore

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
    """Remove what a crash can leave: unfinished writes (``remove_leftovers``), and blobs no row names (a blob is
    stored before its row; one older than the grace period without a row was never committed; a withdrawn or
    replaced envelope whose removal after the commit did not happen). Bids, documents and archive bundles name
    the blobs that stay, and so does a correction order's evidence."""
    import sqlalchemy as sa

    from ..models import ArchiveBundle, Attachment, Bid, CorrectionOrder

    removed_parts = store.remove_leftovers(now_ts, grace_seconds)
    named = set()
    for column in (Bid.blob_key, Attachment.blob_key, ArchiveBundle.blob_key,
                   CorrectionOrder.evidence_key):  # a withdrawn bid names none
        named |= set(session.scalars(sa.select(column).where(column.is_not(None))))
    removed_blobs = 0
    for key, mtime in list(store.keys()):
        if key not in named and now_ts - mtime > grace_seconds:
            store.discard(key)
            removed_blobs += 1
    return {"temporary": removed_parts, "orphans": removed_blobs}


def make_store(config, instance_path: str) -> BlobStore:
    """The store the configuration names: ``BLOB_URL`` ``s3://bucket/prefix`` (with ``S3_ENDPOINT_URL`` for a
    store other than AWS; credentials from the standard AWS environment), else the folder ``BLOB_DIR`` (default
    ``instance/blobs``)."""
    url = config.get("BLOB_URL")
    if not url:
        return FolderStore(config.get("BLOB_DIR") or os.path.join(instance_path, "blobs"))
    if not str(url).startswith("s3://"):
        raise RuntimeError(f"TRADING_BLOB_URL must be s3://bucket/prefix (or unset for the folder), not {url!r}")
    from .s3 import S3Store

    return S3Store.from_url(url, endpoint_url=config.get("S3_ENDPOINT_URL") or None)


def blob_store() -> BlobStore:
    """The app's blob store, from its platform context."""
    return current_app.extensions["trading"].store


__all__ = ["CHUNK", "BlobStore", "BlobTooLarge", "BlobWriter", "FolderStore", "StoredBlob", "blob_store", "cleanup",
           "discard_after_commit", "make_store"]
