"""Issue 13 item 10 (residues): what the platform leaves behind that could still give a bid away.

- A committee member opening a large document: the plaintext must never reach the disk (it used to spill into a
  temporary file past 8 MiB).
- A withdrawn or replaced envelope: deleted from the blob store once the withdrawal commits (receipt, manifest hash
  and size kept), and never lost when the withdrawal rolls back.
- After the archive is signed, the shares are destroyed: the holders' own keys no longer open them, and no
  opening key can be rebuilt from what the database keeps."""

from __future__ import annotations

import builtins
import functools
import os
import tempfile
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.security.sealed_lot import KEY_PASS, PRICES, SealedLot
from trading.domain.errors import DomainError
from trading.domain.sealing import ceremony, holderkeys
from trading.extensions import db
from trading.models import Bid, HolderKey, KeyShare, ReleasedShare, User
from trading.services import archive, bids, holders, keys, opening
from trading.simulate import lots as walk

LARGE = 9 * 2**20  # past the 8 MiB at which the old code spilled the plaintext into a temporary file


def _no_writes(monkeypatch) -> list[str]:
    """Make every way of writing a file fail (and note the attempt): temporary files, open() for writing, os.open
    with a write flag."""
    attempts: list[str] = []

    def refuse(name):
        def call(*args, **kwargs):
            attempts.append(name)
            raise AssertionError(f"{name} called while a decrypted document was read")
        return call

    for name in ("SpooledTemporaryFile", "TemporaryFile", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse(f"tempfile.{name}"))
    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            attempts.append(f"open({file!r}, {mode!r})")
            raise AssertionError(f"open for writing: {file}")
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            attempts.append(f"os.open({path!r})")
            raise AssertionError(f"os.open for writing: {path}")
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    return attempts


def test_a_committee_member_reads_a_large_document_without_any_file_being_written(app, client, now, tmp_path,
                                                                                  monkeypatch):
    from tests.services.test_evaluation import Scene

    document = os.urandom(LARGE)
    monkeypatch.setattr(walk, "submit_bids", functools.partial(walk.submit_bids, documents=document))
    with app.app_context():
        scene = Scene(db.session, now, tmp_path, PRICES[:3])
        scene.start()
        first = scene.members()[0]
        user = db.session.get(User, first.user_id)
        username, password = user.username, scene.passwords.get(first.seat) or "demo2026"
        bid_id, evaluation_id = scene.bids[0].id, scene.evaluation.id
        app.extensions["trading"].clock.at = scene.in_room
        db.session.commit()
    login(client, username, password)
    client.post(f"/evaluations/{evaluation_id}/statement", data={})

    attempts = _no_writes(monkeypatch)
    download = client.get(f"/evaluations/{evaluation_id}/bids/{bid_id}/files/0")
    body = download.get_data()
    monkeypatch.undo()
    assert download.status_code == 200 and attempts == []
    assert download.headers["Content-Length"] == str(LARGE) and body == document


def test_withdrawn_and_replaced_envelopes_are_deleted_once_the_change_commits(app, session, now, tmp_path):
    lot = SealedLot(session, now, tmp_path / "instance")
    first = lot.submit(PRICES[:2])
    replaced = {bid.id: bid.blob_key for bid in first}
    made = lot.submit(["36000000.00", "35000000.00"], at=lot.later(1))  # both bidders replace their bids
    for bid_id, old_key in replaced.items():
        assert session.get(Bid, bid_id).blob_key is None and not lot.store.exists(old_key)

    bidder, bid = lot.people.bidders[0], made[0]
    key, receipt, manifest_hash, size = bid.blob_key, bid.receipt, bid.manifest_hash, bid.size
    bids.withdraw(lot.ctx.at(lot.later(2)), session, bidder, lot.later(2), lot.lot)
    session.rollback()  # the withdrawal fails to commit: the standing bid keeps its envelope
    bid = session.get(Bid, bid.id)
    assert bid.status == "submitted" and bid.blob_key == key and lot.store.exists(key)

    client = app.test_client()
    login(client, bidder.username)
    assert client.post(f"/lots/{lot.lot.id}/bid/withdraw", data={}).status_code == 302
    session.expire_all()
    bid = session.get(Bid, bid.id)
    assert bid.status == "withdrawn" and bid.blob_key is None and not lot.store.exists(key)
    assert (bid.receipt, bid.manifest_hash, bid.size) == (receipt, manifest_hash, size)  # its record stays
    assert bid.withdraw_receipt["kind"] == "withdraw"
    standing = {bid.blob_key for bid in session.scalars(sa.select(Bid)) if bid.blob_key}
    assert standing == {made[1].blob_key} and lot.store.exists(made[1].blob_key)


def test_after_the_archive_no_share_opens_and_no_opening_key_can_be_rebuilt(session, now, tmp_path):
    """An insider holding every holder's key and the whole database after the archive cannot decrypt anything."""
    instance = tmp_path / "instance"
    lot = SealedLot(session, now, instance)
    lot.submit(PRICES[:3])
    record = lot.open()
    assert [e.status for e in record] == ["opened"] * 3
    lot.lot.state = "contracted"  # set-up: the evaluation, the award and the contract are not what is tested
    session.flush()
    after = lot.lot.bid_deadline + timedelta(days=40)
    archive.create(lot.ctx, session, lot.people.staff, after, lot.lot)
    session.commit()

    key = keys.opening_key_of(session, lot.lot)
    shares = session.scalars(sa.select(KeyShare).where(KeyShare.opening_key_id == key.id)).all()
    assert shares and all(share.sealed == b"" for share in shares)
    assert all(row.sealed == b"" for row in session.scalars(sa.select(ReleasedShare)))
    for share in shares:  # each holder with its own key and passphrase
        private = holderkeys.unlock_server_key(holders.server_blob(session.get(HolderKey, share.holder_id)),
                                               share.holder_id, KEY_PASS)
        with pytest.raises(DomainError):
            ceremony.open_share(ceremony.SealedShare(str(share.holder_id), share.role, share.index, share.sealed,
                                                     share.share_hash), lot.lot.deal_code, private)
    with pytest.raises(DomainError) as refused:
        opening.read_document(lot.ctx, session, after, lot.lot, record[0], 0)
    assert refused.value.field == "shares"  # the opening key cannot be rebuilt


def test_a_withdrawn_envelope_left_by_a_crash_is_removed_at_start_up_and_the_archive_is_kept(session, now, tmp_path,
                                                                                            monkeypatch):
    """The withdrawal committed but the process died before deleting the envelope: ``flask init-db`` (start-up)
    removes it; the archive bundle, which only its own row names, stays."""
    from trading import storage

    instance = tmp_path / "instance"
    lot = SealedLot(session, now, instance)
    made = lot.submit(PRICES)
    monkeypatch.setattr(lot.store, "discard", lambda key: None)  # the crash: nothing removed after the commit
    key = made[3].blob_key
    bids.withdraw(lot.ctx.at(lot.later(1)), session, lot.people.bidders[3], lot.later(1), lot.lot)
    session.commit()
    monkeypatch.undo()
    assert lot.store.exists(key) and session.get(Bid, made[3].id).blob_key is None

    lot.open()
    lot.lot.state = "contracted"  # set-up: the evaluation, the award and the contract are not what is tested
    row = archive.create(lot.ctx, session, lot.people.staff, lot.lot.bid_deadline + timedelta(days=40), lot.lot)
    session.commit()
    removed = storage.cleanup(session, lot.store, time.time() + 2 * 3600)  # past the grace period
    assert removed["orphans"] == 1 and not lot.store.exists(key)
    assert lot.store.exists(row.blob_key)
    assert all(lot.store.exists(bid.blob_key) for bid in session.scalars(sa.select(Bid)) if bid.blob_key)
