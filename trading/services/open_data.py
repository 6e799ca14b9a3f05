"""The published facts of the platform (公开信息) as data: what the public pages show, for the JSON API v1
(trading/web/api), the change feed and the OCDS export (services/ocds.py).

Everything here is public: a lot is published from its first announcement on, and only with what its
announcement, its result publicity (中标候选人公示 / 成交结果公告), its award and, for government procurement, its
contract announcement (政府采购合同公告) already say on the public pages. Facts about who took part go through the
visibility policy (services/visibility.py) with the anonymous viewer; the opening record's counts are the one
such fact published (``Fact.BID_STATISTICS``), and only once the policy allows it.

Lists are paged by a stable cursor: rows in ascending id order, the cursor being the last id returned (opaque to
the caller); a row added later always comes after every cursor handed out before it, so paging never skips or
repeats a row.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from ..domain import lifecycle, property_terms, regions, rules
from ..domain.errors import N_, DomainError, NotFound
from ..domain.visibility import ANONYMOUS, Fact, may_see
from ..models import (
    Announcement,
    Award,
    BlacklistEntry,
    Contract,
    Lot,
    OpeningEntry,
    Organisation,
    Project,
    Publicity,
)
from . import credit
from .visibility import phase_of

MAX_LIMIT = 100
DEFAULT_LIMIT = 50


# -- cursors -------------------------------------------------------------------------------------------------------

def encode_cursor(kind: str, position: int) -> str:
    """An opaque cursor: ``kind`` (which list it belongs to) and the last position handed out."""
    raw = json.dumps([kind, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int:
    """The position a cursor of list ``kind`` stands for (0 without a cursor); a cursor that is not one of
    this list's is refused naming the field."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found_kind, position = json.loads(text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise DomainError(N_("The cursor is not one this list handed out: start without it."),
                          field="cursor") from None
    if found_kind != kind or not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise DomainError(N_("The cursor is not one this list handed out: start without it."), field="cursor")
    return position


def check_limit(limit: int | None) -> int:
    """The page size asked for, within 1..MAX_LIMIT."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError(N_("Ask for 1 to %(limit)s rows a page."), field="limit", limit=MAX_LIMIT)
    return limit


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows and the cursor of the next page (None when this is the last)."""

    data: list
    next_cursor: str | None


def page_of(session, query, id_column, kind: str, cursor: str | None, limit: int | None, shape) -> Page:
    """Rows of ``query`` after the cursor in ``id_column`` order, each made public by ``shape``."""
    after = decode_cursor(kind, cursor)
    limit = check_limit(limit)
    rows = list(session.scalars(query.where(id_column > after).order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([shape(row) for row in rows], encode_cursor(kind, rows[-1].id) if more else None)


# -- filters -------------------------------------------------------------------------------------------------------

def check_filters(trade_type: str | None, region: str | None, state: str | None = None) -> None:
    """Refuse an unknown trade type, region or state, naming the field."""
    if trade_type and trade_type not in rules.TRADE_TYPES:
        raise DomainError(N_("Unknown trade type %(value)s."), field="trade_type", value=trade_type)
    if region and regions.get(region) is None:
        raise DomainError(N_("Unknown region code %(value)s."), field="region", value=region)
    if state and state not in lifecycle.STATES:
        raise DomainError(N_("Unknown lot state %(value)s."), field="state", value=state)


def _filtered(query, trade_type: str | None, region: str | None, state: str | None = None):
    check_filters(trade_type, region, state)
    if trade_type:
        query = query.where(Project.trade_type == trade_type)
    if region:
        query = query.where(Project.region_code.in_(regions.descendants(region)))
    if state:
        query = query.where(Lot.state == state)
    return query


# -- announcements -------------------------------------------------------------------------------------------------

def announcement_facts(row: Announcement, *, text: bool = False) -> dict:
    """An announcement as published (the full text with ``text``)."""
    lot = row.lot
    facts = {"id": row.id, "lot_id": lot.id, "round": row.round, "title": row.title, "published_at": row.published_at,
             "deal_code": lot.deal_code, "trade_type": lot.project.trade_type, "region_code": lot.project.region_code}
    if text:
        facts["text"] = row.text
    return facts


def announcements(session, *, cursor: str | None = None, limit: int | None = None, trade_type: str | None = None,
                  region: str | None = None) -> Page:
    """Every published announcement, oldest first."""
    query = _filtered(sa.select(Announcement).join(Lot, Lot.id == Announcement.lot_id)
                      .join(Project, Project.id == Lot.project_id), trade_type, region)
    return page_of(session, query, Announcement.id, "announcements", cursor, limit, announcement_facts)


def announcement(session, announcement_id: int) -> dict:
    """One announcement with its text."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise NotFound(N_("No such announcement."), field="announcement_id")
    return announcement_facts(row, text=True)


# -- lots ----------------------------------------------------------------------------------------------------------

def _published():
    """The ids of lots with an announcement (published from their first one on)."""
    return sa.select(Announcement.lot_id)


def published_lot(session, lot_id: int) -> Lot:
    """A published lot, else NotFound (a lot not yet announced does not exist for the public)."""
    lot = session.get(Lot, lot_id)
    if lot is None or session.scalar(sa.select(Announcement.id).where(Announcement.lot_id == lot_id).limit(1)) is None:
        raise NotFound(N_("No such lot."), field="lot_id")
    return lot


def lots(session, now: datetime, *, cursor: str | None = None, limit: int | None = None,
         trade_type: str | None = None, region: str | None = None, state: str | None = None) -> Page:
    """Every published lot with its published facts, in id order."""
    query = _filtered(sa.select(Lot).join(Project, Project.id == Lot.project_id)
                      .where(Lot.id.in_(_published())), trade_type, region, state)
    return page_of(session, query, Lot.id, "lots", cursor, limit, lambda lot: lot_facts(session, lot, now))


def _latest_announcement(session, lot: Lot) -> Announcement | None:
    return session.scalar(sa.select(Announcement).where(Announcement.lot_id == lot.id)
                          .order_by(Announcement.round.desc()).limit(1))


def _organisation(org) -> dict | None:
    return None if org is None else {"name": org.name, "credit_code": org.credit_code}


def bid_statistics(session, lot: Lot, now: datetime) -> dict | None:
    """The opening record's counts of the lot's current round (bids received by the deadline, opened, not opened)
    and the lowest and highest opened price, when the visibility policy lets anyone see them; else None."""
    if not may_see(Fact.BID_STATISTICS, ANONYMOUS, phase_of(lot, now)):
        return None
    entries = list(session.scalars(sa.select(OpeningEntry).where(OpeningEntry.lot_id == lot.id,
                                                                 OpeningEntry.round == lot.round)))
    if not entries:
        return None
    prices = [e.price for e in entries if e.status == "opened" and e.price is not None]
    return {"received": len(entries), "opened": sum(e.status == "opened" for e in entries),
            "not_opened": sum(e.status != "opened" for e in entries),
            "lowest_price": min(prices) if prices else None, "highest_price": max(prices) if prices else None,
            "opened_at": max(e.opened_at for e in entries)}


def _credit_code(session, candidate: dict) -> str | None:
    """A published candidate's unified social credit code."""
    org = session.get(Organisation, candidate["bidder_id"]) if candidate.get("bidder_id") else None
    return None if org is None else org.credit_code


def result_facts(session, lot: Lot) -> dict:
    """The lot's published result of its current round: the candidates' publicity, the award, and the contract
    announcement (government procurement only: the others' contracts are not published by the centre)."""
    publicity = session.scalar(sa.select(Publicity).where(Publicity.lot_id == lot.id, Publicity.round == lot.round))
    award = session.scalar(sa.select(Award).where(Award.lot_id == lot.id, Award.round == lot.round)) \
        if publicity is not None else None
    contract = session.scalar(sa.select(Contract).where(Contract.award_id == award.id)) \
        if award is not None and lot.project.trade_type == "procurement" else None
    return {
        "publicity": None if publicity is None else {
            "published_at": publicity.published_at, "ends_at": publicity.ends_at, "rule": publicity.rule,
            "candidates": [{"rank": c["rank"], "name": c["name"], "credit_code": _credit_code(session, c),
                            "price": Decimal(str(c["price"])),
                            "total": None if c.get("total") in (None, "") else str(c["total"])}
                           for c in publicity.candidates]},
        "award": None if award is None else {
            "id": award.id, "bidder": _organisation(award.bidder), "rank": award.rank, "price": award.price,
            "issued_at": award.issued_at},
        "contract": None if contract is None else {
            "id": contract.id, "number": contract.number, "signed_on": contract.signed_on, "amount": contract.amount,
            "published_at": contract.registered_at, "supplier": _organisation(award.bidder)},
    }


def property_facts(lot: Lot) -> dict | None:
    """A state property lot's announced terms (32号令), among them the bidding form its disclosure chose for two or
    more qualified buyers (``property_terms.bidding_form``: multi_round 网络竞价, or sealed 一次报价); None for
    other lots."""
    if lot.project.trade_type != "property":
        return None
    terms = lot.property_terms or {}
    upfront = terms.get("upfront_percent")
    return {"bidding_form": property_terms.bidding_form(terms), "valuation": lot.valuation,
            "payment": terms.get("payment"), "upfront_percent": upfront if upfront else None,
            "balance_months": terms.get("balance_months"),
            "result_publicity_days": terms.get("result_publicity_days"), "asset": terms.get("asset") or "equity",
            "lease_years": terms.get("lease_years")}


def lot_facts(session, lot: Lot, now: datetime) -> dict:
    """Everything published about a lot: what its announcement states, its state, its result, and the opening
    record's counts once the policy allows."""
    project = lot.project
    announced = _latest_announcement(session, lot)
    return {
        "id": lot.id, "deal_code": lot.deal_code, "name": lot.name, "number": lot.number, "round": lot.round,
        "state": lot.state, "stage": lifecycle.stage_of(lot.state, lot.previous_state),
        "project": {"name": project.name, "trade_type": project.trade_type, "region_code": project.region_code,
                    "region_name": regions.name(project.region_code), "approval_number": project.approval_number,
                    "approving_body": project.approving_body, "funding_source": project.funding_source,
                    "tenderee": _organisation(project.tenderee), "agency": _organisation(project.agency)},
        "method": lot.method, "category": lot.category, "evaluation_method": lot.evaluation_method,
        "budget": lot.budget, "starting_price": lot.starting_price, "deposit": lot.deposit,
        "increment": lot.increment, "location": lot.location or None, "scope": lot.scope or None,
        "duration": lot.duration or None, "qualification": lot.qualification or None,
        "issued_at": lot.issued_at, "documents_until": lot.documents_until, "bid_deadline": lot.bid_deadline,
        "opening_at": lot.opening_at, "listing_start": lot.listing_start, "listing_end": lot.listing_end,
        "auction_start": lot.auction_start, "updated_at": lot.updated_at, "property_terms": property_facts(lot),
        "announcement": None if announced is None else announcement_facts(announced),
        "bid_statistics": bid_statistics(session, lot, now),
        **result_facts(session, lot),
    }


def lot(session, lot_id: int, now: datetime) -> dict:
    """One published lot's facts."""
    return lot_facts(session, published_lot(session, lot_id), now)


# -- results and contracts -----------------------------------------------------------------------------------------

def results(session, now: datetime, *, cursor: str | None = None, limit: int | None = None,
            trade_type: str | None = None, region: str | None = None) -> Page:
    """Published results (a publicity of the lot's current round), in the order they were published."""
    query = _filtered(sa.select(Publicity).join(Lot, sa.and_(Lot.id == Publicity.lot_id, Lot.round == Publicity.round))
                      .join(Project, Project.id == Lot.project_id), trade_type, region)

    def shape(row: Publicity) -> dict:
        lot = session.get(Lot, row.lot_id)
        return {"id": row.id, "lot_id": lot.id, "deal_code": lot.deal_code, "name": lot.name,
                "trade_type": lot.project.trade_type, "state": lot.state, **result_facts(session, lot)}

    return page_of(session, query, Publicity.id, "results", cursor, limit, shape)


def contracts(session, *, cursor: str | None = None, limit: int | None = None, region: str | None = None) -> Page:
    """Published contract announcements (政府采购合同公告), in the order they were registered."""
    query = _filtered(sa.select(Contract).join(Award, Award.id == Contract.award_id)
                      .join(Lot, sa.and_(Lot.id == Award.lot_id, Lot.round == Award.round))
                      .join(Project, Project.id == Lot.project_id).where(Project.trade_type == "procurement"),
                      None, region)

    def shape(row: Contract) -> dict:
        award = session.get(Award, row.award_id)
        lot = session.get(Lot, award.lot_id)
        return {"id": row.id, "lot_id": lot.id, "deal_code": lot.deal_code, "name": lot.name, "number": row.number,
                "signed_on": row.signed_on, "amount": row.amount, "published_at": row.registered_at,
                "supplier": _organisation(award.bidder), "buyer": _organisation(lot.project.tenderee)}

    return page_of(session, query, Contract.id, "contracts", cursor, limit, shape)


# -- the blacklist -------------------------------------------------------------------------------------------------

def blacklist(session, now: datetime, *, cursor: str | None = None, limit: int | None = None) -> Page:
    """The blacklist entries in force now (the public blacklist page), in the order they were recorded."""
    query = sa.select(BlacklistEntry).where(BlacklistEntry.starts_at <= now, BlacklistEntry.ends_at > now,
                                            sa.or_(BlacklistEntry.lifted_at.is_(None), BlacklistEntry.lifted_at > now))

    def shape(row: BlacklistEntry) -> dict:
        return {"id": row.id, "subject_type": row.subject_type,
                "name": credit.subject_name(session, row.subject_type, row.subject_id), "reason": row.reason,
                "decision": row.decision, "starts_at": row.starts_at, "ends_at": row.ends_at}

    return page_of(session, query, BlacklistEntry.id, "blacklist", cursor, limit, shape)


# -- statistics ----------------------------------------------------------------------------------------------------

def _rate(value: Decimal | None) -> Decimal | None:
    """A rate to 8 decimal places (0.04207650 is 4.207650%)."""
    return None if value is None else Decimal(value).quantize(Decimal("0.00000001"))


def _totals(totals) -> dict:
    """A set's sums and the platform's savings and premium rates (DESIGN §8), with the figures' own working."""
    savings = _rate(totals.savings_figures()["savings_rate"].value)
    premium = _rate(totals.premium_figures()["premium_rate"].value)
    return {"lots": totals.lots, "amount": totals.amount, "budgeted": totals.budgeted, "budget": totals.budget,
            "savings": totals.savings, "savings_rate": None if savings is None else str(savings),
            "priced": totals.priced, "starting_prices": totals.start, "premium": totals.premium,
            "premium_rate": None if premium is None else str(premium)}


def statistics_report(session, *, period: str, value: str, region: str | None = None,
                      trade_type: str | None = None) -> dict:
    """The centre's figures for a period (award dates), region and trade type, broken down by trade type, month
    and region: the supervisors' report's sums, which count only lots with a result (deals), so nothing in them is
    confidential."""
    from ..domain.statistics import DEFINITIONS
    from .statistics import Filters, report

    check_filters(trade_type, region)
    filters = Filters.period(period, value, region=region, trade_type=trade_type)
    found = report(session, filters)
    return {"period": {"kind": period, "start": filters.start.isoformat(), "end": filters.end.isoformat()},
            "region": region, "trade_type": trade_type, "totals": _totals(found.totals),
            "by_trade_type": [{"key": row.key, "totals": _totals(row.totals)} for row in found.by_trade_type],
            "by_month": [{"key": row.key, "totals": _totals(row.totals)} for row in found.by_month],
            "by_region": [{"key": row.key, "totals": _totals(row.totals)} for row in found.by_region],
            "definitions": {code: f"{d.name_en}: {d.formula_en}" for code, d in DEFINITIONS.items()}}
