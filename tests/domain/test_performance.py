"""Performance of the centre's steps (domain/performance.py): each stage timed in the unit of its rule and judged at
the edge of its limit, steps paired as the chain recorded them, and the summaries' median and p90."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from trading.domain import calendar, performance as p
from trading.domain.rules import RuleSet

RULES = RuleSet()
MONDAY = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 Beijing time
CONSTRUCTION = p.Lot("construction", "open")
PROCUREMENT = p.Lot("procurement", "open")


def at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock Beijing time on ``day``."""
    return calendar.start_of_local_day(day) + timedelta(hours=hour)


def steps(*pairs, lot_id=1, round_=1, actor=(7, "staff")) -> list[p.Step]:
    return [p.Step(lot_id, round_, action, when, *actor) if not isinstance(action, p.Step) else action
            for action, when in pairs]


def only(found, stage: str) -> p.Span:
    matching = [s for s in found if s.stage == stage]
    assert len(matching) == 1, matching
    return matching[0]


def timed(lot: p.Lot, *pairs, rules: RuleSet = RULES) -> list[p.Span]:
    return p.spans(steps(*pairs), {1: lot}, {1: rules})


def test_the_filing_review_is_counted_in_working_days_and_over_one_day_past_the_centres_three():
    """platform.certificate_review (a centre setting, 3 working days): filed Monday, certified Thursday is 3 working
    days, in time; Friday is 4, over. The person counted is the one who certified."""
    thursday = timed(CONSTRUCTION, ("file", MONDAY), ("certify", at(date(2026, 3, 5), 16)))
    span = only(thursday, "certificate")
    assert span.unit == "working_days" and span.taken == 3 and not span.outside
    assert span.limit == p.Limit("within", "platform.certificate_review", 3, "working_days")
    assert span.bound == date(2026, 3, 5) and span.actor_id == 7 and span.month == "2026-03"
    friday = only(timed(CONSTRUCTION, ("file", MONDAY), ("certify", at(date(2026, 3, 6), 9))), "certificate")
    assert friday.taken == 4 and friday.outside


def test_a_centre_stricter_setting_judges_by_its_own_number():
    stricter = RuleSet.from_overrides({"platform.certificate_review": 2})
    span = only(timed(CONSTRUCTION, ("file", MONDAY), ("certify", at(date(2026, 3, 5))), rules=stricter),
                "certificate")
    assert span.limit.value == 2 and span.taken == 3 and span.outside


def test_the_contract_is_judged_by_its_signing_day_thirty_days_in_time_thirty_one_over():
    """招标投标法 第四十六条: within 30 days of the award notice. Awarded 2 March; signed 1 April is the 30th day;
    2 April is one past. The registration (recorded later, in April) is not what is timed."""
    def signed(day: date) -> p.Span:
        end = p.Step(1, 1, "register_contract", at(date(2026, 4, 20)), 9, "tenderee1", on=day)
        return only(p.spans([p.Step(1, 1, "award", MONDAY, 9, "tenderee1"), end], {1: CONSTRUCTION}, {1: RULES}),
                    "contract")

    in_time, late = signed(date(2026, 4, 1)), signed(date(2026, 4, 2))
    assert (in_time.taken, in_time.outside, in_time.unit) == (30, False, "days")
    assert (late.taken, late.outside) == (31, True) and late.bound == date(2026, 4, 1)
    assert late.limit.rule_id == "construction.contract_deadline" and late.month == "2026-04"


def test_a_minimum_period_is_short_one_day_before_it_ends():
    """条例 第五十四条: candidates published for at least 3 days: published Monday, awarded Thursday is 3 days;
    Wednesday is short of it."""
    thursday = only(timed(CONSTRUCTION, ("start_publicity", MONDAY), ("award", at(date(2026, 3, 5)))), "publicity")
    assert thursday.taken == 3 and not thursday.outside and thursday.limit.kind == "at_least"
    wednesday = only(timed(CONSTRUCTION, ("start_publicity", MONDAY), ("award", at(date(2026, 3, 4)))), "publicity")
    assert wednesday.taken == 2 and wednesday.outside and wednesday.bound == date(2026, 3, 5)


def test_procurement_publication_counts_working_days_over_the_may_holiday():
    """采购条例 第四十三条 (procurement.purchaser_decision, 5 working days) from Thursday 30 April 2026: 1–5 May are
    the holiday and Saturday 9 May a make-up working day, so the last day is Monday 11 May; Tuesday 12 is over."""
    start = at(date(2026, 4, 30))
    monday = only(timed(PROCUREMENT, ("confirm_report", start), ("start_publicity", at(date(2026, 5, 11)))),
                  "publication")
    assert monday.unit == "working_days" and monday.taken == 5 and not monday.outside
    assert monday.bound == date(2026, 5, 11) and monday.limit.rule_id == "procurement.purchaser_decision"
    tuesday = only(timed(PROCUREMENT, ("confirm_report", start), ("start_publicity", at(date(2026, 5, 12)))),
                   "publication")
    assert tuesday.taken == 6 and tuesday.outside


def test_the_evaluation_is_judged_against_its_rooms_window_and_counted_against_who_opened_the_room():
    due = MONDAY + timedelta(hours=48)
    opened = p.Step(1, 1, "start_evaluation", MONDAY, 7, "staff", due=due)
    on_time = p.spans([opened, p.Step(1, 1, "confirm_report", due, 31, "pw1-1")], {1: CONSTRUCTION}, {1: RULES})
    span = only(on_time, "evaluation")
    assert (span.unit, span.taken, span.outside, span.actor) == ("hours", Decimal("48.0"), False, "staff")
    assert span.limit == p.Limit("window", None, None, "hours") and span.bound == due
    late = p.spans([opened, p.Step(1, 1, "confirm_report", due + timedelta(seconds=1), 31, "pw1-1")],
                   {1: CONSTRUCTION}, {1: RULES})
    assert only(late, "evaluation").outside


def test_a_stage_without_a_legal_limit_is_timed_and_never_judged():
    found = timed(CONSTRUCTION, ("request_method", MONDAY), ("approve_method", at(date(2026, 3, 20))),
                  ("close_bidding", at(date(2026, 3, 25))), ("start_evaluation", at(date(2026, 3, 25), 13)))
    method, room = only(found, "method"), only(found, "room")
    assert method.limit is None and method.taken == 18 and not method.outside and method.bound is None
    assert room.limit is None and room.unit == "hours" and room.taken == Decimal("3.0")


def test_the_announcement_period_takes_the_methods_window():
    def limit(lot: p.Lot):
        return p.limit_of(p.BY_CODE["bidding"], lot, RULES)

    assert limit(CONSTRUCTION).rule_id == "construction.bid_window"
    assert limit(p.Lot("procurement", "negotiation")) == p.Limit("at_least", "procurement.negotiation_window", 3,
                                                                 "working_days")
    assert limit(p.Lot("land", "listing")).rule_id == "land.announcement_period"
    assert limit(p.Lot("property", "listing")) is None  # its disclosure is the listing stage's
    assert p.limit_of(p.BY_CODE["listing"], p.Lot("property", "listing"), RULES).rule_id == "property.disclosure"


def test_a_returned_filing_and_a_rejected_method_are_timed_from_the_last_request():
    found = timed(CONSTRUCTION, ("file", MONDAY), ("return_filing", at(date(2026, 3, 3))),
                  ("file", at(date(2026, 3, 9))), ("certify", at(date(2026, 3, 10))),
                  ("request_method", at(date(2026, 3, 10))), ("reject_method", at(date(2026, 3, 11))),
                  ("request_method", at(date(2026, 3, 16))), ("approve_method", at(date(2026, 3, 17))))
    assert only(found, "certificate").taken == 1 and only(found, "certificate").start == at(date(2026, 3, 9))
    assert only(found, "method").taken == 1


def test_each_round_is_timed_by_itself_and_a_step_of_another_round_does_not_pair():
    rows = [p.Step(1, 1, "file", MONDAY), p.Step(1, 1, "certify", at(date(2026, 3, 3))),
            p.Step(1, 2, "file", at(date(2026, 3, 20))), p.Step(1, 2, "certify", at(date(2026, 3, 24))),
            p.Step(2, 1, "certify", at(date(2026, 3, 24)))]  # lot 2 was filed before the records began
    found = p.spans(rows, {1: CONSTRUCTION, 2: CONSTRUCTION}, {1: RULES, 2: RULES})
    assert [(s.lot_id, s.round, s.taken) for s in found] == [(1, 1, 1), (1, 2, 2)]


def test_land_is_timed_from_the_deal_to_the_land_contract_in_working_days():
    """land.contract_deadline: 10 working days from the deal (成交确认书)."""
    land = p.Lot("land", "listing")
    deal = p.Step(1, 1, "close_listing", MONDAY)
    signed = p.Step(1, 1, "register_contract", at(date(2026, 3, 16)), 9, "tenderee2", on=date(2026, 3, 16))
    span = only(p.spans([deal, p.Step(1, 1, "award", signed.at), signed], {1: land}, {1: RULES}), "land_contract")
    assert (span.taken, span.unit, span.outside) == (10, "working_days", False)
    late = p.Step(1, 1, "register_contract", at(date(2026, 3, 17)), on=date(2026, 3, 17))
    assert only(p.spans([deal, late], {1: land}, {1: RULES}), "land_contract").outside
    assert not [s for s in p.spans([deal, late], {1: land}, {1: RULES}) if s.stage in ("contract", "publicity")]


def test_median_and_p90():
    values = [Decimal(v) for v in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)]
    assert p.median(values) == Decimal("5.5") and p.p90(values) == 9
    assert p.median([Decimal(4)]) == 4 and p.p90([Decimal(4)]) == 4
    assert p.median([]) is None and p.p90([]) is None
    assert p.p90([Decimal(v) for v in range(1, 12)]) == 10  # ⌈9.9⌉ = 10th of 11


def test_the_summary_groups_by_stage_limit_and_person():
    rows = []
    for lot_id, (actor, certified) in enumerate(((7, 3), (7, 4), (8, 7)), start=1):
        rows += [p.Step(lot_id, 1, "file", MONDAY, actor, f"staff{actor}"),
                 p.Step(lot_id, 1, "certify", at(date(2026, 3, 2 + certified)), actor, f"staff{actor}")]
    lots = {i: CONSTRUCTION for i in (1, 2, 3)}
    found = p.spans(rows, lots, dict.fromkeys(lots, RULES))
    (whole,) = p.summarise(found)
    assert (whole.stage, whole.lots, whole.median, whole.p90, whole.outside) == ("certificate", 3, 4, 5, 2)
    people = p.summarise(found, per_actor=True)
    assert [(r.actor, r.lots, r.outside) for r in people] == [("staff7", 2, 1), ("staff8", 1, 1)]


def test_the_time_a_lot_was_suspended_is_left_out_where_the_resume_moves_the_limit_on():
    """Candidates published Monday 2 March for at least 3 days; the lot suspended Tuesday 3 to Friday 6 (3 days):
    the resume moved the publicity's end on by them, so an award on Saturday 7 is 2 days of publicity, short; on
    Sunday 8 it is 3, in time."""
    pause = [p.Step(1, 1, "suspend", at(date(2026, 3, 3))), p.Step(1, 1, "resume", at(date(2026, 3, 6)))]
    start = p.Step(1, 1, "start_publicity", MONDAY)

    def award(day: date) -> p.Span:
        steps = [start, *pause, p.Step(1, 1, "award", at(day, 12))]
        return only(p.spans(steps, {1: CONSTRUCTION}, {1: RULES}), "publicity")

    saturday, sunday = award(date(2026, 3, 7)), award(date(2026, 3, 8))
    assert saturday.paused == timedelta(days=3) and (saturday.taken, saturday.outside) == (2, True)
    assert (sunday.taken, sunday.outside, sunday.bound) == (3, False, date(2026, 3, 8))


def test_a_time_limit_keeps_counting_through_a_suspension_as_the_dashboard_counts_it():
    """The contract within 30 days of the award: the platform does not move the award's contract_due at a resume
    (the dashboard and the contract's lateness count through the pause), so neither does this page; the pause is
    kept on the span for the page to show."""
    rows = [p.Step(1, 1, "award", MONDAY), p.Step(1, 1, "suspend", at(date(2026, 3, 10))),
            p.Step(1, 1, "resume", at(date(2026, 3, 15))),
            p.Step(1, 1, "register_contract", at(date(2026, 4, 6)), on=date(2026, 4, 6))]
    span = only(p.spans(rows, {1: CONSTRUCTION}, {1: RULES}), "contract")
    assert span.paused == timedelta(days=5) and (span.taken, span.outside, span.bound) == (35, True, date(2026, 4, 1))
    before = [p.Step(1, 1, "suspend", at(date(2026, 2, 20))), p.Step(1, 1, "resume", at(date(2026, 2, 25))), *rows[:1],
              rows[-1]]  # a pause before the stage began is not the stage's
    assert only(p.spans(before, {1: CONSTRUCTION}, {1: RULES}), "contract").paused == timedelta(0)
