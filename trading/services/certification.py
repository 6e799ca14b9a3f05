"""Staff check the filing: issue the entry certificate (进场交易证明书) with its deal code, or return it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..domain import calendar, dealcode
from ..domain.errors import N_, DomainError
from ..models import DealCodeCounter, EntryCertificate, Filing, Lot
from . import audit
from .lots import transition


def open_filing(session, lot: Lot) -> Filing | None:
    """The filing of the current round that waits for the staff, if any."""
    return session.scalar(sa.select(Filing).where(Filing.lot_id == lot.id, Filing.round == lot.round,
                                                  Filing.status == "filed").order_by(Filing.id.desc()))


def next_deal_code(session, region: str, year: int, trade_type: str) -> str:
    """Allocate the next deal code for region/year/type (the counter row is locked until commit)."""
    key = (region, year, trade_type)
    counter = session.get(DealCodeCounter, key, with_for_update=True)
    if counter is None:  # the first of its region, year and type: create the row, or find a rival's
        try:
            with session.begin_nested():
                session.add(DealCodeCounter(region_code=region, year=year, trade_type=trade_type, last=0))
        except IntegrityError:
            pass
        counter = session.get(DealCodeCounter, key, with_for_update=True, populate_existing=True)
    counter.last += 1
    session.flush()
    return dealcode.format_code(region, year, trade_type, counter.last)


def certify(session, actor, now: datetime, lot: Lot) -> EntryCertificate:
    """Issue the entry certificate for the lot's current round; a second one is refused."""
    if session.scalar(sa.select(EntryCertificate.id).where(EntryCertificate.lot_id == lot.id,
                                                           EntryCertificate.round == lot.round)):
        raise DomainError(N_("This lot already has its entry certificate for round %(round)s."), field="lot",
                          rule="platform.entry_certificate", round=lot.round)
    row = open_filing(session, lot)
    transition(session, lot, "certify", actor, "staff", now)
    code = next_deal_code(session, lot.project.region_code, calendar.local_date(now).year, lot.project.trade_type)
    certificate = EntryCertificate(lot_id=lot.id, round=lot.round, deal_code=code, issued_by_id=actor.id,
                                   issued_at=now)
    lot.deal_code = code
    if row is not None:
        row.status, row.reviewed_by_id, row.reviewed_at = "certified", actor.id, now
    session.add(certificate)
    session.flush()
    audit.record(session, actor, now, "lot.entry_certificate", object_type="lot", object_id=lot.id,
                 rule="platform.entry_certificate", payload={"deal_code": code, "round": lot.round})
    return certificate


def return_filing(session, actor, now: datetime, lot: Lot, reasons: str) -> Filing:
    """Send the filing back to the tenderee with the reasons (the lot returns to draft)."""
    reasons = (reasons or "").strip()
    if len(reasons) < 4:
        raise DomainError(N_("Write the reasons for returning the filing, so the tenderee can correct it."),
                          field="reasons")
    row = open_filing(session, lot)
    transition(session, lot, "return_filing", actor, "staff", now, payload={"reasons": reasons})
    if row is not None:
        row.status, row.reasons, row.reviewed_by_id, row.reviewed_at = "returned", reasons, actor.id, now
    session.flush()
    return row


def certificate_of(session, lot: Lot) -> EntryCertificate | None:
    """The entry certificate of the lot's current round."""
    return session.scalar(sa.select(EntryCertificate).where(EntryCertificate.lot_id == lot.id,
                                                            EntryCertificate.round == lot.round))
