"""The write side of the deal table (成交记录, DESIGN §8): a lot awarded on the platform becomes (or, in a later
round, updates) its deal row, the contract's date is noted on it, and the rollup the reports read (``DealCell``,
and ``DealSpan`` for projects in several cells) is recomputed for the award months touched, in the same
transaction, so it always equals the deals' sums. ``services.statistics`` only reads; historical imports and the
calibration scenarios (``services.history``) write deals too and refresh the rollup here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from ..domain import calendar, history as historical
from ..models import Award, Contract, Deal, DealCell, DealSpan, Lot
from .statistics import deal_measures

CELL, SPAN = DealCell.__table__, DealSpan.__table__
CELL_KEY = ("trade_type", "region_code", "awarded_month", "method", "imported")
CELL_COLUMNS = (*CELL_KEY, "lots", "amount", "based", "base", "margin", "rates", "in_centre", "projects")


def record_award(session, now: datetime, lot: Lot, award: Award) -> Deal:
    """Record (or, for a later round, update) the deal row of a lot awarded on the platform (called by
    ``services.result.award``)."""
    return record_deal(session, now, lot, award.price, award.issued_at)


def record_deal(session, now: datetime, lot: Lot, price, decided_at: datetime) -> Deal:
    """Record (or update) the deal row of a lot decided on the platform at ``price`` (an award, or a live land
    trade's deal, ``services.auction_results``), and refresh the rollup for its month."""
    project = lot.project
    budgeted = project.trade_type in historical.BUDGETED
    values = {
        "imported": False, "source": "platform", "project_name": project.name, "lot_name": lot.name,
        "project_key": f"platform:{project.id}", "trade_type": project.trade_type, "method": lot.method,
        "region_code": project.region_code, "funding_source": project.funding_source or "",
        "state_funded": project.state_funded, "budget": lot.budget if budgeted else None,
        "starting_price": None if budgeted else lot.starting_price, "price": price,
        "announced_on": calendar.local_date(lot.issued_at) if lot.issued_at else None,
        "awarded_on": calendar.local_date(decided_at), "contracted_on": None,
    }
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == lot.id))
    months = {values["awarded_on"].strftime("%Y-%m")}
    if deal is None:
        deal = Deal(lot_id=lot.id, created_at=now, **values)
        session.add(deal)
    else:
        months.add(deal.awarded_month)
        for name, value in values.items():
            setattr(deal, name, value)
    session.flush()
    refresh_cells(session, months)
    return deal


def record_contract(session, lot: Lot, contract: Contract) -> None:
    """Note the signing date on the lot's deal row (called by ``services.result.register_contract``)."""
    session.execute(sa.update(Deal).where(Deal.lot_id == lot.id).values(contracted_on=contract.signed_on))


def withdraw_deal(session, lot: Lot) -> None:
    """Take a lot's deal out of the deal table when the result is void (a land winner that did not sign the land
    contract, ``services.land_contracts``), and refresh the rollup for every month its project touches."""
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == lot.id))
    if deal is None:
        return
    key = deal.project_key
    months = {deal.awarded_month, *session.scalars(sa.select(Deal.awarded_month).where(Deal.project_key == key))}
    session.delete(deal)
    session.flush()
    session.execute(sa.delete(SPAN).where(SPAN.c.project_key == key))
    refresh_cells(session, months)


def _cell_of_deal() -> tuple:
    """The deal's cell key, as columns of a select over the deal table."""
    return (Deal.trade_type, Deal.region_code, Deal.awarded_month, sa.func.coalesce(Deal.method, ""), Deal.imported)


def refresh_cells(session, months: Iterable[str] | None = None) -> None:
    """Recompute the rollup (``DealCell``, and ``DealSpan`` for projects in several cells) from the deal table:
    everything, or what the deals of the given award months touch. Called whenever deals are written, in the same
    transaction, so the rollup always equals the deals' sums and distinct projects."""
    grain = _cell_of_deal()
    cells = sa.select(*grain, *deal_measures(), sa.func.count(Deal.project_key.distinct())).group_by(*grain)
    touched = sa.select(Deal.project_key)
    if months is not None:
        months = sorted(set(months))
        if not months:
            return
        cells = cells.where(Deal.awarded_month.in_(months))
        touched = touched.where(Deal.awarded_month.in_(months))
        session.execute(sa.delete(CELL).where(CELL.c.awarded_month.in_(months)))
        session.execute(sa.delete(SPAN).where(SPAN.c.project_key.in_(touched.scalar_subquery())))
    else:
        session.execute(sa.delete(CELL))
        session.execute(sa.delete(SPAN))
    session.execute(sa.insert(CELL).from_select(CELL_COLUMNS, cells))
    placed = sa.select(Deal.project_key, *grain).where(Deal.project_key.in_(touched.scalar_subquery())).distinct()
    placed = placed.subquery()
    spanning = sa.select(placed.c.project_key).group_by(placed.c.project_key).having(sa.func.count() > 1)
    span_rows = sa.select(Deal.project_key, *grain).where(Deal.project_key.in_(spanning.scalar_subquery())).distinct()
    session.execute(sa.insert(SPAN).from_select(("project_key", *CELL_KEY), span_rows))
