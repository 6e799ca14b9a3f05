"""The deal table (成交记录): one row per lot result, the facts every statistic is computed from (DESIGN §8)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..domain import statistics
from ..extensions import db
from .types import Money, UTCDateTime


def _month_of(context) -> str:
    """The 'YYYY-MM' of the row's award date, for the insert or update being executed."""
    return context.get_current_parameters()["awarded_on"].strftime("%Y-%m")


class Deal(db.Model):
    """成交记录: the result of one lot, from the platform's award or imported from past years.

    Platform lots flow in at the award (``lot_id`` set, one row per lot, source 'platform'); historical deals and
    calibration scenarios are ``imported`` (source 'import:<file name>' or 'scenario:<name>', no lot). ``budget``
    (budget or control price) belongs to construction and procurement lots, ``starting_price`` to land and property
    lots, never both; ``price`` is the award or deal price. ``project_key`` identifies the lot's project within its
    trade type ('platform:<project id>', or region, trade type and name of an imported project), so distinct keys
    count projects. ``awarded_month`` ('YYYY-MM') follows ``awarded_on`` (the column default for inserts, Core ones
    included; the validator when the attribute changes), so that the month breakdown groups on an indexed column.
    """

    __tablename__ = "deal"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lot.id"), unique=True)
    imported: Mapped[bool] = mapped_column(default=False, index=True)
    source: Mapped[str] = mapped_column(sa.String(120), index=True)
    project_name: Mapped[str] = mapped_column(sa.String(200))
    lot_name: Mapped[str] = mapped_column(sa.String(200))
    project_key: Mapped[str] = mapped_column(sa.String(240))
    trade_type: Mapped[str] = mapped_column(sa.String(16))
    method: Mapped[str | None] = mapped_column(sa.String(24))
    region_code: Mapped[str] = mapped_column(sa.String(6))
    funding_source: Mapped[str] = mapped_column(sa.String(200), default="")
    state_funded: Mapped[bool | None] = mapped_column()
    budget: Mapped[Decimal | None] = mapped_column(Money())
    starting_price: Mapped[Decimal | None] = mapped_column(Money())
    price: Mapped[Decimal] = mapped_column(Money())
    announced_on: Mapped[date | None] = mapped_column(sa.Date)
    awarded_on: Mapped[date] = mapped_column(sa.Date)
    awarded_month: Mapped[str] = mapped_column(sa.String(7), default=_month_of)
    contracted_on: Mapped[date | None] = mapped_column(sa.Date)
    in_centre: Mapped[bool] = mapped_column(default=True)  # traded in the centre (进场交易)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.CheckConstraint("budget IS NULL OR starting_price IS NULL", name="one_base"),
        sa.CheckConstraint("budget > 0", name="budget_positive"),
        sa.CheckConstraint("starting_price > 0", name="starting_price_positive"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        # the filters: a period, optionally one trade type; a region (a prefix range of codes) and a period
        sa.Index("ix_deal_awarded_on_trade_type", "awarded_on", "trade_type"),
        sa.Index("ix_deal_region_code_awarded_on", "region_code", "awarded_on"),
        # the report's one grouped pass reads this index alone, in its group order (trade type, region, month)
        sa.Index("ix_deal_report", "trade_type", "region_code", "awarded_month", "awarded_on", "imported", "budget",
                 "starting_price", "price"),
        # distinct projects per trade type, read from the index in order
        sa.Index("ix_deal_projects", "trade_type", "project_key"),
    )

    @validates("awarded_on")
    def _keep_month(self, key: str, value: date) -> date:
        """Set the award month with the award date."""
        self.awarded_month = value.strftime("%Y-%m")
        return value

    @property
    def base(self) -> Decimal | None:
        """The budget (construction, procurement) or the starting price (land, property), whichever is set."""
        return self.budget if self.budget is not None else self.starting_price

    @property
    def savings(self) -> Decimal | None:
        """Budget − award price (节资额); None without a budget."""
        return statistics.lot_savings(self.budget, self.price)

    @property
    def premium(self) -> Decimal | None:
        """Deal price − starting price (溢价); None without a starting price."""
        return statistics.lot_premium(self.starting_price, self.price)

    @property
    def rate(self) -> Decimal | None:
        """The lot's savings rate or premium rate, as a fraction; None without a budget or starting price."""
        if self.budget is not None:
            return statistics.lot_savings_rate(self.budget, self.price)
        return statistics.lot_premium_rate(self.starting_price, self.price)


class DealCell(db.Model):
    """The deal table summed per trade type × region × award month × method × origin: the rollup the report reads
    when its filters fall on whole months and name no funding source. Written only by
    ``services.deals.refresh_cells`` whenever deals are written, so it always equals the sums of the deals."""

    __tablename__ = "deal_cell"

    trade_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    awarded_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    method: Mapped[str] = mapped_column(sa.String(24), primary_key=True)  # '' for deals without a method
    imported: Mapped[bool] = mapped_column(primary_key=True)
    lots: Mapped[int] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Money())
    based: Mapped[int] = mapped_column()  # deals with a budget or starting price
    base: Mapped[Decimal | None] = mapped_column(Money())  # Σ budget or starting price
    margin: Mapped[Decimal | None] = mapped_column(Money())  # Σ (base − price)
    rates: Mapped[Decimal | None] = mapped_column(sa.Numeric())  # Σ (base − price) / base
    projects: Mapped[int] = mapped_column(default=0)  # distinct projects with a deal in the cell
    in_centre: Mapped[int] = mapped_column(default=0)  # deals traded in the centre

    __table_args__ = (sa.Index("ix_deal_cell_month", "awarded_month", "trade_type"),
                      sa.Index("ix_deal_cell_region", "region_code", "trade_type"))


class DealSpan(db.Model):
    """The cells of the projects whose deals fall in more than one cell of the rollup (few): distinct projects over
    a set of cells are the sum of the cells' counts less, for these projects, the cells counted more than once."""

    __tablename__ = "deal_span"

    project_key: Mapped[str] = mapped_column(sa.String(240), primary_key=True)
    trade_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    region_code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    awarded_month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    method: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    imported: Mapped[bool] = mapped_column(primary_key=True)
