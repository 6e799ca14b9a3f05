"""The timetable of a lot's announcement: proposed from the rules, validated, moved by late clarifications.

Every number comes from the ``RuleSet`` in force, which the caller passes (the platform's ``ctx.rules``: the law's
table made stricter where the centre says so; ``DEFAULT_RULES`` is the law's alone). Periods are counted on
Asia/Shanghai dates as in ``calendar``: an N-day period after an event on local date D is met from 00:00 on
D+N. A *cut-off* is the last moment something is allowed (inclusive): the end (23:59:59.999999 local) of the
last local day from which the rule's period still ends by the bid deadline's date. Everything is aware UTC.

Per trade type and method (``plan``):

- construction open/invited: deadline >= 20 days (法 Art. 24), documents >= 5 days (条例 Art. 16),
  clarifications 15 days before (法 Art. 23), objections 10 days before (条例 Art. 22).
- procurement open/invited: deadline >= 20 days (采购法 Art. 35), documents >= 5 working days (87号令 Art. 18);
  clarifications and objections as for construction (see ``_TENDER_PLANS``).
- consultation (both trade types): deadline >= 10 days, clarifications and objections 5 days before, documents
  5 working days; negotiation and inquiry: 3 working days; single source: 5 working days (its supplier published,
  采购条例 Art. 38); for these three the documents stay available until the deadline.
- land: the start (listing start, auction, tender deadline) >= 20 days after the announcement (39号令 Art. 8);
  listing >= 10 working days (Art. 19); the application deadline (竞买申请截止) two working days before the
  end, at 17:00 (centre practice, not a legal number).
- property listing: disclosure >= 20 working days from the announcement; applications until the end.

Sealed-bid methods open online at the deadline (电子招标投标办法 Arts. 29-30): ``opening_at == bid_deadline``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from .calendar import (
    SHANGHAI,
    add_days,
    add_working_days,
    check_min_period,
    due_date,
    earliest_deadline,
    is_working_day,
    local_date,
    period_date,
    to_local,
)
from .errors import N_, DomainError
from .money import CENT, parse_yuan
from .rules import METHODS, METHODS_BY_TRADE_TYPE, RuleSet

OPENING_TIME = time(9, 30)  # bid deadline and online opening, Beijing time
LISTING_START_TIME = time(9, 0)  # land listing opens
LAND_LISTING_END_TIME = time(15, 0)  # land listing closes
OFFICE_CLOSE = time(17, 0)  # documents window, application deadlines, property listing end
LAND_APPLICATION_LEAD = 2  # working days between the land application deadline and the end: centre practice
ISSUE_GRACE = timedelta(minutes=5)  # an issue time this far in the past is still "now"


@dataclass(frozen=True)
class Schedule:
    """The timetable of one lot's announcement; fields that do not apply to its method are None."""

    issued_at: datetime
    documents_until: datetime | None = None
    clarification_cutoff: datetime | None = None
    objection_cutoff: datetime | None = None
    bid_deadline: datetime | None = None
    opening_at: datetime | None = None
    listing_start: datetime | None = None
    listing_end: datetime | None = None
    auction_start: datetime | None = None  # land auction (拍卖会): the start the announcement period counts to

    def deadlines(self) -> dict[str, datetime | None]:
        """The deadlines ``lifecycle`` checks its time conditions against."""
        return {"bid_deadline": self.bid_deadline, "listing_start": self.listing_start,
                "listing_end": self.listing_end, "auction_start": self.auction_start}


FIELDS = tuple(f.name for f in fields(Schedule))


@dataclass(frozen=True)
class Plan:
    """Which rule governs each part of the timetable of one trade type and method (None: no rule)."""

    kind: str  # "bids" (sealed bids, online opening), "land_listing", "land_auction", "property_listing"
    window: str  # issue -> bid deadline (bids), -> start (land), listing start -> end (property)
    documents: str | None = None
    clarification: str | None = None
    objection: str | None = None
    listing: str | None = None  # land: listing start -> listing end


# Procurement tenders: documents for 5 working days (87号令 Art. 18). RULES.md has no procurement row for the
# clarification period or objections to the documents: they reuse the construction numbers (15 days, 10 days);
# 采购条例 Art. 31 says 15 days for clarifications too, and 采购法 Art. 52 counts 质疑 from receipt of the
# documents instead of back from the deadline.
_TENDER_PLANS = {
    "construction": Plan("bids", "construction.bid_window", "construction.document_sale_window",
                         "construction.clarification", "construction.objection_documents"),
    "procurement": Plan("bids", "procurement.tender_window", "procurement.documents_window",
                        "construction.clarification", "construction.objection_documents"),
}
# The non-tender methods follow the procurement rules for both trade types (RULES.md has no construction row;
# works below the tendering threshold bought this way follow 财政部令第74号 / 财库〔2014〕214号). Objections
# to their documents close with the clarification cut-off, so an answer can still change the documents.
# Negotiation and inquiry: 3 working days to the deadline, which also bound clarifications (74号令 Arts. 29, 45);
# consultation: 10 days, documents for 5 working days (214号 Art. 10); single source: the 5 working days its
# supplier is published for (采购条例 Art. 38), clarifications as for negotiation (no rule of its own). Apart
# from consultation, the documents stay available until the deadline (no minimum).
_SHORT_PLANS = {
    "consultation": Plan("bids", "procurement.consultation_window", "procurement.consultation_documents_window",
                         "procurement.consultation_clarification", "procurement.consultation_clarification"),
    "negotiation": Plan("bids", "procurement.negotiation_window", None,
                        "procurement.negotiation_window", "procurement.negotiation_window"),
    "inquiry": Plan("bids", "procurement.inquiry_window", None, "procurement.inquiry_window",
                    "procurement.inquiry_window"),
    "single_source": Plan("bids", "procurement.single_source_publicity", None, "procurement.negotiation_window",
                          "procurement.negotiation_window"),
}
_LAND_PLANS = {
    "tender": Plan("bids", "land.announcement_period"),
    "auction": Plan("land_auction", "land.announcement_period"),
    "listing": Plan("land_listing", "land.announcement_period", listing="land.listing_period"),
}
_REQUIRED = {
    "bids": {"issued_at", "documents_until", "bid_deadline", "opening_at"},
    "land_auction": {"issued_at", "documents_until", "bid_deadline", "auction_start"},
    "land_listing": {"issued_at", "documents_until", "bid_deadline", "listing_start", "listing_end"},
    "property_listing": {"issued_at", "documents_until", "bid_deadline", "listing_start", "listing_end"},
}


def plan(trade_type: str, method: str) -> Plan:
    """The rules behind the timetable of a trade type and method; refuse unknown pairs and 协议转让."""
    if method not in METHODS_BY_TRADE_TYPE.get(trade_type, ()):
        raise DomainError(N_("The method %(method)s is not allowed for %(trade_type)s."), field="method",
                          rule=f"{trade_type}.methods" if trade_type in METHODS_BY_TRADE_TYPE else None,
                          method=method, trade_type=trade_type)
    if trade_type in _TENDER_PLANS:
        return _TENDER_PLANS[trade_type] if method in ("open", "invited") else _SHORT_PLANS[method]
    if trade_type == "land":
        return _LAND_PLANS[method]
    if method == "agreement":
        raise DomainError(N_("A transfer by agreement is not announced, so it has no timetable."),
                          field="method", rule="property.methods", method=method, trade_type=trade_type)
    return Plan("property_listing", "property.disclosure")


def _at(day: date, moment: time) -> datetime:
    """A local date and Beijing time of day, as an aware UTC datetime."""
    return datetime.combine(day, moment, tzinfo=SHANGHAI).astimezone(UTC)


def _end_of(day: date) -> datetime:
    """The last instant of a local date, as an aware UTC datetime."""
    return _at(day, time.max)


def _working_day_from(day: date) -> date:
    """The first working day on or after a local date."""
    while not is_working_day(day):
        day = add_days(day, 1)
    return day


def _show(moment: datetime) -> str:
    """A time as shown in refusals: local, to the minute."""
    return to_local(moment).strftime("%Y-%m-%d %H:%M")


def latest_cutoff(bid_deadline: datetime, rule_id: str, rules: RuleSet) -> datetime:
    """The last moment an act may happen so that the rule's period still ends by the deadline's date."""
    found = rules[rule_id]
    end = local_date(bid_deadline)
    if found.unit == "days":
        return _end_of(add_days(end, -found.value))
    day = add_working_days(end, -found.value)
    while add_working_days(add_days(day, 1), found.value) <= end:  # non-working days after it count as it
        day = add_days(day, 1)
    return _end_of(day)


def _earliest_day(start: datetime, rule_id: str, rules: RuleSet) -> date:
    """The earliest working day a minimum-period rule allows after ``start``."""
    found = rules[rule_id]
    return _working_day_from(period_date(start, found.value, found.unit))


def _cutoffs(bid_deadline: datetime, found: Plan, rules: RuleSet) -> dict[str, datetime | None]:
    """The clarification and objection cut-offs the plan derives from a bid deadline."""
    return {
        "clarification_cutoff": latest_cutoff(bid_deadline, found.clarification, rules)
        if found.clarification else None,
        "objection_cutoff": latest_cutoff(bid_deadline, found.objection, rules) if found.objection else None,
    }


def _propose_bids(found: Plan, issued_at: datetime, rules: RuleSet) -> Schedule:
    """Sealed bids: the earliest lawful deadline at 09:30, opened online at once."""
    docs = rules[found.documents] if found.documents else None
    documents_until = _at(period_date(issued_at, docs.value, docs.unit), OFFICE_CLOSE) if docs else None
    day = _earliest_day(issued_at, found.window, rules)
    while True:  # a centre's stricter numbers may push the deadline past the first candidate day
        deadline = _at(day, OPENING_TIME)
        cutoffs = _cutoffs(deadline, found, rules)
        if all(c is None or c >= issued_at for c in cutoffs.values()) and (
                documents_until is None or documents_until <= deadline):
            break
        day = _working_day_from(add_days(day, 1))
    return Schedule(issued_at=issued_at, documents_until=documents_until or deadline, bid_deadline=deadline,
                    opening_at=deadline, **cutoffs)


def _propose_land(found: Plan, issued_at: datetime, rules: RuleSet) -> Schedule:
    """Land listing or auction: the start 20 days on, applications close two working days before the end."""
    start_day = _earliest_day(issued_at, found.window, rules)
    if found.kind == "land_auction":
        auction_start = _at(start_day, OPENING_TIME)
        applications = _at(add_working_days(start_day, -LAND_APPLICATION_LEAD), OFFICE_CLOSE)
        return Schedule(issued_at=issued_at, documents_until=applications, bid_deadline=applications,
                        auction_start=auction_start)
    listing_start = _at(start_day, LISTING_START_TIME)
    listing = rules[found.listing]
    end_day = _working_day_from(period_date(listing_start, listing.value, listing.unit))
    applications = _at(add_working_days(end_day, -LAND_APPLICATION_LEAD), OFFICE_CLOSE)
    return Schedule(issued_at=issued_at, documents_until=applications, bid_deadline=applications,
                    listing_start=listing_start, listing_end=_at(end_day, LAND_LISTING_END_TIME))


def propose(trade_type: str, method: str, issued_at: datetime, rules: RuleSet) -> Schedule:
    """The earliest lawful timetable for a lot announced at ``issued_at``."""
    found = plan(trade_type, method)
    issued_at = to_local(issued_at).astimezone(UTC)
    if found.kind == "bids":
        return _propose_bids(found, issued_at, rules)
    if found.kind in ("land_listing", "land_auction"):
        return _propose_land(found, issued_at, rules)
    disclosure = rules[found.window]
    end = _at(_working_day_from(period_date(issued_at, disclosure.value, disclosure.unit)), OFFICE_CLOSE)
    return Schedule(issued_at=issued_at, documents_until=end, bid_deadline=end, listing_start=issued_at,
                    listing_end=end)


def _check_fields(schedule: Schedule, found: Plan, method: str) -> None:
    """Refuse a missing field the method needs, or one set that does not apply to it."""
    required = set(_REQUIRED[found.kind])
    if found.clarification:
        required |= {"clarification_cutoff", "objection_cutoff"}
    for name in FIELDS:
        value = getattr(schedule, name)
        if name in required and value is None:
            raise DomainError(N_("Set the %(name)s of the timetable."), field=name, name=name)
        if name not in required and value is not None:
            raise DomainError(N_("%(name)s does not apply to a lot traded by %(method)s."), field=name,
                              name=name, method=METHODS[method].name_zh)
        if value is not None:
            to_local(value)  # refuses naive datetimes


def _check_order(schedule: Schedule, pairs: tuple[tuple[str, str, bool], ...]) -> None:
    """Refuse a field earlier than the one it must follow (``strict``: later, not at the same instant)."""
    for before, after, strict in pairs:
        first, second = getattr(schedule, before), getattr(schedule, after)
        if first is None or second is None:
            continue
        if second < first or (strict and second == first):
            raise DomainError(N_("%(name)s (%(when)s) must come after %(other)s (%(other_when)s)."), field=after,
                              name=after, when=_show(second), other=before, other_when=_show(first))


def _check_cutoff(schedule: Schedule, name: str, rule_id: str, rules: RuleSet) -> None:
    """Refuse a cut-off later than the rule allows before the bid deadline."""
    latest = latest_cutoff(schedule.bid_deadline, rule_id, rules)
    if getattr(schedule, name) <= latest:
        return
    found = rules[rule_id]
    message = (N_("The %(name)s may be at the latest %(latest)s, %(value)s days before the bid deadline "
                  "(%(source)s).") if found.unit == "days"
               else N_("The %(name)s may be at the latest %(latest)s, %(value)s working days before the bid "
                       "deadline (%(source)s)."))
    raise DomainError(message, field=name, rule=found.id, name=name, latest=_show(latest), value=found.value,
                      source=found.source)


_ORDER = (
    ("issued_at", "documents_until", True), ("documents_until", "bid_deadline", False),
    ("issued_at", "clarification_cutoff", False), ("clarification_cutoff", "bid_deadline", True),
    ("issued_at", "objection_cutoff", False), ("objection_cutoff", "bid_deadline", True),
    ("issued_at", "bid_deadline", True), ("issued_at", "listing_start", False),
    ("listing_start", "bid_deadline", True), ("bid_deadline", "listing_end", False),
    ("listing_start", "listing_end", True), ("documents_until", "listing_end", False),
    ("bid_deadline", "auction_start", True),
)


def validate(trade_type: str, method: str, schedule: Schedule, now: datetime, rules: RuleSet) -> None:
    """Refuse a timetable the rules do not allow, naming the field and the rule."""
    found = plan(trade_type, method)
    _check_fields(schedule, found, method)
    if schedule.issued_at < now - ISSUE_GRACE:
        raise DomainError(N_("The issue time %(when)s is in the past: issue the announcement now or later."),
                          field="issued_at", when=_show(schedule.issued_at))
    _check_order(schedule, _ORDER)
    target = {"bids": "bid_deadline", "land_auction": "auction_start", "land_listing": "listing_start",
              "property_listing": "listing_end"}[found.kind]
    window_start = schedule.listing_start if found.kind == "property_listing" else schedule.issued_at
    check_min_period(window_start, getattr(schedule, target), rules[found.window], target)
    if found.listing:
        check_min_period(schedule.listing_start, schedule.listing_end, rules[found.listing], "listing_end")
    if found.documents:
        check_min_period(schedule.issued_at, schedule.documents_until, rules[found.documents], "documents_until")
    if found.clarification:
        _check_cutoff(schedule, "clarification_cutoff", found.clarification, rules)
        _check_cutoff(schedule, "objection_cutoff", found.objection, rules)
    if found.kind == "bids" and schedule.opening_at != schedule.bid_deadline:
        found_rule = rules["electronic.opening_at_deadline"]
        raise DomainError(N_("Bids are opened online at the bid deadline %(deadline)s, so the opening must be "
                             "then (%(source)s)."), field="opening_at", rule=found_rule.id,
                          deadline=_show(schedule.bid_deadline), source=found_rule.source)


def after_clarification(schedule: Schedule, issued_at: datetime, trade_type: str, method: str,
                        rules: RuleSet) -> tuple[Schedule, bool]:
    """The timetable after a clarification issued at ``issued_at``, and whether its deadline moved."""
    found = plan(trade_type, method)
    if not found.clarification:
        raise DomainError(N_("The rules set no clarification period for %(method)s: publish a new announcement "
                             "instead."), field="issued_at", rule=found.window, method=METHODS[method].name_zh)
    clarification = rules[found.clarification]
    if not schedule.issued_at <= issued_at < schedule.bid_deadline:
        raise DomainError(N_("A clarification can only be issued between the announcement and the bid deadline "
                             "%(deadline)s."), field="issued_at", rule=clarification.id,
                          deadline=_show(schedule.bid_deadline))
    if schedule.bid_deadline >= earliest_deadline(issued_at, clarification):
        return schedule, False
    day = _earliest_day(issued_at, clarification.id, rules)
    deadline = datetime.combine(day, to_local(schedule.bid_deadline).timetz()).astimezone(UTC)
    moved = replace(schedule, bid_deadline=deadline, **_cutoffs(deadline, found, rules))
    if schedule.opening_at is not None:
        moved = replace(moved, opening_at=deadline)
    return moved, True


def objection_open(schedule: Schedule, now: datetime) -> bool:
    """Whether an objection to the documents is still accepted at ``now`` (up to the objection cut-off)."""
    cutoff = schedule.objection_cutoff
    return cutoff is not None and schedule.issued_at <= now <= cutoff


def objection_answer_due(raised_at: datetime, rules: RuleSet) -> datetime:
    """The last moment (end of the local day) to answer an objection to the documents raised at ``raised_at``."""
    return _end_of(due_date(raised_at, rules["construction.objection_answer"]))


def deposit_cap(estimated_price: Decimal, trade_type: str, rules: RuleSet) -> Decimal | None:
    """The largest deposit allowed, in yuan rounded down to the fen; None where RULES.md sets no cap."""
    if trade_type not in ("construction", "procurement"):
        return None  # land and property: RULES.md sets no legal cap on the deposit (竞买保证金)
    cap = rules[f"{trade_type}.deposit_cap"]
    return (estimated_price * cap.value / 100).quantize(CENT, rounding=ROUND_DOWN)


def check_deposit(deposit: Decimal, estimated_price: Decimal | None, trade_type: str, field: str = "deposit", *,
                  rules: RuleSet) -> None:
    """Refuse a negative deposit, or one above the legal share of the estimated price or budget."""
    if trade_type not in METHODS_BY_TRADE_TYPE:
        raise DomainError(N_("Unknown trade type %(trade_type)s."), field="trade_type", trade_type=trade_type)
    deposit = parse_yuan(deposit, field)
    if trade_type not in ("construction", "procurement"):
        return
    if estimated_price is None:
        raise DomainError(N_("Enter the estimated price or budget: the deposit is capped by it."),
                          field="estimated_price", rule=f"{trade_type}.deposit_cap")
    maximum = deposit_cap(parse_yuan(estimated_price, "estimated_price"), trade_type, rules)
    if deposit > maximum:
        cap = rules[f"{trade_type}.deposit_cap"]
        raise DomainError(
            N_("The deposit of %(deposit)s yuan is more than %(cap)s%% of %(price)s yuan: at most %(maximum)s "
               "yuan is allowed (%(source)s)."),
            field=field, rule=cap.id, deposit=str(deposit), cap=str(cap.value), price=str(estimated_price),
            maximum=maximum, source=cap.source,
        )
