"""Submitting, replacing and withdrawing sealed bids (DESIGN §4 steps 2–3), with signed receipts.

``submit`` is the one way a bid comes in (the upload page, sealing on the server, the bidder tool's API, the
simulator and the tests all call it). It owns its transaction, because the bidder's upload guard must be seen by
other processes while the envelope streams in: it checks the bidder may submit, takes the guard (a lock that dies
with its holder, trading/locks.py: a second concurrent upload of the same bidder is refused, and a worker killed
mid-upload leaves no guard behind), streams the envelope into the blob store (temporary file, fsync, rename),
judges the deadline at the moment the upload completed, writes the row, the audit entry and the signed receipt,
and commits. Any failure (a refusal, a database error, a lost connection) rolls back and removes the stored
envelope: nothing half-stored remains. A crash between the blob and the commit leaves an orphan blob that
``storage.cleanup`` removes after its grace period.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa

from .. import locks, storage
from ..domain import lifecycle
from ..domain.errors import N_, DomainError, Forbidden
from ..domain.sealing import envelope, receipt
from ..keyring import PlatformKeys
from ..models import Bid, Lot, Registration
from ..storage import BlobTooLarge
from . import audit, credit, deposits, keys
from .objections import is_paused

UPLOAD_BUSY = N_("Another upload of your company's bid for this lot is in progress; wait for it to end.")


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
    """The lot takes bids at ``now`` (lifecycle), is not paused, and the bidder's deposit has arrived; a property
    lot's sealed round takes one price from each qualified buyer (``sealed_rounds.check_may_seal``)."""
    from .sealed_rounds import check_may_seal, is_sealed_round

    if is_sealed_round(lot):
        check_may_seal(session, actor, now, lot)
    lifecycle.apply(lot.state, "submit_bid", "bidder", now, lot.deadlines(), lot.project.trade_type, method=lot.method)
    if is_paused(session, lot):
        raise DomainError(N_("The lot is paused while an objection to the documents is answered."), field="lot",
                          rule="construction.objection_pause")
    if not deposits.is_covered(session, lot, actor.organisation_id):
        raise DomainError(N_("The deposit of %(amount)s has not arrived in full: pay it into your sub-account first."),
                          field="deposit", amount=lot.deposit)


def check_may_submit(session, actor, now: datetime, lot: Lot) -> None:
    """Refuse unless the bidder may submit a bid for the lot at ``now`` (what ``submit`` checks first): signed up,
    the lot open, not on the blacklist."""
    _require_bidder(session, actor, lot)
    _check_open(session, actor, now, lot)
    credit.refuse_if_barred(session, actor.organisation_id, now)


def guard_name(lot: Lot, bidder_id: int) -> str:
    """The name of a bidder's upload guard for the lot's current round."""
    return f"bid-upload:{lot.id}:{lot.round}:{bidder_id}"


def current_bid(session, lot: Lot, bidder_id: int) -> Bid | None:
    """The bidder's bid that stands for the lot's current round."""
    return session.scalar(sa.select(Bid).where(Bid.lot_id == lot.id, Bid.round == lot.round, Bid.bidder_id == bidder_id,
                                               Bid.status == "submitted"))


Envelope = BinaryIO | Callable[[BinaryIO], None]  # the envelope's bytes, or a function that writes them (sealing)


def _store(ctx, stream: Envelope, max_size: int | None):
    """Stream the envelope into the blob store; refuse one over ``max_size``."""
    try:
        if callable(stream):
            with ctx.store.writer() as out:
                stream(out.file)
            return out.blob
        return ctx.store.put(stream, max_size=max_size)
    except BlobTooLarge as too_large:
        raise DomainError(N_("The envelope is larger than the limit of %(mib)s MiB."), field="envelope",
                          mib=too_large.limit // 2**20) from None


def submit(ctx, session, actor, lot: Lot, stream: Envelope, *, sealed_by: str = "bidder", address: str = "",
           via: str = "", max_size: int | None = None) -> Bid:
    """Take one sealed envelope for the lot and keep it with a signed receipt, replacing the bidder's earlier bid;
    committed when it returns. Refusals raise ``DomainError`` with nothing kept; so does every other failure
    (re-raised after the rollback). ``stream`` is the envelope's bytes, or a function that writes them
    (sealing on the server); ``via`` names the credential in the audit entry (e.g. an API token's prefix).
    The session must hold nothing else uncommitted."""
    blob = None
    try:
        check_may_submit(session, actor, ctx.now(), lot)
        with locks.hold(session, guard_name(lot, actor.organisation_id), ctx.lock_dir):
            blob = _store(ctx, stream, max_size)
            bid = _accept(ctx, session, actor, ctx.now(), lot, blob, sealed_by=sealed_by, address=address, via=via)
            session.commit()  # ends the PostgreSQL guard with the transaction; the file lock ends with the block
        return bid
    except locks.Busy:
        session.rollback()
        raise DomainError(UPLOAD_BUSY, field="envelope") from None
    except BaseException:
        session.rollback()
        if blob is not None:
            ctx.store.discard(blob.key)
        raise


def _accept(ctx, session, actor, completed_at: datetime, lot: Lot, blob, *, sealed_by: str, address: str,
            via: str) -> Bid:
    """Judge the stored envelope at the moment its upload completed: keep it with a signed receipt, replacing the
    bidder's earlier bid, or refuse."""
    check_may_submit(session, actor, completed_at, lot)
    opening_key = keys.opening_key_of(session, lot)
    if opening_key is None:
        raise DomainError(N_("This lot has no opening key, so it takes no sealed bids."), field="lot",
                          rule="electronic.encrypted_bids")
    org = actor.organisation
    with ctx.store.open(blob.key) as handle:
        info = envelope.check_for_upload(handle, lot_code=lot.deal_code, lot_public_key=opening_key.public_key,
                                         bidder_code=org.credit_code)
    platform = ctx.keyring.platform
    certificate = keys.check_certificate(session, platform, info.certificate_pem, completed_at, org.credit_code)
    previous = current_bid(session, lot, org.id)
    if previous is not None:
        previous.status, previous.withdrawn_at = "withdrawn", completed_at
        _drop_envelope(session, ctx.store, previous)
        session.flush()  # before the new row: one standing bid at a time (uq_bid_standing)
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
                                  "replaces": previous.id if previous else None, **({"via": via} if via else {})})
    bid.receipt = _receipt(platform, "submit", lot, org.credit_code, bid, completed_at, entry.seq)
    session.flush()
    return bid


def _drop_envelope(session, store, bid: Bid) -> None:
    """A withdrawn or replaced bid keeps its receipt, manifest hash and size; its envelope is deleted from the blob
    store once this transaction commits (a rollback keeps it, with the row naming it again)."""
    if bid.blob_key:
        storage.discard_after_commit(session, store, bid.blob_key)
        bid.blob_key = None


def withdraw(ctx, session, actor, now: datetime, lot: Lot) -> Bid:
    """Withdraw the bidder's bid before the deadline (撤回); its deposit goes back at once, with interest, and its
    envelope is deleted (the receipts stay)."""
    _require_bidder(session, actor, lot)
    from .sealed_rounds import is_sealed_round

    if is_sealed_round(lot):
        raise DomainError(N_("One sealed round takes one price from each buyer: it can be neither replaced nor "
                             "withdrawn."), field="bid", rule="property.sealed_round")
    lifecycle.apply(lot.state, "withdraw_bid", "bidder", now, lot.deadlines(), lot.project.trade_type,
                    method=lot.method)
    bid = current_bid(session, lot, actor.organisation_id)
    if bid is None:
        raise DomainError(N_("Your company has no bid to withdraw for this lot."), field="bid")
    bid.status, bid.withdrawn_at = "withdrawn", now
    _drop_envelope(session, ctx.store, bid)
    session.flush()
    entry = audit.record(session, actor, now, "bid.withdraw", object_type="lot", object_id=lot.id,
                         rule="electronic.encrypted_bids",
                         payload={"bid_id": bid.id, "bidder_id": actor.organisation_id, "round": lot.round,
                                  "manifest_hash": bid.manifest_hash})
    bid.withdraw_receipt = _receipt(ctx.keyring.platform, "withdraw", lot, actor.organisation.credit_code, bid, now,
                                    entry.seq)
    deposit = deposits.deposit_of(session, lot, actor.organisation_id)
    if deposit is not None and deposit.status == "paid":
        rule = ("procurement.deposit_refund" if lot.project.trade_type == "procurement"
                else "construction.deposit_refund_withdrawn")
        from . import rulebook
        from .result import period_end

        deposits.refund(ctx, session, actor, now, deposit, reason=N_("the bid was withdrawn"),
                        due=period_end(now, rulebook.of_lot(ctx, session, lot)[rule]), rule=rule)
    session.flush()
    return bid


def _receipt(platform: PlatformKeys, kind: str, lot: Lot, bidder_code: str, bid: Bid, at: datetime,
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
