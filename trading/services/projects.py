"""Registering projects and lots, filing documents, and filing the trading conditions (stage 1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

import sqlalchemy as sa

from ..domain import calendar, committee, filing, property_terms, regions, rules, schedule, scoring, specialties
from ..domain.errors import N_, DomainError, Forbidden
from ..domain.money import parse_yuan
from ..models import Attachment, Filing, Lot, LotSpecialty, Organisation, Project
from . import audit, rulebook
from .lots import require_tenderee, transition

EVALUATION_METHODS = scoring.EVALUATION_METHODS  # kept for the pages that list them

# What the standard template of each trade type prints, so the lot must carry it (标准化文件范本).
REQUIRED_TERMS = {
    "construction": ("location", "scope", "duration", "qualification"),
    "procurement": ("location", "scope", "duration", "qualification"),
    "land": ("location", "increment"),
    "property": ("location", "scope", "qualification", "increment"),
}
TERM_MESSAGES = {
    "location": N_("Enter the location (site, place of delivery, parcel or seat of the company sold)."),
    "scope": N_("Enter the scope (招标范围, 采购需求 or 转让标的)."),
    "duration": N_("Enter the duration (工期 or 合同履行期限)."),
    "qualification": N_("Enter the qualification requirements for bidders."),
    "increment": N_("Enter the increment (增价幅度)."),
}


@dataclass
class ProjectInput:
    """What the project form asks for."""

    name: str
    trade_type: str
    region_code: str
    approval_number: str
    approving_body: str
    approval_date: date | None
    funding_source: str
    state_funded: bool = False
    tenderee_id: int | None = None  # an agency registers for this tenderee
    contact_name: str = ""
    contact_phone: str = ""


@dataclass
class LotInput:
    """What the lot form asks for; amounts are text as typed, parsed here."""

    name: str
    budget: str = ""
    starting_price: str = ""
    deposit: str = "0"
    increment: str = ""
    category: str | None = None
    evaluation_method: str | None = None
    criteria: list[dict] = field(default_factory=list)  # [{"name", "weight", "max"}]
    specialties: dict[str, int] = field(default_factory=dict)  # {code: count}
    land_details: dict = field(default_factory=dict)
    location: str = ""
    scope: str = ""
    duration: str = ""
    qualification: str = ""
    complex: bool = False  # procurement: technically complex (with 10 million yuan or more: a committee of 7)
    complex_reason: str = ""
    # state property (32号令): the approved valuation, payment, result publicity, approval of a low relisting price
    valuation: str = ""
    payment: str = "lump_sum"
    upfront_percent: str = ""
    balance_months: str = ""
    result_publicity_days: str = ""
    price_approval: str = ""  # the approval's document number
    price_approval_body: str = ""  # who gave it
    asset: str = "equity"  # equity | collective_lease (a village collective asset lease: the rent is the price)
    lease_years: str = ""
    resolution: str = ""  # the villagers' assembly's decision to lease
    bidding_form: str = "multi_round"  # two or more qualified buyers: multi_round (网络竞价) | sealed (一次报价)
    control_change: bool = False  # the transfer changes control of the enterprise: pre-disclosed first
    revaluation_number: str = ""  # a new valuation after 12 months without a buyer: its report's number,
    revaluation_body: str = ""  # who approved or filed it,
    revaluation_on: date | None = None  # and its date

    def property_input(self) -> property_terms.PropertyInput:
        """The property lot's terms as the domain check takes them."""
        return property_terms.PropertyInput(self.valuation, self.payment, self.upfront_percent, self.balance_months,
                                            self.result_publicity_days, self.price_approval,
                                            self.price_approval_body, self.asset or "equity", self.lease_years,
                                            self.resolution, self.bidding_form or "multi_round",
                                            bool(self.control_change), self.revaluation_number,
                                            self.revaluation_body, self.revaluation_on)


def _text(value: str | None, field_name: str, message: str, limit: int = 200) -> str:
    """A required short text, trimmed."""
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field_name)
    if len(value) > limit:
        raise DomainError(N_("At most %(max)s characters."), field=field_name, max=limit)
    return value


def register_project(session, actor, now: datetime, data: ProjectInput) -> Project:
    """Register a project for the actor's organisation (or, for an agency, for the tenderee it names)."""
    if not actor.has_role("tenderee"):
        raise Forbidden(N_("Only a tenderee or an agency registers projects."), field="project")
    name = _text(data.name, "name", N_("Enter the project's name."))
    if data.trade_type not in rules.TRADE_TYPES:
        raise DomainError(N_("Choose the trade type."), field="trade_type")
    region = regions.check_region(data.region_code)
    approval_number = _text(data.approval_number, "approval_number", N_("Enter the approval document number."), 100)
    approving_body = _text(data.approving_body, "approving_body", N_("Enter the approving body."))
    if data.approval_date is None:
        raise DomainError(N_("Enter the approval date."), field="approval_date")
    if data.approval_date > calendar.local_date(now):
        raise DomainError(N_("The approval date cannot be in the future."), field="approval_date")
    funding = _text(data.funding_source, "funding_source", N_("Enter the funding source."))
    own = actor.organisation
    if own.org_type == "agency":
        tenderee = session.get(Organisation, data.tenderee_id) if data.tenderee_id else None
        if tenderee is None or tenderee.org_type != "tenderee" or not tenderee.active:
            raise DomainError(N_("Choose the tenderee this agency acts for."), field="tenderee_id")
        agency_id = own.id
    else:
        tenderee, agency_id = own, None
    project = Project(name=name, trade_type=data.trade_type, region_code=region.code,
                      approval_number=approval_number, approving_body=approving_body,
                      approval_date=data.approval_date, funding_source=funding, state_funded=bool(data.state_funded),
                      tenderee_id=tenderee.id, agency_id=agency_id, contact_name=(data.contact_name or "").strip()[:50],
                      contact_phone=(data.contact_phone or "").strip()[:30], created_by_id=actor.id, created_at=now)
    session.add(project)
    session.flush()
    audit.record(session, actor, now, "project.register", object_type="project", object_id=project.id,
                 payload={"name": name, "trade_type": data.trade_type, "region_code": region.code,
                          "approval_number": approval_number, "state_funded": project.state_funded})
    return project


def _check_land(data: LotInput) -> dict:
    """A land parcel needs its location, area, use, term and plot ratio range (they go into the 出让公告)."""
    details = {k: str(v).strip() for k, v in (data.land_details or {}).items() if v is not None and str(v).strip()}
    if not (data.location or "").strip():
        raise DomainError(N_("Enter the parcel's location."), field="location")
    try:
        area = Decimal(details.get("area", ""))
    except (ArithmeticError, ValueError, TypeError):
        area = Decimal(0)
    if not area.is_finite() or area <= 0:
        raise DomainError(N_("Enter the parcel's area in square metres."), field="area")
    if not details.get("use"):
        raise DomainError(N_("Enter the land use (e.g. 住宅用地)."), field="land_use")
    term = details.get("term_years", "")
    if not term.isdigit() or not 1 <= int(term) <= 70:
        raise DomainError(N_("The term is a whole number of years from 1 to 70."), field="term_years")
    try:
        low, high = Decimal(details.get("plot_ratio_min", "")), Decimal(details.get("plot_ratio_max", ""))
    except (ArithmeticError, ValueError, TypeError):
        raise DomainError(N_("Enter the plot ratio range (容积率), e.g. 1.0 to 2.5."), field="plot_ratio_min") from None
    if not (low.is_finite() and high.is_finite()) or low <= 0 or high < low:
        raise DomainError(N_("Enter the plot ratio range (容积率), e.g. 1.0 to 2.5."), field="plot_ratio_min")
    return details


def _apply_lot_input(in_force, lot: Lot, project: Project, data: LotInput, now: datetime | None = None) -> None:
    """Validate the lot form under the rule set ``in_force`` and copy it onto the lot (nothing is flushed on a
    refusal)."""
    trade_type = project.trade_type
    name = _text(data.name, "name", N_("Enter the lot's name."))
    budget = starting = increment = None
    if trade_type in ("construction", "procurement"):
        budget = parse_yuan(data.budget, "budget")
        if budget <= 0:
            raise DomainError(N_("The budget or control price must be above zero."), field="budget")
    else:
        starting = parse_yuan(data.starting_price, "starting_price")
        if starting <= 0:
            raise DomainError(N_("The starting price must be above zero."), field="starting_price")
        if (data.increment or "").strip():
            increment = parse_yuan(data.increment, "increment")
            if increment <= 0:
                raise DomainError(N_("The increment must be above zero."), field="increment")
    deposit = parse_yuan(data.deposit or "0", "deposit")
    schedule.check_deposit(deposit, budget if budget is not None else starting, trade_type, rules=in_force)
    category = None
    if trade_type == "procurement":
        if data.category not in rules.PROCUREMENT_CATEGORIES:
            raise DomainError(N_("Choose goods, services or works."), field="category")
        category = data.category
    method = data.evaluation_method if trade_type in ("construction", "procurement") else None
    if trade_type in ("construction", "procurement") and not method:
        raise DomainError(N_("Choose the evaluation method."), field="evaluation_method")
    criteria = scoring.clean_criteria(in_force, trade_type, category, method, data.criteria)
    complex_reason = committee.check_complex(trade_type, bool(data.complex), data.complex_reason)
    catalogue = specialties.load()
    wanted = {}
    for code, count in (data.specialties or {}).items():
        catalogue.check(code)
        if not isinstance(count, int) or count < 1 or count > 50:
            raise DomainError(N_("Ask for 1 to 50 experts of specialty %(code)s."), field="specialties", code=code)
        wanted[code] = count
    if trade_type in ("construction", "procurement") and not wanted:
        raise DomainError(N_("Name at least one expert specialty with the number of experts."), field="specialties")
    for term in REQUIRED_TERMS[trade_type]:
        if not str(getattr(data, term) or "").strip():
            raise DomainError(TERM_MESSAGES[term], field=term)
    land = _check_land(data) if trade_type == "land" else {}
    valuation, terms = None, {}
    if trade_type == "property":
        valuation, terms = property_terms.check(in_force, data.property_input(), starting_price=starting,
                                                lot_round=lot.round or 1, first_disclosure=lot.first_disclosure_at,
                                                disclosure_start=now)
    lot.name, lot.budget, lot.starting_price, lot.increment = name, budget, starting, increment
    lot.valuation, lot.property_terms = valuation, terms
    lot.deposit, lot.category, lot.evaluation_method, lot.criteria = deposit, category, method, criteria
    lot.land_details = land
    lot.complex, lot.complex_reason = bool(complex_reason), complex_reason
    lot.location = (data.location or "").strip()[:200]
    lot.scope = (data.scope or "").strip()[:5000]
    lot.duration = (data.duration or "").strip()[:100]
    lot.qualification = (data.qualification or "").strip()[:5000]
    lot.specialties = [LotSpecialty(code=code, count=count) for code, count in sorted(wanted.items())]


def add_lot(ctx, session, actor, now: datetime, project: Project, data: LotInput) -> Lot:
    """Add a lot (标段/包/宗地/标的) in draft to a project."""
    require_tenderee(actor, project)
    number = (session.scalar(sa.select(sa.func.max(Lot.number)).where(Lot.project_id == project.id)) or 0) + 1
    lot = Lot(project_id=project.id, number=number, round=1, state="draft", created_at=now, updated_at=now,
              deposit=Decimal("0"), criteria=[], land_details={}, property_terms={})
    _apply_lot_input(rulebook.in_force(ctx, session), lot, project, data)  # validated before the lot joins
    session.add(lot)
    session.flush()
    audit.record(session, actor, now, "lot.create", object_type="lot", object_id=lot.id,
                 payload=_lot_payload(lot))
    return lot


def update_lot(ctx, session, actor, now: datetime, lot: Lot, data: LotInput) -> Lot:
    """Change a lot while it is still a draft."""
    require_tenderee(actor, lot.project)
    if lot.state != "draft":
        raise DomainError(N_("Only a draft lot can be changed; this one is %(state)s."), field="lot",
                          rule="platform.five_stages", state=lot.state)
    with session.no_autoflush:
        _apply_lot_input(rulebook.in_force(ctx, session), lot, lot.project, data, now)
    lot.updated_at = now
    session.flush()
    audit.record(session, actor, now, "lot.update", object_type="lot", object_id=lot.id, payload=_lot_payload(lot))
    return lot


def _lot_payload(lot: Lot) -> dict:
    """What the audit log keeps of a lot's terms."""
    return {"number": lot.number, "name": lot.name, "budget": lot.budget, "starting_price": lot.starting_price,
            "deposit": lot.deposit, "evaluation_method": lot.evaluation_method, "criteria": lot.criteria,
            "specialties": {s.code: s.count for s in lot.specialties}, "complex": lot.complex,
            "complex_reason": lot.complex_reason,
            **({"valuation": lot.valuation, "property_terms": lot.property_terms} if lot.valuation else {})}


def attach(ctx, session, actor, now: datetime, lot: Lot, kind: str, filename: str, content_type: str,
           stream: BinaryIO, max_size: int) -> Attachment:
    """Store a filed document (streamed into the platform's blob store) while the lot is a draft."""
    require_tenderee(actor, lot.project)
    if lot.state != "draft":
        raise DomainError(N_("Documents can be filed only while the lot is a draft."), field="file",
                          rule="platform.five_stages")
    filing.check_kind(lot.project.trade_type, kind)
    filename = (filename or "").strip().replace("/", "_").replace("\\", "_")[:200]
    if not filename:
        raise DomainError(N_("Choose a file to upload."), field="file")
    from ..storage import BlobTooLarge

    store = ctx.store
    try:
        blob = store.put(stream, max_size=max_size)
    except BlobTooLarge:
        raise DomainError(N_("The file is larger than %(mib)s MiB."), field="file", mib=max_size // 2**20) from None
    if blob.size == 0:
        store.discard(blob.key)
        raise DomainError(N_("The file is empty."), field="file")
    row = Attachment(lot_id=lot.id, round=lot.round, kind=kind, filename=filename,
                     content_type=(content_type or "application/octet-stream")[:100], size=blob.size,
                     sha256=blob.sha256, blob_key=blob.key, uploaded_by_id=actor.id, uploaded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "lot.attach", object_type="lot", object_id=lot.id,
                 payload={"kind": kind, "filename": filename, "size": blob.size, "sha256": blob.sha256})
    return row


def attachments(session, lot: Lot) -> list[Attachment]:
    """The documents filed for the lot's current round."""
    return list(session.scalars(sa.select(Attachment).where(Attachment.lot_id == lot.id, Attachment.round == lot.round)
                                .order_by(Attachment.id)))


def file_lot(session, actor, now: datetime, lot: Lot) -> Filing:
    """File the trading conditions (交易条件备案) for the staff to check."""
    require_tenderee(actor, lot.project)
    filing.check_complete(lot.project.trade_type, {a.kind for a in attachments(session, lot)})
    transition(session, lot, "file", actor, "tenderee", now)
    row = Filing(lot_id=lot.id, round=lot.round, filed_by_id=actor.id, filed_at=now, status="filed")
    session.add(row)
    session.flush()
    return row
