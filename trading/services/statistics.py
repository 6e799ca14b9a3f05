"""Statistics over the deal table (成交记录, DESIGN §8): filters, the savings and premium figures with their working,
amounts traded, breakdowns by trade type, month and region, the lots behind a figure, the supervisor's report and
the calibration against the published figures.

Every figure is aggregated in SQL: grouped counts and sums (the per-lot rates included, computed in SQL as
(budget − price) / budget), never the lots loaded into Python. One grouped pass at the grain trade type × region
× month feeds every breakdown (the roll-ups run in SQL over its few rows), so the report reads the deals once,
plus one pass counting distinct projects; both read covering indexes of the deal table.

Sets: the savings figures are over construction and procurement lots (those without a budget are left out and
counted), the premium figures over land and property lots (likewise without a starting price); amounts and counts
over every lot. Regions: a 6-digit code; with its subordinates, a province (``420000``) takes every code starting
``42``, a prefecture (``421200``) every code starting ``4212``, i.e. itself and its counties; a county is only
its own code (the same sets as ``domain.regions.descendants``, matched as a range of codes so the index serves).

Read only: deals are written by ``services.deals`` (a lot awarded on the platform, its contract date, and the
rollup kept in step) and ``services.history`` (historical imports, the calibration scenarios).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Context, Decimal, localcontext
from functools import cached_property

import sqlalchemy as sa

from ..domain import history as historical, regions, statistics
from ..domain.errors import N_, DomainError
from ..domain.rules import METHODS, TRADE_TYPES
from ..models import Deal, DealCell, DealSpan
from ..models.types import Money

BUDGETED = tuple(sorted(historical.BUDGETED))  # construction, procurement: budget or control price
STARTING_PRICED = tuple(sorted(historical.STARTING_PRICED))  # land, property: starting price
ZERO = Decimal("0.00")
MAX_PER_PAGE = 500
EXPORT_LIMIT = 20_000  # lots on a workbook's lot sheet; every figure comes from SQL whatever the number


# -- filters ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """Which deals a figure is about; every field optional. Checked on creation (DomainError naming the field).

    ``start``/``end``: award dates, ``end`` excluded (``Filters.period`` takes them from statistics.period_bounds);
    ``region`` a 6-digit code, with its subordinate regions when ``include_subordinates`` (see the module notes);
    ``trade_type`` and ``method`` codes (or Chinese names); ``funding_source`` a substring; ``imported`` True for
    imported deals only, False for platform lots only, None for both.
    """

    start: date | None = None
    end: date | None = None
    region: str | None = None
    include_subordinates: bool = True
    trade_type: str | None = None
    method: str | None = None
    funding_source: str | None = None
    imported: bool | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise DomainError(N_("The period ends on %(end)s, before it starts on %(start)s."), field="period",
                              start=self.start.isoformat(), end=self.end.isoformat())
        region = str(self.region or "").strip()
        object.__setattr__(self, "region", regions.check_region(region, field="region").code if region else None)
        if self.trade_type:
            object.__setattr__(self, "trade_type", historical.parse_trade_type(self.trade_type))
        else:
            object.__setattr__(self, "trade_type", None)
        if self.method:
            code = _METHOD_CODES.get(str(self.method).strip())
            if code is None:
                raise DomainError(N_("Unknown trading method %(value)s."), field="method", value=self.method)
            object.__setattr__(self, "method", code)
        else:
            object.__setattr__(self, "method", None)
        text = (self.funding_source or "").strip()
        if len(text) > historical.MAX_TEXT:
            raise DomainError(N_("The funding source is longer than %(limit)s characters."), field="funding_source",
                              limit=historical.MAX_TEXT)
        object.__setattr__(self, "funding_source", text or None)

    @classmethod
    def period(cls, kind: str, value: str, **others) -> Filters:
        """Filters for a period 'dates' ('2010-01-01..2010-08-31'), 'month', 'quarter' or 'year', and others."""
        start, end = statistics.period_bounds(kind, value)
        return cls(start=start, end=end, **others)

    @classmethod
    def of_scope(cls, scope: statistics.Scope) -> Filters:
        """The filters of a published figure's scope: its region, with or without subordinates, and its period."""
        start, end = scope.bounds()
        return cls(start=start, end=end, region=scope.region, include_subordinates=scope.subordinates)

    @property
    def region_prefix(self) -> str | None:
        """The code prefix the region filter matches: 2 digits (province), 4 (prefecture) or the whole code."""
        if self.region is None:
            return None
        if not self.include_subordinates:
            return self.region
        level = regions.get(self.region).level
        return self.region[:2] if level == "province" else self.region[:4] if level == "prefecture" else self.region


_METHOD_CODES = {key: m.code for m in METHODS.values() for key in (m.code, m.name_zh)}


def _where(filters: Filters) -> list:
    """The SQL conditions of the filters on the deal table."""
    conditions = []
    if filters.start is not None:
        conditions.append(Deal.awarded_on >= filters.start)
    if filters.end is not None:
        conditions.append(Deal.awarded_on < filters.end)
    if filters.funding_source is not None:
        conditions.append(Deal.funding_source.icontains(filters.funding_source, autoescape=True))
    return conditions + _kind_where(filters, Deal.__table__.c)


def _kind_where(filters: Filters, c) -> list:
    """The conditions on region, trade type, method and origin, for the deal table or the rollup's columns ``c``."""
    conditions = []
    prefix = filters.region_prefix
    if prefix is not None and len(prefix) == 6:
        conditions.append(c.region_code == prefix)
    elif prefix is not None:  # every code starting with the prefix: ':' is the character after '9'
        conditions += [c.region_code >= prefix, c.region_code < prefix + ":"]
    if filters.trade_type is not None:
        conditions.append(c.trade_type == filters.trade_type)
    if filters.method is not None:
        conditions.append(c.method == filters.method)
    if filters.imported is not None:
        conditions.append(c.imported == filters.imported)
    return conditions


# -- the rollup ----------------------------------------------------------------------------------------------------

_CELL, _SPAN = DealCell.__table__, DealSpan.__table__  # kept by ``services.deals.refresh_cells``


def _on_whole_months(filters: Filters) -> bool:
    """Whether the rollup answers the filters: whole months, and no funding source (it is not in the rollup)."""
    return filters.funding_source is None and all(d is None or d.day == 1 for d in (filters.start, filters.end))


def _cell_where(filters: Filters, table=_CELL) -> list:
    """The filters' conditions on the rollup or its spanning projects (``_on_whole_months`` must hold)."""
    conditions = []
    if filters.start is not None:
        conditions.append(table.c.awarded_month >= filters.start.strftime("%Y-%m"))
    if filters.end is not None:
        conditions.append(table.c.awarded_month < filters.end.strftime("%Y-%m"))
    return conditions + _kind_where(filters, table.c)


# -- sums of a set ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Totals:
    """The grouped sums of a set of deals, as SQL returned them (Decimal yuan; the rates as Decimal fractions).

    ``budgeted`` counts the construction and procurement lots with a budget (``unbudgeted`` those without),
    ``budget`` and ``budget_awards`` sum their budgets and award prices, ``savings_rates`` their per-lot rates;
    ``priced``, ``unpriced``, ``start``, ``deals`` and ``premium_rates`` are the same for land and property lots
    and their starting prices. Totals add up (``a + b``), so a breakdown's rows add up to its total: counts and
    money exactly, the sums of per-lot rates to about 1e-15 on SQLite, which adds them in floating point.
    """

    lots: int = 0
    amount: Decimal = ZERO
    budgeted: int = 0
    unbudgeted: int = 0
    budget: Decimal = ZERO
    budget_awards: Decimal = ZERO
    savings_rates: Decimal = ZERO
    priced: int = 0
    unpriced: int = 0
    start: Decimal = ZERO
    deals: Decimal = ZERO
    premium_rates: Decimal = ZERO
    in_centre: int = 0  # lots traded in the centre (进场交易)

    def __add__(self, other: Totals) -> Totals:
        return total((self, other))

    @property
    def savings(self) -> Decimal:
        """Σ (budget − award) over the lots with a budget."""
        return self.budget - self.budget_awards

    @property
    def premium(self) -> Decimal:
        """Σ (deal − starting price) over the lots with a starting price."""
        return self.deals - self.start

    def savings_figures(self) -> dict[str, statistics.Figure]:
        """The savings rate and its alternatives, with the working (statistics.savings_figures)."""
        return statistics.savings_figures(self.budgeted, self.budget, self.budget_awards, self.savings_rates,
                                          self.unbudgeted)

    def premium_figures(self) -> dict[str, statistics.Figure]:
        """The premium rate and its alternatives, with the working (statistics.premium_figures)."""
        return statistics.premium_figures(self.priced, self.start, self.deals, self.premium_rates, self.unpriced)


def total(items: Iterable[Totals]) -> Totals:
    """The sum of several Totals (of none: zeros)."""
    sums = [getattr(Totals(), name) for name in _TOTALS]
    with localcontext(_EXACT):
        for item in items:
            sums = [a + getattr(item, name) for a, name in zip(sums, _TOTALS, strict=True)]
    return Totals(*sums)


_TOTALS = tuple(f.name for f in fields(Totals))
_EXACT = Context(prec=34)


def _exact(value) -> Decimal:
    """A sum from the database as Decimal: SQLite returns floats for real-valued sums, PostgreSQL Decimal."""
    if value is None:
        return Decimal(0)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _totals(trade_type: str, lots, amount, based, base, margin, rates, in_centre) -> Totals:
    """Totals of one trade type from the measures of ``deal_measures``: ``base`` is the budget or starting price."""
    lots, based, in_centre = int(lots or 0), int(based or 0), int(in_centre or 0)
    amount, base, margin = (_exact(v).quantize(statistics.CENT) for v in (amount, base, margin))
    if trade_type in historical.BUDGETED:
        return Totals(lots, amount, budgeted=based, unbudgeted=lots - based, budget=base, budget_awards=base - margin,
                      savings_rates=_exact(rates), in_centre=in_centre)
    return Totals(lots, amount, priced=based, unpriced=lots - based, start=base, deals=base - margin,
                  premium_rates=-_exact(rates), in_centre=in_centre)


def deal_measures(source=None) -> list:
    """Count, Σ price, count and Σ of the base (budget or starting price), Σ (base − price), Σ per-lot rates.

    From the deal table, or summed again from the rows of a grouped ``source`` that has these columns (the rollup,
    whose cells ``services.deals.refresh_cells`` fills with these same measures).
    """
    if source is not None:
        c = source.c
        return [sa.func.sum(c.lots).label("lots"), sa.type_coerce(sa.func.sum(c.amount), Money()).label("amount"),
                sa.func.sum(c.based).label("based"), sa.type_coerce(sa.func.sum(c.base), Money()).label("base"),
                sa.type_coerce(sa.func.sum(c.margin), Money()).label("margin"),
                sa.type_coerce(sa.func.sum(c.rates), sa.types.NullType()).label("rates"),
                sa.func.sum(c.in_centre).label("in_centre")]
    base = sa.func.coalesce(Deal.budget, Deal.starting_price)
    return [sa.func.count().label("lots"), sa.type_coerce(sa.func.sum(Deal.price), Money()).label("amount"),
            sa.func.count(base).label("based"), sa.type_coerce(sa.func.sum(base), Money()).label("base"),
            sa.type_coerce(sa.func.sum(base - Deal.price), Money()).label("margin"),
            sa.type_coerce(sa.func.sum((base - Deal.price) / base), sa.types.NullType()).label("rates"),
            sa.func.sum(sa.case((Deal.in_centre, 1), else_=0)).label("in_centre")]


_KEYS = {"trade_type": Deal.trade_type, "region": Deal.region_code, "month": Deal.awarded_month}


def _rollups(session, filters: Filters, breakdowns: tuple[str, ...], *,
             rollup: bool | None = None) -> dict[str, dict[str, dict[str, Totals]]]:
    """``{breakdown: {key: {trade_type: Totals}}}`` for breakdowns 'trade_type', 'region' and 'month'.

    One grouped query at the grain trade type × (region) × (month): over the rollup when the filters fall on whole
    months (``rollup`` None: whenever it can; False: over the deals, as for a day range or a funding source);
    with several breakdowns it is a common table expression that each roll-up sums again in SQL, so the source
    is read once whatever the number of breakdowns.
    """
    if rollup is None:
        rollup = _on_whole_months(filters)
    if rollup:
        keys = {"trade_type": _CELL.c.trade_type, "region": _CELL.c.region_code, "month": _CELL.c.awarded_month}
        measures, where = (lambda: deal_measures(_CELL)), _cell_where(filters)
    else:
        keys, measures, where = {"trade_type": Deal.trade_type, **_KEYS}, deal_measures, _where(filters)
    grain = [keys["trade_type"]] + [keys[k] for k in ("region", "month") if k in breakdowns]
    cells = sa.select(*grain, *measures()).where(*where).group_by(*grain)
    if rollup:  # the rollup is small: each breakdown sums its cells directly (no common pass needed)
        statement = sa.union_all(*(
            sa.select(sa.literal(name).label("breakdown"), keys["trade_type"], keys[name].label("key"), *measures())
            .where(*where).group_by(keys["trade_type"], keys[name]) for name in breakdowns))
    elif len(breakdowns) == 1:
        key = keys[breakdowns[0]]
        statement = cells.with_only_columns(sa.literal(breakdowns[0]).label("breakdown"), keys["trade_type"],
                                            key.label("key"), *measures())
    else:
        cte = cells.cte("cells")
        columns = {"trade_type": cte.c.trade_type, "region": cte.c.region_code, "month": cte.c.awarded_month}
        statement = sa.union_all(*(
            sa.select(sa.literal(name).label("breakdown"), cte.c.trade_type, columns[name].label("key"),
                      *deal_measures(cte)).group_by(cte.c.trade_type, columns[name])
            for name in breakdowns))
    result: dict[str, dict[str, dict[str, Totals]]] = {name: {} for name in breakdowns}
    for breakdown, trade_type, key, *measures in session.execute(statement):
        result[breakdown].setdefault(key, {})[trade_type] = _totals(trade_type, *measures)
    return result


def _by_type(session, filters: Filters) -> dict[str, Totals]:
    """Totals per trade type present."""
    return {key: by_type[key] for key, by_type in _rollups(session, filters, ("trade_type",))["trade_type"].items()}


def savings(session, filters: Filters) -> dict[str, statistics.Figure]:
    """The savings rate (节资率) of the filtered construction and procurement lots and its two alternatives."""
    return total(t for k, t in _by_type(session, filters).items() if k in historical.BUDGETED).savings_figures()


def premium(session, filters: Filters) -> dict[str, statistics.Figure]:
    """The premium rate (溢价率) of the filtered land and property lots and its two alternatives."""
    return total(t for k, t in _by_type(session, filters).items() if k in historical.STARTING_PRICED).premium_figures()


# -- amounts traded ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Amount:
    """Lots, distinct projects and the amount traded (Σ award or deal price) of one trade type or of all."""

    trade_type: str | None
    lots: int
    projects: int
    amount: Decimal
    in_centre: int = 0

    @property
    def in_centre_share(self) -> Decimal | None:
        """进场交易率: lots traded in the centre / lots recorded (None without lots)."""
        return Decimal(self.in_centre) / self.lots if self.lots else None


@dataclass(frozen=True)
class Amounts:
    """The amounts traded: the total and one row per trade type (all four, or the one filtered on)."""

    total: Amount
    by_trade_type: list[Amount]


def _projects(session, filters: Filters, *, rollup: bool | None = None) -> dict[str, int]:
    """Distinct projects per trade type (a project key belongs to one trade type, so they add up).

    From the rollup when the filters allow: the cells' counts summed, less, for the projects with deals in several
    of the selected cells (``DealSpan``), the cells they were counted in more than once. Otherwise over the deals,
    read in the order of the index (trade type, project key): SQLite counts distinct keys of each group as they
    come; PostgreSQL, which sorts each group's keys for count(DISTINCT), takes the distinct pairs instead."""
    if rollup is None:
        rollup = _on_whole_months(filters)
    if rollup:
        counted = sa.select(_CELL.c.trade_type, sa.func.sum(_CELL.c.projects)).where(*_cell_where(filters))
        twice = sa.select(_SPAN.c.trade_type, sa.func.count() - sa.func.count(_SPAN.c.project_key.distinct())).where(
            *_cell_where(filters, _SPAN))
        result = {t: int(n or 0) for t, n in session.execute(counted.group_by(_CELL.c.trade_type))}
        for trade_type, extra in session.execute(twice.group_by(_SPAN.c.trade_type)):
            result[trade_type] -= int(extra or 0)
        return result
    if session.get_bind().dialect.name == "sqlite":
        statement = (sa.select(Deal.trade_type, sa.func.count(Deal.project_key.distinct()))
                     .where(*_where(filters)).group_by(Deal.trade_type))
    else:
        keys = sa.select(Deal.trade_type, Deal.project_key).where(*_where(filters)).distinct().subquery()
        statement = sa.select(keys.c.trade_type, sa.func.count()).group_by(keys.c.trade_type)
    return {trade_type: int(count) for trade_type, count in session.execute(statement)}


def _trade_types(filters: Filters) -> list[str]:
    """The trade types a breakdown by trade type shows: the one filtered on, or all four."""
    return [filters.trade_type] if filters.trade_type else list(TRADE_TYPES)


def _amounts(filters: Filters, by_type: dict[str, Totals], projects: dict[str, int]) -> Amounts:
    rows = [Amount(t, by_type.get(t, Totals()).lots, projects.get(t, 0), by_type.get(t, Totals()).amount,
                   by_type.get(t, Totals()).in_centre) for t in _trade_types(filters)]
    return Amounts(Amount(None, sum(r.lots for r in rows), sum(r.projects for r in rows),
                          sum((r.amount for r in rows), ZERO), sum(r.in_centre for r in rows)), rows)


def amounts(session, filters: Filters) -> Amounts:
    """Counts of lots and of projects and the amount traded, in total and by trade type."""
    return _amounts(filters, _by_type(session, filters), _projects(session, filters))


# -- breakdowns --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Breakdown:
    """One row of a breakdown: its key (trade type code, 'YYYY-MM' or region code), its sums and figures."""

    key: str
    totals: Totals

    @property
    def lots(self) -> int:
        return self.totals.lots

    @property
    def amount(self) -> Decimal:
        return self.totals.amount

    @cached_property
    def savings(self) -> dict[str, statistics.Figure]:
        """The savings figures of the row's construction and procurement lots."""
        return self.totals.savings_figures()

    @cached_property
    def premium(self) -> dict[str, statistics.Figure]:
        """The premium figures of the row's land and property lots."""
        return self.totals.premium_figures()


def _rows(name: str, filters: Filters, cells: dict[str, dict[str, Totals]]) -> list[Breakdown]:
    """Breakdown rows in order: trade types as in the rules, months (every month of a bounded period), codes."""
    if name == "trade_type":
        keys = _trade_types(filters)
    elif name == "month" and filters.start is not None and filters.end is not None:
        keys = statistics.months_between(filters.start, filters.end)
    else:
        keys = sorted(cells)
    return [Breakdown(key, total(cells.get(key, {}).values())) for key in keys]


def by_trade_type(session, filters: Filters) -> list[Breakdown]:
    """One row per trade type."""
    return _rows("trade_type", filters, _rollups(session, filters, ("trade_type",))["trade_type"])


def by_month(session, filters: Filters) -> list[Breakdown]:
    """One row per award month 'YYYY-MM' (every month of the period when it has a start and an end)."""
    return _rows("month", filters, _rollups(session, filters, ("month",))["month"])


def by_region(session, filters: Filters) -> list[Breakdown]:
    """One row per 6-digit region code that has deals."""
    return _rows("region", filters, _rollups(session, filters, ("region",))["region"])


# -- the report ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    """Everything the supervisor's report page shows for a set of filters: figures, amounts and breakdowns."""

    filters: Filters
    totals: Totals
    savings: dict[str, statistics.Figure]
    premium: dict[str, statistics.Figure]
    amounts: Amounts
    by_trade_type: list[Breakdown]
    by_month: list[Breakdown]
    by_region: list[Breakdown]
    definitions: dict[str, statistics.Definition] = field(default_factory=lambda: statistics.DEFINITIONS)


def report(session, filters: Filters | None = None, *, rollup: bool | None = None) -> Report:
    """The report in two queries: the grouped pass with its three roll-ups (over the rollup table when the filters
    allow, see ``_rollups``), and the distinct projects."""
    filters = filters or Filters()
    cells = _rollups(session, filters, ("trade_type", "month", "region"), rollup=rollup)
    by_type = {key: by[key] for key, by in cells["trade_type"].items()}
    rows = {name: _rows(name, filters, cells[name]) for name in cells}
    return Report(
        filters, total(by_type.values()),
        total(t for k, t in by_type.items() if k in historical.BUDGETED).savings_figures(),
        total(t for k, t in by_type.items() if k in historical.STARTING_PRICED).premium_figures(),
        _amounts(filters, by_type, _projects(session, filters, rollup=rollup)),
        rows["trade_type"], rows["month"], rows["region"])


# -- the lots behind a figure ------------------------------------------------------------------------------------

KINDS = ("savings", "premium", "all")
_BASE = sa.func.coalesce(Deal.budget, Deal.starting_price)
SORTS = {"price": Deal.price, "budget": _BASE, "starting_price": _BASE, "savings": _BASE - Deal.price,
         "premium": Deal.price - _BASE, "date": Deal.awarded_on, "region": Deal.region_code}
_NULLABLE_SORTS = frozenset({"budget", "starting_price", "savings", "premium"})


@dataclass(frozen=True)
class LotPage:
    """A page of the deals behind a figure and how many there are in all."""

    deals: list[Deal]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def lots(session, filters: Filters, *, kind: str = "savings", sort: str = "date", descending: bool = False,
         page: int = 1, per_page: int = 50) -> LotPage:
    """The deals behind a figure, paged and sorted: 'savings' the lots with a budget, 'premium' those with a
    starting price (the lots in the rates), 'all' every lot (the amounts). Sorts: price, budget (or
    starting_price: the base), savings, premium, date, region; ties by id."""
    if kind not in KINDS:
        raise DomainError(N_("Unknown kind of list %(kind)s: use savings, premium or all."), field="kind", kind=kind)
    if sort not in SORTS:
        raise DomainError(N_("Unknown sort %(sort)s."), field="sort", sort=sort)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise DomainError(N_("The page is a whole number from 1."), field="page")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise DomainError(N_("Show from 1 to %(limit)s lots a page."), field="per_page", limit=MAX_PER_PAGE)
    conditions = _where(filters)
    if kind == "savings":
        conditions += [Deal.trade_type.in_(BUDGETED), Deal.budget.is_not(None)]
    elif kind == "premium":
        conditions += [Deal.trade_type.in_(STARTING_PRICED), Deal.starting_price.is_not(None)]
    count = session.scalar(sa.select(sa.func.count()).select_from(Deal).where(*conditions))
    page = min(page, max(1, -(-count // per_page)))  # a page past the end is the last page
    column = SORTS[sort]
    order = [column.desc() if descending else column.asc(), Deal.id]
    if sort in _NULLABLE_SORTS:  # lots without a base last, in either direction and on either database
        order.insert(0, column.is_(None))
    deals = session.scalars(sa.select(Deal).where(*conditions).order_by(*order)
                            .limit(per_page).offset((page - 1) * per_page)).all()
    return LotPage(list(deals), int(count), page, per_page)


def export_deals(session, filters: Filters, *, limit: int = EXPORT_LIMIT) -> tuple[list[Deal], bool]:
    """The filtered deals for a workbook's lot sheet, by award date, at most ``limit``; and whether that is all."""
    deals = session.scalars(sa.select(Deal).where(*_where(filters)).order_by(Deal.awarded_on, Deal.id)
                            .limit(limit + 1)).all()
    return list(deals[:limit]), len(deals) <= limit


# -- calibration -----------------------------------------------------------------------------------------------

def _computed(by_type: dict[str, Totals]) -> dict[str, Decimal | None]:
    """The platform's value of every figure code of ``statistics.PUBLISHED`` from one scope's totals."""
    everything = total(by_type.values())
    if everything.lots == 0:
        return {}
    budgeted = total(t for k, t in by_type.items() if k in historical.BUDGETED)
    kind = {t: by_type.get(t, Totals()) for t in TRADE_TYPES}
    land_premium = kind["land"].premium_figures()["premium_rate"]
    savings_figures = budgeted.savings_figures()
    return {
        "lots": Decimal(everything.lots), "amount": everything.amount,
        "projects_total": Decimal(everything.lots), "amount_total": everything.amount,
        "construction_lots": Decimal(kind["construction"].lots), "construction_amount": kind["construction"].amount,
        "procurement_lots": Decimal(kind["procurement"].lots), "procurement_amount": kind["procurement"].amount,
        "land_lots": Decimal(kind["land"].lots), "land_deal": kind["land"].amount, "land_start": kind["land"].start,
        "land_premium": kind["land"].premium, "premium_rate": land_premium.value,
        "savings": budgeted.savings, "savings_rate": savings_figures["savings_rate"].value,
        "savings_rate_mean": savings_figures["savings_rate_mean"].value,
    }


def calibration(session) -> list[dict[str, object]]:
    """Each published figure (statistics.PUBLISHED) against the platform's, computed from the deals of its scope
    under the platform's definitions: ``statistics.calibrate`` rows (source, scope, figure, published, platform,
    definition, difference, status, reason ...)."""
    computed: dict[tuple[str, str], Decimal | None] = {}
    for code, scope in statistics.SCOPES.items():
        for figure, value in _computed(_by_type(session, Filters.of_scope(scope))).items():
            computed[(code, figure)] = value
    return statistics.calibrate(statistics.PUBLISHED, computed)
