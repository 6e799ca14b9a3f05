"""The announcement timetable: proposed from the rules, validated, moved by late clarifications; deposit caps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from trading.domain.calendar import SHANGHAI, to_local
from trading.domain.errors import DomainError
from trading.domain.rules import DEFAULT_RULES as LAW, METHODS_BY_TRADE_TYPE, RuleSet
from trading.domain.schedule import (
    FIELDS,
    after_clarification,
    check_deposit,
    objection_answer_due,
    objection_open,
    propose,
    validate,
)

ISSUED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 Beijing time
END = "23:59"  # cut-offs are inclusive: the end of their last local day


def at(text: str) -> datetime:
    """A Beijing time written "2026-03-23 09:30", as aware UTC."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).astimezone(UTC)


def shown(schedule) -> dict[str, str | None]:
    """Every field of a timetable as Beijing time "YYYY-MM-DD HH:MM" (None stays None)."""
    return {name: None if getattr(schedule, name) is None else to_local(getattr(schedule, name)).strftime(
        "%Y-%m-%d %H:%M") for name in FIELDS}


def refusal(trade_type, method, now=ISSUED, rules=None, **changes) -> DomainError:
    """The DomainError validate() raises for the proposed timetable with ``changes`` applied."""
    schedule = replace(propose(trade_type, method, ISSUED, rules=LAW), **changes)
    with pytest.raises(DomainError) as caught:
        validate(trade_type, method, schedule, now, rules=rules or LAW)
    return caught.value


TENDER = {"documents_until": "2026-03-07 17:00", "clarification_cutoff": f"2026-03-08 {END}",
          "objection_cutoff": f"2026-03-13 {END}", "bid_deadline": "2026-03-23 09:30",
          "opening_at": "2026-03-23 09:30"}
# procurement documents stay available 5 working days (87号令 Art. 18): Tue 3 to Mon 9 March
PROCUREMENT_TENDER = {**TENDER, "documents_until": "2026-03-09 17:00"}
CONSULTATION = {"documents_until": "2026-03-09 17:00", "clarification_cutoff": f"2026-03-07 {END}",
                "objection_cutoff": f"2026-03-07 {END}", "bid_deadline": "2026-03-12 09:30",
                "opening_at": "2026-03-12 09:30"}
SHORT = {"documents_until": "2026-03-05 09:30", "clarification_cutoff": f"2026-03-02 {END}",
         "objection_cutoff": f"2026-03-02 {END}", "bid_deadline": "2026-03-05 09:30",
         "opening_at": "2026-03-05 09:30"}
# single source: its supplier published 5 working days (采购条例 Art. 38); clarifications as for negotiation
SINGLE_SOURCE = {"documents_until": "2026-03-09 09:30", "clarification_cutoff": f"2026-03-04 {END}",
                 "objection_cutoff": f"2026-03-04 {END}", "bid_deadline": "2026-03-09 09:30",
                 "opening_at": "2026-03-09 09:30"}
BY_METHOD = {"open": TENDER, "invited": TENDER, "consultation": CONSULTATION, "negotiation": SHORT,
             "inquiry": SHORT, "single_source": SINGLE_SOURCE}
EXPECTED = {
    **{(t, m): BY_METHOD[m] for t in ("construction", "procurement") for m in BY_METHOD},
    ("procurement", "open"): PROCUREMENT_TENDER, ("procurement", "invited"): PROCUREMENT_TENDER,
    ("land", "tender"): {"documents_until": "2026-03-23 09:30", "bid_deadline": "2026-03-23 09:30",
                         "opening_at": "2026-03-23 09:30"},
    ("land", "auction"): {"documents_until": "2026-03-19 17:00", "bid_deadline": "2026-03-19 17:00",
                          "auction_start": "2026-03-23 09:30"},
    # listing from Mon 23 March; 10 working days skip Qingming (4-6 April) and end Tue 7 April
    ("land", "listing"): {"documents_until": "2026-04-02 17:00", "bid_deadline": "2026-04-02 17:00",
                          "listing_start": "2026-03-23 09:00", "listing_end": "2026-04-07 15:00"},
    ("property", "listing"): {"documents_until": "2026-03-30 17:00", "bid_deadline": "2026-03-30 17:00",
                              "listing_start": "2026-03-02 09:00", "listing_end": "2026-03-30 17:00"},
}


def test_every_announced_method_has_a_row():
    """The table covers every method of every trade type except 协议转让, which is not announced."""
    announced = {(t, m) for t, methods in METHODS_BY_TRADE_TYPE.items() for m in methods if m != "agreement"}
    assert set(EXPECTED) == announced


@pytest.mark.parametrize(("trade_type", "method"), sorted(EXPECTED))
def test_propose_then_validate(trade_type, method):
    """The earliest lawful timetable has the expected times and passes validation."""
    schedule = propose(trade_type, method, ISSUED, rules=LAW)
    expected = {name: None for name in FIELDS} | {"issued_at": "2026-03-02 09:00"} | EXPECTED[trade_type, method]
    assert shown(schedule) == expected
    validate(trade_type, method, schedule, ISSUED, rules=LAW)
    assert all(moment.tzinfo == UTC for moment in (schedule.issued_at, schedule.bid_deadline))


def test_agreement_has_no_timetable():
    """A transfer by agreement is not announced."""
    with pytest.raises(DomainError) as caught:
        propose("property", "agreement", ISSUED, rules=LAW)
    assert caught.value.rule == "property.methods"
    assert caught.value.field == "method"


@pytest.mark.parametrize(
    ("trade_type", "method", "changes", "field", "rule"),
    [
        ("construction", "open", {"bid_deadline": "2026-03-21 09:30", "opening_at": "2026-03-21 09:30"},
         "bid_deadline", "construction.bid_window"),
        ("construction", "invited", {"bid_deadline": "2026-03-21 23:59", "opening_at": "2026-03-21 23:59"},
         "bid_deadline", "construction.bid_window"),
        ("procurement", "open", {"bid_deadline": "2026-03-21 09:30", "opening_at": "2026-03-21 09:30"},
         "bid_deadline", "procurement.tender_window"),
        ("procurement", "consultation", {"bid_deadline": "2026-03-11 09:30", "opening_at": "2026-03-11 09:30"},
         "bid_deadline", "procurement.consultation_window"),
        ("procurement", "negotiation", {"bid_deadline": "2026-03-04 09:30", "opening_at": "2026-03-04 09:30",
                                        "documents_until": "2026-03-04 09:30"},
         "bid_deadline", "procurement.negotiation_window"),
        ("construction", "inquiry", {"bid_deadline": "2026-03-04 09:30", "opening_at": "2026-03-04 09:30",
                                     "documents_until": "2026-03-04 09:30"},
         "bid_deadline", "procurement.inquiry_window"),
        ("procurement", "single_source", {"bid_deadline": "2026-03-06 09:30", "opening_at": "2026-03-06 09:30",
                                          "documents_until": "2026-03-06 09:30"},
         "bid_deadline", "procurement.single_source_publicity"),
        ("procurement", "consultation", {"documents_until": "2026-03-06 17:00"},
         "documents_until", "procurement.consultation_documents_window"),
        ("construction", "open", {"documents_until": "2026-03-06 17:00"},
         "documents_until", "construction.document_sale_window"),
        ("procurement", "open", {"documents_until": "2026-03-06 23:00"},
         "documents_until", "procurement.documents_window"),
        ("construction", "open", {"clarification_cutoff": "2026-03-09 08:00"},
         "clarification_cutoff", "construction.clarification"),
        ("construction", "open", {"objection_cutoff": "2026-03-14 10:00"},
         "objection_cutoff", "construction.objection_documents"),
        ("procurement", "consultation", {"clarification_cutoff": "2026-03-08 10:00"},
         "clarification_cutoff", "procurement.consultation_clarification"),
        ("procurement", "negotiation", {"objection_cutoff": "2026-03-03 10:00"},
         "objection_cutoff", "procurement.negotiation_window"),
        ("construction", "open", {"opening_at": "2026-03-23 10:30"}, "opening_at", "electronic.opening_at_deadline"),
        ("land", "tender", {"opening_at": "2026-03-24 09:30"}, "opening_at", "electronic.opening_at_deadline"),
        ("land", "tender", {"bid_deadline": "2026-03-21 09:30", "opening_at": "2026-03-21 09:30",
                            "documents_until": "2026-03-21 09:30"}, "bid_deadline", "land.announcement_period"),
        ("land", "listing", {"listing_start": "2026-03-21 09:00"}, "listing_start", "land.announcement_period"),
        ("land", "listing", {"listing_end": "2026-04-03 15:00"}, "listing_end", "land.listing_period"),
        ("land", "auction", {"auction_start": "2026-03-21 09:30"}, "auction_start", "land.announcement_period"),
        ("property", "listing", {"listing_end": "2026-03-27 17:00", "bid_deadline": "2026-03-27 17:00",
                                 "documents_until": "2026-03-27 17:00"}, "listing_end", "property.disclosure"),
    ],
)
def test_refusals_name_field_and_rule(trade_type, method, changes, field, rule):
    """Each too-short period, too-late cut-off or misplaced opening is refused with its rule."""
    error = refusal(trade_type, method, **{name: at(text) for name, text in changes.items()})
    assert (error.field, error.rule) == (field, rule)


def test_short_bid_window_cites_the_law():
    """A construction deadline 19 days after issue cites 招标投标法 第二十四条 and the earliest date."""
    error = refusal("construction", "open", bid_deadline=at("2026-03-21 09:30"), opening_at=at("2026-03-21 09:30"))
    assert "招标投标法 第二十四条" in str(error)
    assert error.params["earliest_date"] == "2026-03-22"


def test_a_centre_may_require_more_days():
    """A stricter centre setting moves the proposal and refuses the legal minimum."""
    strict = RuleSet.from_overrides({"construction.bid_window": 25})
    assert shown(propose("construction", "open", ISSUED, strict))["bid_deadline"] == "2026-03-27 09:30"
    assert refusal("construction", "open", rules=strict).rule == "construction.bid_window"


def test_stricter_clarification_than_window_still_gives_a_lawful_proposal():
    """When clarifications need more days than the bid window, the deadline moves so the cut-off follows issue."""
    strict = RuleSet.from_overrides({"construction.clarification": 25})
    schedule = propose("construction", "open", ISSUED, strict)
    assert shown(schedule)["bid_deadline"] == "2026-03-27 09:30"
    assert shown(schedule)["clarification_cutoff"] == f"2026-03-02 {END}"
    validate("construction", "open", schedule, ISSUED, strict)


def test_issue_time_in_the_past():
    """Up to five minutes late is still now; six minutes is refused on issued_at without a rule."""
    validate("construction", "open", propose("construction", "open", ISSUED, rules=LAW), ISSUED + timedelta(minutes=5),
             rules=LAW)
    error = refusal("construction", "open", now=ISSUED + timedelta(minutes=6))
    assert (error.field, error.rule) == ("issued_at", None)


@pytest.mark.parametrize(
    ("trade_type", "method", "changes", "field"),
    [
        ("construction", "open", {"opening_at": None}, "opening_at"),
        ("construction", "open", {"objection_cutoff": None}, "objection_cutoff"),
        ("construction", "open", {"listing_start": ISSUED}, "listing_start"),
        ("land", "listing", {"opening_at": at("2026-04-07 15:00")}, "opening_at"),
        ("land", "listing", {"listing_end": None}, "listing_end"),
        ("land", "auction", {"auction_start": None}, "auction_start"),
        ("property", "listing", {"clarification_cutoff": ISSUED}, "clarification_cutoff"),
    ],
)
def test_fields_required_or_not_applicable(trade_type, method, changes, field):
    """A field the method needs must be set; one that does not apply must be None."""
    error = refusal(trade_type, method, **changes)
    assert error.field == field and error.rule is None


@pytest.mark.parametrize(
    ("trade_type", "method", "changes", "field"),
    [
        ("construction", "open", {"documents_until": at("2026-03-24 17:00")}, "bid_deadline"),
        ("construction", "open", {"clarification_cutoff": at("2026-03-01 12:00")}, "clarification_cutoff"),
        ("land", "listing", {"bid_deadline": at("2026-04-08 17:00"), "documents_until": at("2026-04-08 17:00")},
         "listing_end"),
        ("land", "auction", {"bid_deadline": at("2026-03-23 10:00"), "documents_until": at("2026-03-23 10:00")},
         "auction_start"),
        ("property", "listing", {"listing_start": at("2026-03-31 09:00")}, "bid_deadline"),
    ],
)
def test_fields_in_the_wrong_order(trade_type, method, changes, field):
    """Times out of order are refused on the later field, without a rule."""
    error = refusal(trade_type, method, **changes)
    assert error.field == field and error.rule is None


def test_unknown_method_is_refused():
    """A method the trade type does not allow names that trade type's methods rule."""
    with pytest.raises(DomainError) as caught:
        validate("land", "open", propose("construction", "open", ISSUED, rules=LAW), ISSUED, rules=LAW)
    assert (caught.value.field, caught.value.rule) == ("method", "land.methods")


@pytest.mark.parametrize(
    ("trade_type", "method", "issued", "expected"),
    [
        # 20 days after 27 January is Mon 16 February, inside the holiday (15-23 February): Tue 24 February
        ("construction", "open", "2026-01-27 09:00", {"bid_deadline": "2026-02-24 09:30"}),
        # 20 days after 25 January is Sat 14 February, a make-up working day: the deadline stays there
        ("procurement", "open", "2026-01-25 09:00", {"bid_deadline": "2026-02-14 09:30"}),
        # 3 working days after Thu 12 February: Fri 13, Sat 14 (make-up), Tue 24
        ("procurement", "negotiation", "2026-02-12 09:00",
         {"bid_deadline": "2026-02-24 09:30", "clarification_cutoff": f"2026-02-12 {END}"}),
        # 5 working days after Fri 13 February: Sat 14 (make-up), Tue 24, Wed 25, Thu 26, Fri 27
        ("construction", "single_source", "2026-02-13 09:00", {"bid_deadline": "2026-02-27 09:30"}),
        # 20 working days after Mon 9 February: 10-14 February, 24-28 February, 2-6 and 9-13 March
        ("property", "listing", "2026-02-09 09:00", {"listing_end": "2026-03-13 17:00"}),
        # 20 days after 26 January is in the holiday: listing from Tue 24 February, 10 working days incl. Sat 28
        ("land", "listing", "2026-01-26 09:00",
         {"listing_start": "2026-02-24 09:00", "listing_end": "2026-03-09 15:00", "bid_deadline": "2026-03-05 17:00"}),
    ],
)
def test_spring_festival_2026(trade_type, method, issued, expected):
    """The 2026 Spring Festival holiday and its make-up Saturdays move the deadlines."""
    schedule = propose(trade_type, method, at(issued), rules=LAW)
    assert {name: shown(schedule)[name] for name in expected} == expected
    validate(trade_type, method, schedule, at(issued), rules=LAW)


@pytest.mark.parametrize(
    ("trade_type", "method", "clarified", "moved_to"),
    [
        ("construction", "open", "2026-03-08 22:00", None),
        ("construction", "open", "2026-03-09 10:00", "2026-03-24 09:30"),
        ("procurement", "open", "2026-03-09 10:00", "2026-03-24 09:30"),  # 15 days, as 采购条例 Art. 31
        ("procurement", "consultation", "2026-03-07 20:00", None),
        ("procurement", "consultation", "2026-03-08 10:00", "2026-03-13 09:30"),
        ("construction", "negotiation", "2026-03-03 10:00", "2026-03-06 09:30"),
        ("construction", "open", "2026-03-20 10:00", "2026-04-07 09:30"),  # 4 April is Qingming: next working day
    ],
)
def test_clarification(trade_type, method, clarified, moved_to):
    """A clarification after the cut-off moves the deadline, opening and cut-offs; an early one moves nothing."""
    schedule = propose(trade_type, method, ISSUED, rules=LAW)
    after, moved = after_clarification(schedule, at(clarified), trade_type, method, rules=LAW)
    assert moved is (moved_to is not None)
    if moved_to is None:
        assert after is schedule
        return
    assert shown(after)["bid_deadline"] == shown(after)["opening_at"] == moved_to
    assert after.clarification_cutoff >= at(clarified)
    assert after.objection_cutoff > schedule.objection_cutoff
    assert after.documents_until == schedule.documents_until
    validate(trade_type, method, after, ISSUED, rules=LAW)
    assert after_clarification(after, at(clarified), trade_type, method, rules=LAW) == (after, False)


def test_clarification_moves_cutoffs_by_the_rule():
    """The moved construction deadline keeps 15 and 10 days after the new cut-offs."""
    after, _ = after_clarification(propose("construction", "open", ISSUED, rules=LAW), at("2026-03-09 10:00"),
                                   "construction", "open", rules=LAW)
    assert shown(after)["clarification_cutoff"] == f"2026-03-09 {END}"
    assert shown(after)["objection_cutoff"] == f"2026-03-14 {END}"


@pytest.mark.parametrize("clarified", ["2026-03-23 09:30", "2026-03-02 08:00"])
def test_clarification_outside_the_announcement(clarified):
    """A clarification before the announcement or from the deadline on is refused."""
    with pytest.raises(DomainError) as caught:
        after_clarification(propose("construction", "open", ISSUED, rules=LAW), at(clarified), "construction", "open",
                            rules=LAW)
    assert (caught.value.field, caught.value.rule) == ("issued_at", "construction.clarification")


@pytest.mark.parametrize(("trade_type", "method", "rule"), [("land", "listing", "land.announcement_period"),
                                                            ("property", "listing", "property.disclosure")])
def test_no_clarification_period_for_land_and_property(trade_type, method, rule):
    """Land and property announcements have no clarification rule: a change needs a new announcement."""
    with pytest.raises(DomainError) as caught:
        after_clarification(propose(trade_type, method, ISSUED, rules=LAW), at("2026-03-03 10:00"), trade_type, method,
                            rules=LAW)
    assert caught.value.rule == rule


def test_objection_window():
    """Objections to the documents are accepted from the issue up to and including the cut-off."""
    schedule = propose("construction", "open", ISSUED, rules=LAW)
    assert objection_open(schedule, ISSUED)
    assert objection_open(schedule, schedule.objection_cutoff)
    assert not objection_open(schedule, schedule.objection_cutoff + timedelta(microseconds=1))
    assert not objection_open(schedule, ISSUED - timedelta(seconds=1))
    assert not objection_open(propose("land", "listing", ISSUED, rules=LAW), ISSUED)


@pytest.mark.parametrize(
    ("raised", "due"),
    [("2026-03-02 10:00", "2026-03-05"), ("2026-03-04 16:00", "2026-03-09"), ("2026-02-12 10:00", "2026-02-24")],
)
def test_objection_answer_due(raised, due):
    """An objection is answered within 3 days, moved past weekends and holidays, by the end of that day."""
    answer_by = to_local(objection_answer_due(at(raised), rules=LAW))
    assert answer_by.date().isoformat() == due
    assert (answer_by + timedelta(microseconds=1)).time().isoformat() == "00:00:00"


@pytest.mark.parametrize(
    ("trade_type", "price", "accepted", "refused", "maximum"),
    [
        ("construction", "1000000", "20000.00", "20000.01", "20000.00"),
        ("procurement", "1000000", "20000.00", "20000.01", "20000.00"),
        ("construction", "1234567.89", "24691.35", "24691.36", "24691.35"),  # 24,691.3578 rounded down
    ],
)
def test_deposit_cap(trade_type, price, accepted, refused, maximum):
    """Exactly 2% (rounded down to the fen) is accepted; one fen more is refused with the maximum."""
    check_deposit(Decimal(accepted), Decimal(price), trade_type, rules=LAW)
    with pytest.raises(DomainError) as caught:
        check_deposit(Decimal(refused), Decimal(price), trade_type, rules=LAW)
    error = caught.value
    assert (error.field, error.rule) == ("deposit", f"{trade_type}.deposit_cap")
    assert error.params["maximum"] == Decimal(maximum)
    assert str(error.params["maximum"]) == maximum
    assert "第二十六条" in str(error) or "第三十三条" in str(error)


def test_deposit_refusals():
    """Negative amounts, a missing base price, floats and unknown trade types are refused."""
    with pytest.raises(DomainError) as caught:
        check_deposit(Decimal("-1"), Decimal(1000), "construction", field="bid_bond", rules=LAW)
    assert (caught.value.field, caught.value.rule) == ("bid_bond", None)
    with pytest.raises(DomainError) as caught:
        check_deposit(Decimal(100), None, "procurement", rules=LAW)
    assert caught.value.field == "estimated_price"
    with pytest.raises(TypeError):
        check_deposit(20000.0, Decimal(1000000), "construction", rules=LAW)
    with pytest.raises(DomainError):
        check_deposit(Decimal(1), Decimal(100), "fishing", rules=LAW)


def test_deposit_without_legal_cap_and_with_a_stricter_centre():
    """Land and property deposits have no cap in the rules; a centre may lower the 2%."""
    check_deposit(Decimal("50000000"), Decimal("1000000"), "land", rules=LAW)
    check_deposit(Decimal("50000000"), None, "property", rules=LAW)
    with pytest.raises(DomainError):
        check_deposit(Decimal("-0.01"), None, "land", rules=LAW)
    strict = RuleSet.from_overrides({"construction.deposit_cap": "1"})
    check_deposit(Decimal("10000.00"), Decimal("1000000"), "construction", rules=strict)
    with pytest.raises(DomainError) as caught:
        check_deposit(Decimal("10000.01"), Decimal("1000000"), "construction", rules=strict)
    assert caught.value.params["maximum"] == Decimal("10000.00")
