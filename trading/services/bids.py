"""Submitting, replacing and withdrawing sealed bids (DESIGN §4 steps 2–3), with signed receipts.

The upload runs in three steps so that nothing is half-stored and the deadline is judged when the upload
completes: ``begin_upload`` takes the bidder's upload guard (a second concurrent upload is refused); the view
streams the envelope into the blob store (temporary file, fsync, rename); ``accept`` reads the clock's time
of completion from the view, checks everything, writes the row and the receipt, or ``abandon`` removes the
blob. A crash between the blob and the row leaves an orphan blob that ``storage.cleanup`` removes at start-up.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import storage
from ..domain import lifecycle
from ..domain.errors import N_, DomainError, Forbidden
from ..domain.sealing import envelope, receipt
from ..models import Bid, BidUpload, Lot, Registration
from . import audit, deposits, keys
from .objections import is_paused

STALE_UPLOAD = timedelta(hours=1)  # an upload guard older than this was left by a crash


def _require_bidder(session, actor, lot: Lot) -> None:
    """A bidder company signed up for the lot's current round."""
    if actor is None or not actor.has_role("bidder") or actor.organisation.org_type != "bidder":
        raise Forbidden(N_("Only bidder companies submit bids."), field="lot")
    signed_up = session.scalar(sa.select(Registration.id).where(
        Registration.lot_id == lot.id, Registration.round == lot.round,
        Registration.bidder_id == actor.organisation_id))
    if not signed_up:
        raise DomainError(N_("Sign up for the lot before submitting a bid."), field="lot",
                          rule="electronic.encrypted_bids")


def _check_open(session, actor, now: datetime, lot: Lot) -> None:
    """The lot takes bids at ``now`` (lifecycle), is not paused, and the bidder's deposit has arrived."""
    lifecycle.apply(lot.state, "submit_bid", "bidder", now, lot.deadlines(), lot.project.trade_type, method=lot.method)
    if is_paused(session, lot):
        raise DomainError(N_("The lot is paused while an objection to the documents is answered."), field="lot",
                          rule="construction.objection_pause")
    if not deposits.is_covered(session, lot, actor.organisation_id):
        raise DomainError(N_("The deposit of %(amount)s has not arrived in full: pay it into your sub-account first."),
                          field="deposit", amount=lot.deposit)


def begin_upload(session, actor, now: datetime, lot: Lot) -> BidUpload:
    """Check the bidder may submit now and take its upload guard (refused while another upload runs)."""
    _require_bidder(session, actor, lot)
    _check_open(session, actor, now, lot)
    key = dict(lot_id=lot.id, round=lot.round, bidder_id=actor.organisation_id)
    old = session.scalar(sa.select(BidUpload).filter_by(**key))
    if old is not None and now - old.started_at > STALE_UPLOAD:
        session.delete(old)
        session.flush()
    try:
        with session.begin_nested():
            guard = BidUpload(started_at=now, **key)
            session.add(guard)
    except IntegrityError:
        raise DomainError(N_("Another upload of your company's bid for this lot is in progress; wait for it to end."),
                          field="envelope") from None
    return guard


def release(session, guard_id: int) -> None:
    """Drop an upload guard."""
    session.execute(sa.delete(BidUpload).where(BidUpload.id == guard_id))


def current_bid(session, lot: Lot, bidder_id: int) -> Bid | None:
    """The bidder's bid that stands for the lot's current round."""
    return session.scalar(sa.select(Bid).where(Bid.lot_id == lot.id, Bid.round == lot.round, Bid.bidder_id == bidder_id,
                                               Bid.status == "submitted"))


def accept(session, actor, completed_at: datetime, lot: Lot, blob, store, platform: keys.PlatformKeys, *,
           guard_id: int, sealed_by: str = "bidder", address: str = "") -> Bid:
    """Judge the stored envelope at the moment its upload completed; keep it with a signed receipt, replacing
    the bidder's earlier bid, or refuse (the caller then calls ``abandon``)."""
    _require_bidder(session, actor, lot)
    _check_open(session, actor, completed_at, lot)
    opening_key = keys.opening_key_of(session, lot)
    if opening_key is None:
        raise DomainError(N_("This lot has no opening key, so it takes no sealed bids."), field="lot",
                          rule="electronic.encrypted_bids")
    org = actor.organisation
    with store.open(blob.key) as handle:
        info = envelope.check_for_upload(handle, lot_code=lot.deal_code, lot_public_key=opening_key.public_key,
                                         bidder_code=org.credit_code)
    certificate = keys.check_certificate(session, platform, info.certificate_pem, completed_at, org.credit_code)
    previous = current_bid(session, lot, org.id)
    if previous is not None:
        previous.status, previous.withdrawn_at = "withdrawn", completed_at
        _drop_envelope(session, store, previous)
    bid = Bid(lot_id=lot.id, round=lot.round, bidder_id=org.id, user_id=actor.id, status="submitted",
              blob_key=blob.key, size=blob.size, manifest_hash=info.manifest_hash,
              certificate_serial=certificate.serial_number, sealed_by=sealed_by, received_at=completed_at, receipt={},
              address=(address or "")[:64])
    session.add(bid)
    session.flush()
    entry = audit.record(session, actor, completed_at, "bid.submit", object_type="lot", object_id=lot.id,
                         rule="electronic.encrypted_bids",
                         payload={"bid_id": bid.id, "bidder_id": org.id, "round": lot.round,
                                  "manifest_hash": info.manifest_hash, "size": blob.size, "sealed_by": sealed_by,
                                  "replaces": previous.id if previous else None})
    bid.receipt = _receipt(platform, "submit", lot, org.credit_code, bid, completed_at, entry.seq)
    release(session, guard_id)
    session.flush()
    return bid


def abandon(session, store, blob, guard_id: int) -> None:
    """After a refusal: remove the stored envelope and the upload guard (the caller commits)."""
    if blob is not None:
        store.discard(blob.key)
    release(session, guard_id)


def _drop_envelope(session, store, bid: Bid) -> None:
    """A withdrawn or replaced bid keeps its receipt, manifest hash and size; its envelope is deleted from the blob
    store once this transaction commits (a rollback keeps it, with the row naming it again)."""
    if bid.blob_key:
        storage.discard_after_commit(session, store, bid.blob_key)
        bid.blob_key = None


def withdraw(session, actor, now: datetime, lot: Lot, *, platform: keys.PlatformKeys, rate, store) -> Bid:
    """Withdraw the bidder's bid before the deadline (撤回); its deposit goes back at once, with interest, and its
    envelope is deleted (the receipts stay)."""
    _require_bidder(session, actor, lot)
    lifecycle.apply(lot.state, "withdraw_bid", "bidder", now, lot.deadlines(), lot.project.trade_type,
                    method=lot.method)
    bid = current_bid(session, lot, actor.organisation_id)
    if bid is None:
        raise DomainError(N_("Your company has no bid to withdraw for this lot."), field="bid")
    bid.status, bid.withdrawn_at = "withdrawn", now
    _drop_envelope(session, store, bid)
    session.flush()
    entry = audit.record(session, actor, now, "bid.withdraw", object_type="lot", object_id=lot.id,
                         rule="electronic.encrypted_bids",
                         payload={"bid_id": bid.id, "bidder_id": actor.organisation_id, "round": lot.round,
                                  "manifest_hash": bid.manifest_hash})
    bid.withdraw_receipt = _receipt(platform, "withdraw", lot, actor.organisation.credit_code, bid, now, entry.seq)
    deposit = deposits.deposit_of(session, lot, actor.organisation_id)
    if deposit is not None and deposit.status == "paid":
        rule = ("procurement.deposit_refund" if lot.project.trade_type == "procurement"
                else "construction.deposit_refund_withdrawn")
        deposits.refund(SimpleNamespace(interest_rate=rate), session, actor, now, deposit, reason="撤回投标",
                        due=now + timedelta(days=5), rule=rule)  # the rate as a context, until withdraw takes ctx
    session.flush()
    return bid


def _receipt(platform: keys.PlatformKeys, kind: str, lot: Lot, bidder_code: str, bid: Bid, at: datetime,
             seq: int) -> dict:
    """The platform's signed receipt (投标回执) of a submission or withdrawal."""
    fields = {"receipt_id": str(uuid.uuid4()), "kind": kind, "lot_code": lot.deal_code, "bidder_code": bidder_code,
              "manifest_hash": bid.manifest_hash, "envelope_size": bid.size,
              "received_at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "audit_seq": seq}
    return receipt.sign_receipt(fields, platform.signing_key)


def count(session, lot: Lot) -> int:
    """How many bids stand for the lot's current round (all anyone may know before the deadline)."""
    return session.scalar(sa.select(sa.func.count(Bid.id)).where(Bid.lot_id == lot.id, Bid.round == lot.round,
                                                                Bid.status == "submitted"))


def history(session, lot: Lot, bidder_id: int) -> list[Bid]:
    """The bidder's own bids for the lot's current round, newest first."""
    return list(session.scalars(sa.select(Bid).where(Bid.lot_id == lot.id, Bid.round == lot.round,
                                                     Bid.bidder_id == bidder_id).order_by(Bid.id.desc())))
