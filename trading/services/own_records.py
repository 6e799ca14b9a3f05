"""A bidder organisation's own records, for its programs (API v1 with a token of the ``read`` scope): its
sign-ups, deposits, bids and receipts. Only the organisation's own rows, which the visibility policy always lets it
see (``own=True``); never another organisation's."""

from __future__ import annotations

import sqlalchemy as sa

from ..domain.errors import N_, NotFound
from ..models import Bid, Deposit, Lot, Registration
from . import pledges
from .open_data import Page, page_of


def registrations(session, actor, *, cursor: str | None = None, limit: int | None = None) -> Page:
    """The organisation's sign-ups, oldest first."""
    def shape(row: Registration) -> dict:
        lot = session.get(Lot, row.lot_id)
        pledge = pledges.of_registration(session, row.id)
        return {"id": row.id, "lot_id": row.lot_id, "round": row.round, "deal_code": lot.deal_code,
                "lot_name": lot.name, "registered_at": row.registered_at,
                "pledge_sha256": pledge.sha256 if pledge else None, "pledge_language": pledge.language if pledge
                else None, "pledged_at": pledge.signed_at if pledge else None}

    query = sa.select(Registration).where(Registration.bidder_id == actor.organisation_id)
    return page_of(session, query, Registration.id, "registrations", cursor, limit, shape)


def deposits(session, actor, *, cursor: str | None = None, limit: int | None = None) -> Page:
    """The organisation's deposits, oldest first."""
    def shape(row: Deposit) -> dict:
        return {"id": row.id, "lot_id": row.lot_id, "round": row.round, "sub_account": row.sub_account.number,
                "required": row.required, "received": row.received, "status": row.status, "paid_at": row.paid_at,
                "refund_due": row.refund_due, "refunded_at": row.refunded_at, "interest": row.interest}

    query = sa.select(Deposit).where(Deposit.bidder_id == actor.organisation_id)
    return page_of(session, query, Deposit.id, "deposits", cursor, limit, shape)


def bids(session, actor, *, cursor: str | None = None, limit: int | None = None) -> Page:
    """The organisation's bids (standing and withdrawn), oldest first."""
    def shape(row: Bid) -> dict:
        return {"id": row.id, "lot_id": row.lot_id, "round": row.round, "status": row.status, "size": row.size,
                "manifest_hash": row.manifest_hash, "received_at": row.received_at, "withdrawn_at": row.withdrawn_at,
                "receipt_id": row.receipt["receipt_id"]}

    query = sa.select(Bid).where(Bid.bidder_id == actor.organisation_id)
    return page_of(session, query, Bid.id, "bids", cursor, limit, shape)


def receipt(session, actor, receipt_id: str) -> dict:
    """One of the organisation's receipts, as issued; another organisation's is not found (the same answer as a
    receipt that does not exist)."""
    for row in session.scalars(sa.select(Bid).where(Bid.bidder_id == actor.organisation_id)):
        if row.receipt.get("receipt_id") == receipt_id:
            return {"receipt": row.receipt}
        if row.withdraw_receipt and row.withdraw_receipt.get("receipt_id") == receipt_id:
            return {"receipt": row.withdraw_receipt}
    raise NotFound(N_("No such receipt."), field="receipt_id")
