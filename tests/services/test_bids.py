"""Sealed bids through the services: submit, replace, withdraw, receipts; every refusal leaves nothing stored;
the opening key exists only as sealed shares; a crash mid-store is cleaned up."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from trading.domain import pki
from trading.domain.errors import DomainError
from trading.domain.sealing import ceremony, envelope, holderkeys, receipt
from trading.models import AuditEntry, Bid, BidUpload, HolderKey, KeyShare
from trading.platform import current_platform
from trading.services import bids, deposits, holders, keys, registrations
from trading.simulate import demo, lots as walk
from trading.storage import FolderStore, cleanup

PRICE = {"price": "36880000.00", "duration": "330日历天", "quality": "合格"}


@pytest.fixture
def setup(app, session, now, tmp_path):
    """An announced construction lot; bidders 1 and 2 signed up with deposits paid and certificates."""
    demo.load(session, now)
    people = walk.cast(session)
    store = FolderStore(tmp_path / "blobs")
    lot = walk.create(current_platform(), session, people, now, "construction")
    walk.advance(current_platform(), session, people, now, lot, "announced")
    platform = current_platform().platform_keys()
    credentials = {}
    for bidder in people.bidders[:2]:
        registrations.sign_up(session, bidder, now, lot)
        deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
        deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="700000")
        key_file, pem = keys.issue_certificate(current_platform(), session, bidder, now, "keypass2026")
        credentials[bidder.username] = (pki.load_private_key(key_file, "keypass2026"), pem)
    session.flush()
    return type("Setup", (), {"people": people, "lot": lot, "store": store, "platform": platform,
                              "credentials": credentials, "key": keys.opening_key_of(session, lot)})


def sealed(setup, bidder, *, lot_code=None, public_key=None, price=PRICE, bidder_code=None) -> bytes:
    signer, pem = setup.credentials[bidder.username]
    out = io.BytesIO()
    envelope.seal(out, lot_code=lot_code or setup.lot.deal_code,
                  bidder_code=bidder_code or bidder.organisation.credit_code,
                  lot_public_key=public_key or setup.key.public_key, price_form=price,
                  files=[("技术标.pdf", io.BytesIO(b"%PDF tech " * 5000))], signer=signer, certificate_pem=pem)
    return out.getvalue()


def submit(session, setup, bidder, data: bytes, at):
    guard = bids.begin_upload(session, bidder, at, setup.lot)
    blob = setup.store.put(io.BytesIO(data))
    try:
        return bids.accept(session, bidder, at, setup.lot, blob, setup.store, setup.platform, guard_id=guard.id)
    except DomainError:
        bids.abandon(session, setup.store, blob, guard.id)
        raise


def stored_blobs(setup) -> int:
    return sum(1 for _ in setup.store.keys())


def test_a_sealed_bid_is_received_with_a_receipt_that_verifies_offline(session, now, setup):
    bidder = setup.people.bidders[0]
    bid = submit(session, setup, bidder, sealed(setup, bidder), now)
    checked = receipt.verify_receipt(bid.receipt, setup.platform.signing_key.public_key())
    assert checked.manifest_hash == bid.manifest_hash and checked.lot_code == setup.lot.deal_code
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "bid.submit"))
    assert bid.receipt["audit_seq"] == entry.seq and entry.rule == "electronic.encrypted_bids"
    text = json.dumps(bid.receipt) + json.dumps(entry.payload)
    for secret in ("36880000", hashlib.sha256(b"36880000.00").hexdigest()):
        assert secret not in text  # no price, and no unsalted hash of it
    assert session.scalar(sa.select(sa.func.count(BidUpload.id))) == 0


def test_a_resubmission_replaces_the_bid_and_keeps_the_old_one_as_withdrawn(session, now, setup):
    bidder = setup.people.bidders[0]
    first = submit(session, setup, bidder, sealed(setup, bidder), now)
    second = submit(session, setup, bidder, sealed(setup, bidder, price={**PRICE, "price": "36500000.00"}),
                    now + timedelta(hours=2))
    assert (first.status, second.status) == ("withdrawn", "submitted")
    assert bids.count(session, setup.lot) == 1 and first.manifest_hash != second.manifest_hash


def test_withdrawal_before_the_deadline_refunds_the_deposit_with_a_receipt(session, now, setup):
    bidder = setup.people.bidders[0]
    bid = submit(session, setup, bidder, sealed(setup, bidder), now)
    bids.withdraw(session, bidder, now + timedelta(days=1), setup.lot, platform=setup.platform, store=setup.store,
                  rate=Decimal("0.0035"))
    assert bid.status == "withdrawn" and bid.withdraw_receipt["kind"] == "withdraw"
    receipt.verify_receipt(bid.withdraw_receipt, setup.platform.signing_key.public_key())
    deposit = deposits.deposit_of(session, setup.lot, bidder.organisation_id)
    assert deposit.status == "refunded" and deposit.refund_rule == "construction.deposit_refund_withdrawn"
    with pytest.raises(DomainError):
        bids.withdraw(session, bidder, setup.lot.bid_deadline, setup.lot, platform=setup.platform, rate=0,
                      store=setup.store)


def refused(session, setup, bidder, data, at, words):
    before = stored_blobs(setup)
    with pytest.raises(DomainError) as caught:
        submit(session, setup, bidder, data, at)
    assert words in str(caught.value), caught.value
    assert stored_blobs(setup) == before
    assert session.scalar(sa.select(sa.func.count(Bid.id))) == 0
    return caught.value


def test_one_second_after_the_deadline_is_refused(session, setup):
    bidder = setup.people.bidders[0]
    data = sealed(setup, bidder)
    before = stored_blobs(setup)
    guard = bids.begin_upload(session, bidder, setup.lot.bid_deadline - timedelta(minutes=5), setup.lot)
    blob = setup.store.put(io.BytesIO(data))
    with pytest.raises(DomainError) as caught:  # the upload completes one second too late
        bids.accept(session, bidder, setup.lot.bid_deadline + timedelta(seconds=1), setup.lot, blob, setup.store,
                    setup.platform, guard_id=guard.id)
    bids.abandon(session, setup.store, blob, guard.id)
    assert caught.value.rule == "electronic.encrypted_bids" and "Too late" in str(caught.value)
    assert stored_blobs(setup) == before


def test_a_bidder_not_signed_up_is_refused(session, now, setup):
    stranger = setup.people.bidders[3]
    with pytest.raises(DomainError) as caught:
        bids.begin_upload(session, stranger, now, setup.lot)
    assert "Sign up" in str(caught.value)


def test_no_deposit_no_bid(session, now, setup):
    late = setup.people.bidders[2]
    registrations.sign_up(session, late, now, setup.lot)
    with pytest.raises(DomainError) as caught:
        bids.begin_upload(session, late, now, setup.lot)
    assert caught.value.field == "deposit"


def test_a_revoked_certificate_is_refused(session, now, setup):
    bidder = setup.people.bidders[0]
    from trading.models import BidderCertificate

    cert = session.scalar(sa.select(BidderCertificate)
                          .where(BidderCertificate.organisation_id == bidder.organisation_id))
    keys.revoke_certificate(session, setup.people.staff, now, cert.id, "密钥遗失")
    refused(session, setup, bidder, sealed(setup, bidder), now + timedelta(minutes=1), "revoked")


def test_an_envelope_for_another_lot_or_copied_from_another_bidder_is_refused(session, now, setup, tmp_path):
    first, second = setup.people.bidders[0], setup.people.bidders[1]
    other_key = ceremony.derive_keypair(b"0123456789abcdef", "other")[1]
    refused(session, setup, first, sealed(setup, first, public_key=other_key), now, "")
    refused(session, setup, first, sealed(setup, first, lot_code="4212002026JS9999"), now, "")
    refused(session, setup, second, sealed(setup, first), now, "")  # bidder 2 uploads bidder 1's envelope


@pytest.mark.parametrize("where", [10, 200, -100, -10])
def test_a_flipped_byte_anywhere_is_refused(session, now, setup, where):
    bidder = setup.people.bidders[0]
    data = bytearray(sealed(setup, bidder))
    data[where] ^= 0x01
    refused(session, setup, bidder, bytes(data), now, "")


def test_a_second_concurrent_upload_is_refused(session, now, setup):
    bidder = setup.people.bidders[0]
    bids.begin_upload(session, bidder, now, setup.lot)
    with pytest.raises(DomainError) as caught:
        bids.begin_upload(session, bidder, now, setup.lot)
    assert caught.value.field == "envelope" and "in progress" in str(caught.value)
    bids.begin_upload(session, bidder, now + timedelta(hours=2), setup.lot)  # a guard left by a crash expires


def test_the_ceremony_leaves_only_sealed_shares_and_needs_k_holders_after_the_deadline(session, now, setup, tmp_path):
    key = setup.key
    shares = session.scalars(sa.select(KeyShare).where(KeyShare.opening_key_id == key.id)).all()
    assert (key.k, key.n, len(shares)) == (2, 3, 3)
    assert {s.role for s in shares} == {"host", "supervisor", "tenderee"}
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.key_ceremony"))
    assert sorted(s["hash"] for s in entry.payload["shares"]) == sorted(s.share_hash for s in shares)
    opened = []
    for share in shares:
        row = session.get(HolderKey, share.holder_id)
        private = holderkeys.unlock_server_key(holders.server_blob(row), share.holder_id, demo.DEMO_KEY_PASSPHRASE)
        opened.append(ceremony.open_share(ceremony.SealedShare(str(share.holder_id), share.role, share.index,
                                                               share.sealed, share.share_hash), setup.lot.deal_code,
                                          private))
    hashes = {s.index: s.share_hash for s in shares}
    deadline = setup.lot.bid_deadline
    with pytest.raises(DomainError) as early:  # even with every passphrase, not before the deadline
        ceremony.reconstruct(setup.lot.deal_code, opened, k=2, expected_public_key=key.public_key,
                             share_hashes=hashes, now=deadline - timedelta(seconds=1), deadline=deadline)
    assert early.value.rule == "electronic.no_early_decrypt"
    with pytest.raises(DomainError):  # k-1 shares
        ceremony.reconstruct(setup.lot.deal_code, opened[:1], k=2, expected_public_key=key.public_key,
                             share_hashes=hashes, now=deadline, deadline=deadline)
    private = ceremony.reconstruct(setup.lot.deal_code, opened[1:], k=2, expected_public_key=key.public_key,
                                   share_hashes=hashes, now=deadline, deadline=deadline)
    from cryptography.hazmat.primitives import serialization

    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    session.flush()
    for table in ("opening_key", "key_share", "holder_key", "audit_entry", "lot", "announcement"):
        for row in session.execute(sa.text(f"SELECT * FROM {table}")):
            for value in row:
                blob = value if isinstance(value, bytes) else str(value).encode()
                assert raw not in blob and raw.hex().encode() not in blob, table
    for path in (tmp_path / "instance").rglob("*"):
        if path.is_file():
            assert raw not in path.read_bytes()


def test_a_wrong_passphrase_or_the_login_password_opens_no_share(session, setup):
    share = session.scalars(sa.select(KeyShare)).first()
    for guess in ("guess1234-guess", demo.DEMO_PASSWORD):
        with pytest.raises(DomainError) as caught:
            holderkeys.unlock_server_key(holders.server_blob(session.get(HolderKey, share.holder_id)),
                                         share.holder_id, guess)
        assert caught.value.field == "passphrase"


def test_an_orphan_blob_or_an_unfinished_write_is_removed_by_the_startup_cleanup(session, now, setup, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    bidder = setup.people.bidders[0]
    kept = submit(session, setup, bidder, sealed(setup, bidder), now)
    orphan = setup.store.put(io.BytesIO(b"envelope whose row was never committed"))
    script = (f"import sys,time;sys.path.insert(0,{os.getcwd()!r});from trading.storage import FolderStore\n"
              "class Slow:\n def read(self,n):\n  time.sleep(0.05);return b'x'*65536\n"
              f"FolderStore({str(tmp_path / 'blobs')!r}).put(Slow())\n")
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 20
    while not setup.store.leftovers() and time.time() < deadline:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)  # killed in the middle of writing
    child.wait()
    assert setup.store.leftovers()
    removed = cleanup(session, setup.store, time.time(), grace_seconds=0)
    assert removed == {"temporary": 1, "orphans": 1}
    assert setup.store.exists(kept.blob_key) and not setup.store.exists(orphan.key) and not setup.store.leftovers()


def test_the_key_threshold_is_set_per_lot_at_announcement(session, now, tmp_path):
    demo.load(session, now)
    people = walk.cast(session)
    from trading.services import announcements

    ctx = current_platform()
    lot = walk.create(ctx, session, people, now, "procurement")
    walk.advance(ctx, session, people, now, lot, "method_approved")
    for wrong in (1, 4):
        with pytest.raises(DomainError):
            announcements.publish(ctx, session, people.tenderee, now, lot, announcements.propose(ctx, lot, now), wrong)
    row = announcements.publish(ctx, session, people.tenderee, now, lot, announcements.propose(ctx, lot, now), 3)
    key = keys.opening_key_of(session, lot)
    assert (key.k, key.n) == (3, 3)
    assert key.fingerprint in row.text or key.fingerprint in row.documents_text  # printed for bidders to compare


def test_a_password_change_leaves_the_holder_key_alone(session, now, setup):
    """The holder key does not depend on the login password: changing it changes nothing about the key."""
    from trading.services import accounts

    staff = setup.people.staff
    before = session.get(HolderKey, staff.id).encrypted_private_key
    accounts.change_password(session, staff, now, current="demo2026", new="newpass2026")
    row = session.get(HolderKey, staff.id)
    assert row.encrypted_private_key == before
    holderkeys.unlock_server_key(holders.server_blob(row), staff.id, demo.DEMO_KEY_PASSPHRASE)
    for password in ("newpass2026", "demo2026"):
        with pytest.raises(DomainError):
            holderkeys.unlock_server_key(holders.server_blob(row), staff.id, password)
