"""Sealed bids through the services: submit, replace, withdraw, receipts; every refusal leaves nothing stored;
the opening key exists only as sealed shares; a crash mid-store is cleaned up."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain import pki
from trading.domain.errors import DomainError
from trading.domain.sealing import ceremony, envelope, holderkeys, receipt
from trading.models import AuditEntry, Bid, HolderKey, KeyShare, Lot, User
from trading.platform import current_platform
from trading.services import bids, deposits, holders, keys, pledges, registrations
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
        registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
        deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
        deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount="700000")
        key_file, pem = keys.issue_certificate(current_platform(), session, bidder, now, "keypass2026")
        credentials[bidder.username] = (pki.load_private_key(key_file, "keypass2026"), pem)
    session.commit()  # what other sessions and processes of these tests must see
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


def ctx_at(setup, at):
    """The platform context with the clock at ``at`` and the test's blob store."""
    return current_platform().at(at, store=setup.store)


def submit(session, setup, bidder, data, at):
    """Submit ``data`` (bytes, or a stream) through the one submission service at ``at``."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    return bids.submit(ctx_at(setup, at), session, bidder, setup.lot, stream)


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
    bids.withdraw(ctx_at(setup, now), session, bidder, now + timedelta(days=1), setup.lot)
    assert bid.status == "withdrawn" and bid.withdraw_receipt["kind"] == "withdraw"
    receipt.verify_receipt(bid.withdraw_receipt, setup.platform.signing_key.public_key())
    deposit = deposits.deposit_of(session, setup.lot, bidder.organisation_id)
    assert deposit.status == "refunded" and deposit.refund_rule == "construction.deposit_refund_withdrawn"
    from trading.domain import calendar

    withdrawn_on = calendar.local_date(now + timedelta(days=1))  # due by the end of the 5th day (条例 Art. 35)
    assert calendar.local_date(deposit.refund_due - timedelta(seconds=1)) == withdrawn_on + timedelta(days=5)
    with pytest.raises(DomainError):
        bids.withdraw(ctx_at(setup, now), session, bidder, setup.lot.bid_deadline, setup.lot)


def refused(session, setup, bidder, data, at, words):
    before = stored_blobs(setup)
    with pytest.raises(DomainError) as caught:
        submit(session, setup, bidder, data, at)
    assert words in str(caught.value), caught.value
    assert stored_blobs(setup) == before
    assert session.scalar(sa.select(sa.func.count(Bid.id))) == 0
    return caught.value


class _LateStream(io.BytesIO):
    """An envelope whose upload begins before the deadline and completes one second after it."""

    def __init__(self, data: bytes, ctx, deadline):
        super().__init__(data)
        self.ctx, self.deadline = ctx, deadline

    def read(self, size=-1):
        chunk = super().read(size)
        if not chunk:
            self.ctx.clock.move_to(self.deadline + timedelta(seconds=1))
        return chunk


def test_one_second_after_the_deadline_is_refused(session, setup):
    bidder = setup.people.bidders[0]
    ctx = ctx_at(setup, setup.lot.bid_deadline - timedelta(minutes=5))
    before = stored_blobs(setup)
    with pytest.raises(DomainError) as caught:  # the upload began in time and completes one second too late
        bids.submit(ctx, session, bidder, setup.lot, _LateStream(sealed(setup, bidder), ctx, setup.lot.bid_deadline))
    assert caught.value.rule == "electronic.bid_deadline" and caught.value.field == "bid_deadline"
    assert "Too late" in str(caught.value)
    assert stored_blobs(setup) == before and bids.count(session, setup.lot) == 0


def test_a_bidder_not_signed_up_is_refused(session, now, setup):
    stranger = setup.people.bidders[3]
    with pytest.raises(DomainError) as caught:
        submit(session, setup, stranger, b"never read", now)
    assert "Sign up" in str(caught.value)


def test_no_deposit_no_bid(session, now, setup):
    late = setup.people.bidders[2]
    registrations.sign_up(session, late, now, setup.lot, pledge=pledges.accepted(session, setup.lot, late))
    session.commit()
    with pytest.raises(DomainError) as caught:
        submit(session, setup, late, b"never read", now)
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


class _Meanwhile(io.BytesIO):
    """An envelope that, half-way through its upload, lets ``action`` run (another request arriving)."""

    def __init__(self, data: bytes, action):
        super().__init__(data)
        self.action, self.outcome = action, None

    def read(self, size=-1):
        if self.outcome is None and self.tell() > 0:
            self.outcome = self.action()
        return super().read(size)


def _in_another_session(app, setup, bidder, data, at):
    """Submit from a session of its own (another request, on another database connection); returns the bid's id or
    the refusal."""
    from trading.extensions import db

    other = sa.orm.Session(db.engine)
    try:
        bid = bids.submit(ctx_at(setup, at), other, other.get(User, bidder.id), other.get(Lot, setup.lot.id),
                          io.BytesIO(data))
        return bid.id
    except DomainError as error:
        return error
    finally:
        other.close()


def test_a_second_concurrent_upload_of_the_same_bidder_is_refused_and_another_bidders_goes_on(app, session, now,
                                                                                             setup):
    first, second = setup.people.bidders[:2]
    meanwhile = {}

    def others_arrive():
        meanwhile["same"] = _in_another_session(app, setup, first, sealed(setup, first), now)
        meanwhile["other"] = _in_another_session(app, setup, second, sealed(setup, second), now)
        return True

    bid = submit(session, setup, first, _Meanwhile(sealed(setup, first), others_arrive), now)
    refusal = meanwhile["same"]
    assert isinstance(refusal, DomainError) and refusal.field == "envelope" and "in progress" in str(refusal)
    assert isinstance(meanwhile["other"], int)  # the guard is the bidder's own
    assert bid.status == "submitted" and bids.count(session, setup.lot) == 2
    again = submit(session, setup, first, sealed(setup, first), now)  # once it ended, the next one is taken
    assert again.status == "submitted" and bids.count(session, setup.lot) == 2


@pytest.mark.parametrize("where", ["store", "audit", "receipt", "commit"])
def test_a_failure_anywhere_in_the_upload_leaves_nothing_behind(session, now, setup, monkeypatch, where):
    """A database error (or a full disk) at any step: no row, no envelope, no audit entry, and the guard is free."""
    from sqlalchemy.exc import OperationalError

    bidder = setup.people.bidders[0]
    boom = OperationalError("statement", {}, Exception("server closed the connection unexpectedly"))

    def fail(*args, **kwargs):
        raise boom

    if where == "store":
        class Broken(io.BytesIO):
            def read(self, size=-1):
                if self.tell() > 4096:
                    raise OSError(28, "No space left on device")
                return super().read(size)
        data = Broken(sealed(setup, bidder))
    else:
        data = sealed(setup, bidder)
        target = {"audit": (bids.audit, "record"), "receipt": (bids.receipt, "sign_receipt"),
                  "commit": (session, "commit")}[where]
        monkeypatch.setattr(*target, fail)
    entries, blobs = session.scalar(sa.select(sa.func.count(AuditEntry.seq))), stored_blobs(setup)
    with pytest.raises((OperationalError, OSError)):
        submit(session, setup, bidder, data, now)
    monkeypatch.undo()
    assert session.scalar(sa.select(sa.func.count(Bid.id))) == 0
    assert session.scalar(sa.select(sa.func.count(AuditEntry.seq))) == entries
    assert stored_blobs(setup) == blobs and not setup.store.leftovers()
    assert submit(session, setup, bidder, sealed(setup, bidder), now).status == "submitted"


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


_CHILD = """
import io, json, sys, time
sys.path.insert(0, {root!r})
from tests.conftest import _config
from trading import create_app
from trading.extensions import db
from trading.models import Lot, User
from trading.platform import current_platform
from trading.services import bids
from trading.storage import FolderStore
args = json.loads(sys.argv[1])

class Slow(io.BytesIO):  # half the envelope, then the connection hangs until the worker is killed
    def read(self, size=-1):
        if self.tell() > len(self.getvalue()) // 2:
            print("streaming", flush=True)
            time.sleep(120)
        return super().read(min(size, 4096) if size and size > 0 else 4096)

app = create_app(_config(args["url"]), instance_path=args["instance"])
with app.app_context():
    from datetime import datetime
    ctx = current_platform().at(datetime.fromisoformat(args["at"]), store=FolderStore(args["blobs"]))
    bids.submit(ctx, db.session, db.session.get(User, args["user"]), db.session.get(Lot, args["lot"]),
                Slow(open(args["envelope"], "rb").read()))
"""


def test_a_worker_killed_mid_upload_leaves_no_bid_frees_the_guard_at_once_and_its_blob_is_collected(
        session, now, setup, tmp_path, database_url):
    """SIGKILL in the middle of an upload (a gunicorn worker killed, a machine lost): no half-stored bid, the
    bidder's next upload is taken at once (not after an hour), and the clean-up removes the unfinished write."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    bidder = setup.people.bidders[0]
    envelope_file = tmp_path / "bid.envelope"
    envelope_file.write_bytes(sealed(setup, bidder))
    args = {"url": database_url, "instance": str(tmp_path / "instance"), "blobs": str(tmp_path / "blobs"),
            "at": now.isoformat(), "user": bidder.id, "lot": setup.lot.id, "envelope": str(envelope_file)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(root=os.getcwd()), json.dumps(args)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "streaming"  # the guard is held and half the envelope is in
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert session.scalar(sa.select(sa.func.count(Bid.id))) == 0 and len(setup.store.leftovers()) == 1
    for _ in range(50):  # PostgreSQL ends the dead connection's transaction (and its lock) as the socket closes
        try:
            bid = submit(session, setup, bidder, sealed(setup, bidder), now)
            break
        except DomainError as error:
            assert "in progress" in str(error)
            time.sleep(0.02)
    assert bid.status == "submitted" and bids.count(session, setup.lot) == 1
    assert cleanup(session, setup.store, time.time(), grace_seconds=0) == {"temporary": 1, "orphans": 0}
    assert setup.store.exists(bid.blob_key) and not setup.store.leftovers()


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
