"""The API v1's request and response shapes (marshmallow): they parse the query, dump the answers and, through
apispec, make the OpenAPI document. Money is a decimal string in yuan ("1234.50"), times are ISO 8601 in UTC."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ...domain import lifecycle, property_terms, rules
from ...services.open_data import MAX_LIMIT

ISO = "iso"
# how the routes read their query: into keyword arguments, refusing unknown parameters by name
QUERY = {"location": "query", "as_kwargs": True, "unknown": ma.RAISE}


def money(**kwargs) -> fields.Decimal:
    """Yuan, as a decimal string."""
    extra = kwargs.pop("metadata", {})
    return fields.Decimal(as_string=True, places=2, allow_none=True, **kwargs,
                          metadata={"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$",
                                    "description": "yuan, as a decimal string", **extra})


def moment(**kwargs) -> fields.AwareDateTime:
    """A time in UTC, ISO 8601."""
    return fields.AwareDateTime(format=ISO, allow_none=True, **kwargs)


class Strict(ma.Schema):
    """Unknown query parameters are refused, naming them."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class Out(ma.Schema):
    """Response shapes."""

    class Meta:
        ordered = True


# -- query parameters ----------------------------------------------------------------------------------------------

class PageArgs(Strict):
    cursor = fields.String(validate=validate.Length(max=200),
                           metadata={"description": "The `next_cursor` of the previous page; none for the first"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": f"Rows per page, 1 to {MAX_LIMIT}"})


TRADE_TYPE = fields.String(validate=validate.OneOf(list(rules.TRADE_TYPES)),
                           metadata={"description": "construction, procurement, land or property"})
REGION = fields.String(validate=validate.Regexp(r"^\d{6}$"),
                       metadata={"description": "6-digit administrative division code; includes its subordinates"})


class ListArgs(PageArgs):
    trade_type = TRADE_TYPE
    region = REGION


class LotArgs(ListArgs):
    state = fields.String(validate=validate.OneOf(list(lifecycle.STATES)), metadata={"description": "Lot state"})


class ContractArgs(PageArgs):
    region = REGION


class ChangeArgs(Strict):
    since = fields.String(validate=validate.Length(max=200),
                          metadata={"description": "The `next_cursor` of the previous call; none to start"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": f"Changes per call, 1 to {MAX_LIMIT}"})


class StatisticsArgs(Strict):
    period = fields.String(load_default="year", validate=validate.OneOf(["dates", "month", "quarter", "year"]),
                           metadata={"description": "Kind of period"})
    value = fields.String(required=True, validate=validate.Length(min=4, max=23),
                          metadata={"description": "2025, 2025-Q1, 2025-03, or 2025-01-01..2025-06-30",
                                    "example": "2026"})
    region = REGION
    trade_type = TRADE_TYPE


# -- pieces --------------------------------------------------------------------------------------------------------

class Organisation(Out):
    name = fields.String()
    credit_code = fields.String(metadata={"description": "统一社会信用代码"})


class AnnouncementSummary(Out):
    id = fields.Integer()
    lot_id = fields.Integer()
    round = fields.Integer()
    title = fields.String()
    published_at = moment()
    deal_code = fields.String(allow_none=True)
    trade_type = fields.String()
    region_code = fields.String()


class Announcement(AnnouncementSummary):
    text = fields.String()


class Candidate(Out):
    rank = fields.Integer()
    name = fields.String()
    credit_code = fields.String(allow_none=True, metadata={"description": "统一社会信用代码"})
    price = money()
    total = fields.String(allow_none=True, metadata={"description": "total score, where scored"})


class Publicity(Out):
    published_at = moment()
    ends_at = moment()
    rule = fields.String()
    candidates = fields.List(fields.Nested(Candidate))


class Award(Out):
    id = fields.Integer()
    bidder = fields.Nested(Organisation)
    rank = fields.Integer()
    price = money()
    issued_at = moment()


class ContractFacts(Out):
    id = fields.Integer()
    number = fields.String()
    signed_on = fields.Date()
    amount = money()
    published_at = moment()
    supplier = fields.Nested(Organisation)


class BidStatistics(Out):
    received = fields.Integer(metadata={"description": "bids standing at the deadline, in the opening record"})
    opened = fields.Integer()
    not_opened = fields.Integer(metadata={"description": "revoked, deemed withdrawn or held"})
    lowest_price = money()
    highest_price = money()
    opened_at = moment()


class Project(Out):
    name = fields.String()
    trade_type = fields.String()
    region_code = fields.String()
    region_name = fields.String()
    approval_number = fields.String()
    approving_body = fields.String()
    funding_source = fields.String()
    tenderee = fields.Nested(Organisation)
    agency = fields.Nested(Organisation, allow_none=True)


class PropertyTerms(Out):
    bidding_form = fields.String(metadata={
        "enum": list(property_terms.BIDDING_FORMS),
        "description": "what two or more qualified buyers go to after the disclosure: multi_round (网络竞价, "
                       "多次报价: the online bidding) or sealed (一次报价: one price each, sealed to the lot's opening "
                       "key and opened together at the round's deadline)"})
    valuation = money(metadata={"description": "the approved valuation (评估值) the listing price may not go "
                                               "below, yuan as a decimal string"})
    payment = fields.String(allow_none=True, metadata={"enum": list(property_terms.PAYMENTS),
                                                       "description": "lump_sum or instalments"})
    upfront_percent = fields.String(allow_none=True, metadata={"description": "paid in instalments: the part up "
                                                                              "front, in per cent"})
    balance_months = fields.Integer(allow_none=True, metadata={"description": "paid in instalments: the rest within "
                                                                              "so many months"})
    result_publicity_days = fields.Integer(allow_none=True, metadata={"description": "working days"})
    asset = fields.String(metadata={"enum": list(property_terms.ASSETS),
                                    "description": "equity (企业国有产权) or collective_lease (农村集体资产租赁)"})
    lease_years = fields.Integer(allow_none=True)


class Lot(Out):
    id = fields.Integer()
    deal_code = fields.String(allow_none=True)
    name = fields.String()
    number = fields.Integer()
    round = fields.Integer()
    state = fields.String()
    stage = fields.Integer(allow_none=True, metadata={"description": "五环节: 1 to 5"})
    project = fields.Nested(Project)
    method = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    evaluation_method = fields.String(allow_none=True)
    budget = money()
    starting_price = money()
    deposit = money()
    increment = money()
    location = fields.String(allow_none=True)
    scope = fields.String(allow_none=True)
    duration = fields.String(allow_none=True)
    qualification = fields.String(allow_none=True)
    issued_at = moment()
    documents_until = moment()
    bid_deadline = moment()
    opening_at = moment()
    listing_start = moment()
    listing_end = moment()
    auction_start = moment()
    updated_at = moment()
    property_terms = fields.Nested(PropertyTerms, allow_none=True,
                                   metadata={"description": "a state property lot's announced terms; null for "
                                                            "other lots"})
    announcement = fields.Nested(AnnouncementSummary, allow_none=True)
    bid_statistics = fields.Nested(BidStatistics, allow_none=True,
                                   metadata={"description": "from the opening on (招标投标法 第三十六条)"})
    publicity = fields.Nested(Publicity, allow_none=True)
    award = fields.Nested(Award, allow_none=True)
    contract = fields.Nested(ContractFacts, allow_none=True)


class Result(Out):
    id = fields.Integer()
    lot_id = fields.Integer()
    deal_code = fields.String(allow_none=True)
    name = fields.String()
    trade_type = fields.String()
    state = fields.String()
    publicity = fields.Nested(Publicity, allow_none=True)
    award = fields.Nested(Award, allow_none=True)
    contract = fields.Nested(ContractFacts, allow_none=True)


class Contract(Out):
    id = fields.Integer()
    lot_id = fields.Integer()
    deal_code = fields.String(allow_none=True)
    name = fields.String()
    number = fields.String()
    signed_on = fields.Date()
    amount = money()
    published_at = moment()
    supplier = fields.Nested(Organisation)
    buyer = fields.Nested(Organisation)


class BlacklistEntry(Out):
    id = fields.Integer()
    subject_type = fields.String(metadata={"description": "organisation or expert"})
    name = fields.String()
    reason = fields.String()
    decision = fields.String()
    starts_at = moment()
    ends_at = moment()


class PublishedKey(Out):
    name = fields.String()
    filename = fields.String()
    purpose = fields.String()
    purpose_zh = fields.String()
    fingerprint = fields.String()
    same_as = fields.String(allow_none=True)
    text = fields.String(metadata={"description": "the key file: raw Ed25519 public key in hex, or the PEM"})
    url = fields.String()


class Totals(Out):
    lots = fields.Integer()
    amount = money()
    budgeted = fields.Integer()
    budget = money()
    savings = money()
    savings_rate = fields.String(allow_none=True, metadata={"description": "savings / budget, a fraction"})
    priced = fields.Integer()
    starting_prices = money()
    premium = money()
    premium_rate = fields.String(allow_none=True, metadata={"description": "premium / starting prices, a fraction"})


class BreakdownRow(Out):
    key = fields.String()
    totals = fields.Nested(Totals)


class Statistics(Out):
    period = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))
    region = fields.String(allow_none=True)
    trade_type = fields.String(allow_none=True)
    totals = fields.Nested(Totals)
    by_trade_type = fields.List(fields.Nested(BreakdownRow))
    by_month = fields.List(fields.Nested(BreakdownRow))
    by_region = fields.List(fields.Nested(BreakdownRow))
    definitions = fields.Dict(keys=fields.String(), values=fields.String())


# -- a bidder's own records ----------------------------------------------------------------------------------------

class Registration(Out):
    id = fields.Integer()
    lot_id = fields.Integer()
    round = fields.Integer()
    deal_code = fields.String(allow_none=True)
    lot_name = fields.String()
    registered_at = moment()
    pledge_sha256 = fields.String(allow_none=True, metadata={
        "description": "SHA-256 of the integrity pledge (诚信承诺书) accepted at the sign-up, as shown"})
    pledge_language = fields.String(allow_none=True, metadata={"description": "zh (the centre's text) or en"})
    pledged_at = moment()


class Deposit(Out):
    id = fields.Integer()
    lot_id = fields.Integer()
    round = fields.Integer()
    sub_account = fields.String(metadata={"description": "the virtual sub-account to pay into"})
    required = money()
    received = money()
    status = fields.String(metadata={"description": "awaiting, short, paid, refunded or applied"})
    paid_at = moment()
    refund_due = moment()
    refunded_at = moment()
    interest = money()


class Bid(Out):
    id = fields.Integer()
    lot_id = fields.Integer()
    round = fields.Integer()
    status = fields.String(metadata={"description": "submitted or withdrawn"})
    size = fields.Integer()
    manifest_hash = fields.String()
    received_at = moment()
    withdrawn_at = moment()
    receipt_id = fields.String()


class Receipt(Out):
    receipt = fields.Dict(metadata={"description": "the signed receipt, as issued (verify with the receipts key)"})


# -- a tenderee's own lots -----------------------------------------------------------------------------------------

class PartyLotArgs(PageArgs):
    state = fields.String(validate=validate.OneOf(list(lifecycle.STATES)), metadata={"description": "Lot state"})


class Participation(Out):
    registrations = fields.Integer(metadata={"description": "bidders signed up for the current round"})
    deposits_paid = fields.Integer(metadata={"description": "deposits of the current round received in full"})
    bids = fields.Integer(metadata={"description": "bids standing for the current round"})


class CorrectionSummary(Out):
    id = fields.Integer()
    status = fields.String(metadata={"description": "open, answered, closed or escalated"})
    issued_at = moment()
    due_at = moment(metadata={"description": "the order is late from this moment (midnight after its last day)"})
    answered_at = moment()
    text = fields.String()


class PartyLot(Lot):
    previous_state = fields.String(allow_none=True, metadata={"description": "the state before a suspension"})
    published = fields.Boolean(metadata={"description": "announced: the public sees the lot"})
    phase = fields.String(metadata={"description": "disclosure phase: before_deadline, opened, evaluating or "
                                                   "decided (domain/visibility.py)"})
    clarification_cutoff = moment()
    objection_cutoff = moment()
    publicity_end = moment()
    participation = fields.Nested(Participation, allow_none=True, metadata={
        "description": "null until the bid deadline has passed (招标投标法 第二十二条)"})
    corrections = fields.List(fields.Nested(CorrectionSummary),
                              metadata={"description": "correction orders addressed to your organisation"})


# -- the supervisor's warnings and correction orders ---------------------------------------------------------------

class WarningArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["open", "dismissed", "ordered", "closed", "escalated"]),
                           metadata={"description": "open, dismissed, ordered, closed or escalated"})
    lot_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "one lot's"})


class CorrectionArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["open", "answered", "closed", "escalated"]),
                           metadata={"description": "open, answered, closed or escalated"})
    lot_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "one lot's"})


class Warning(Out):
    id = fields.Integer()
    key = fields.String(metadata={"description": "the act's kind and ids, the same from one reckoning to the next"})
    lot_id = fields.Integer(allow_none=True, metadata={"description": "null for a public report's warning (on no "
                                                                      "lot; its number in params)"})
    deal_code = fields.String(allow_none=True)
    lot_name = fields.String(allow_none=True)
    project_name = fields.String(allow_none=True)
    kind = fields.String(metadata={"description": "objection, documents_objection, evaluation, report, publication, "
                                                 "contract, refund, contract_publication, complaint, correction, "
                                                 "question, land_payment, payment, public_report, tampering"})
    rule = fields.String(metadata={"description": "the rule id (flask rules show)"})
    message = fields.String(metadata={"description": "the warning in the request's language"})
    params = fields.Dict()
    inputs = fields.Dict(metadata={"description": "what it was reckoned from: start, due, done_at and record ids"})
    threshold = fields.Dict(metadata={"description": "the rule's number and unit in force for the lot"})
    basis = fields.String(metadata={"description": "the rule's legal source"})
    since = moment(metadata={"description": "when the act fell due"})
    raised_at = moment()
    status = fields.String(metadata={"description": "open, dismissed, ordered, closed or escalated"})
    decided_at = moment()
    reason = fields.String(allow_none=True, metadata={"description": "why it was dismissed"})
    correction_ids = fields.List(fields.Integer())


class Evidence(Out):
    name = fields.String()
    size = fields.Integer(allow_none=True)
    sha256 = fields.String()


class CorrectionOrder(Out):
    id = fields.Integer()
    warning_id = fields.Integer()
    lot_id = fields.Integer()
    deal_code = fields.String(allow_none=True)
    lot_name = fields.String()
    project_name = fields.String()
    addressee = fields.String(metadata={"description": "tenderee, agency or centre"})
    organisation = fields.Nested(Organisation)
    text = fields.String()
    issued_at = moment()
    due_at = moment(metadata={"description": "the order is late from this moment (midnight after its last day)"})
    status = fields.String(metadata={"description": "open, answered, closed or escalated"})
    answer = fields.String(allow_none=True)
    answered_at = moment()
    evidence = fields.Nested(Evidence, allow_none=True)
    closed_at = moment()
    note = fields.String(allow_none=True, metadata={"description": "the supervisor's note on closing or escalating"})


# -- pages ---------------------------------------------------------------------------------------------------------

def page_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of ``item``s with the cursor of the next page."""
    return type(name, (Out,), {
        "data": fields.List(fields.Nested(item)),
        "next_cursor": fields.String(allow_none=True, metadata={"description": "null on the last page"}),
    })


AnnouncementPage = page_of(AnnouncementSummary, "AnnouncementPage")
LotPage = page_of(Lot, "LotPage")
ResultPage = page_of(Result, "ResultPage")
ContractPage = page_of(Contract, "ContractPage")
BlacklistPage = page_of(BlacklistEntry, "BlacklistPage")
RegistrationPage = page_of(Registration, "RegistrationPage")
DepositPage = page_of(Deposit, "DepositPage")
BidPage = page_of(Bid, "BidPage")
PartyLotPage = page_of(PartyLot, "PartyLotPage")
WarningPage = page_of(Warning, "WarningPage")
CorrectionPage = page_of(CorrectionOrder, "CorrectionPage")


class Change(Out):
    cursor = fields.String(metadata={"description": "resume after this change with since=cursor"})
    seq = fields.Integer(metadata={"description": "the audit chain's sequence number of the change"})
    at = moment()
    lot_id = fields.Integer()
    action = fields.String(metadata={"description": "announce, clarify, close_bidding, opening_record, "
                                                    "start_evaluation, start_publicity, award, register_contract, "
                                                    "archive, fail, cancel, suspend, resume, retrade, ..."})
    from_state = fields.String(allow_none=True)
    state = fields.String(allow_none=True, metadata={"description": "the lot's state after the change; null when "
                                                                    "the change leaves the state as it was"})
    round = fields.Integer(allow_none=True)
    rule = fields.String(allow_none=True)


class ChangePage(Out):
    data = fields.List(fields.Nested(Change))
    next_cursor = fields.String(metadata={"description": "ask with since=next_cursor next time (the same cursor "
                                                        "when nothing changed)"})


class OcdsPackage(Out):
    uri = fields.String()
    version = fields.String()
    publishedDate = fields.String()  # noqa: N815 - OCDS's field names
    publisher = fields.Dict()
    extensions = fields.List(fields.String())
    links = fields.Dict(metadata={"description": "next: the next page, when there is one"})


class ReleasePackage(OcdsPackage):
    releases = fields.List(fields.Dict(), metadata={"description": "OCDS 1.1 releases (release-schema.json)"})


class RecordPackage(OcdsPackage):
    records = fields.List(fields.Dict(), metadata={"description": "OCDS 1.1 records with compiledRelease"})


class ProblemItem(Out):
    field = fields.String()
    location = fields.String()
    detail = fields.String()


class Problem(Out):
    """RFC 9457 problem document."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    field = fields.String(allow_none=True, metadata={"description": "the field the refusal is about"})
    rule = fields.String(allow_none=True, metadata={"description": "the legal rule that decided (flask rules show)"})
    errors = fields.List(fields.Nested(ProblemItem))
