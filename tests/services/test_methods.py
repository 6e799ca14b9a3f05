"""Every procurement method completes through the services, from filing to the contract (issue 16): open and
invited tendering with their committee of 5 (7 when complex from 10 million yuan), negotiation, inquiry and
consultation with their groups of 3, and single source with its one named supplier and the negotiation record.
Each method's own rule is tested at its edge, and every refusal names its rule."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from trading.domain import calendar, methods as rule_methods
from trading.domain.errors import DomainError, Forbidden
from trading.models import Award, Deposit
from trading.services import (
    announcements,
    archive,
    chronograph,
    draws,
    evaluation as room,
    methods,
    negotiations,
    opening,
    pledges,
    projects,
    registrations,
    result,
)
from trading.simulate import demo, experts as demo_experts, lots as walk, methods as demo_methods

KEY_PASS = demo.DEMO_KEY_PASSPHRASE
PROCUREMENT = walk.SAMPLES["procurement"]
GROUP = {"B014803": 2, "B081607": 1}  # a negotiation, inquiry or consultation group of 3
COMMITTEE = {"B014803": 4, "B081607": 1}
LARGE = {"B014803": 6, "B081607": 1}


@pytest.fixture
def people(ctx, session, now):
    demo.load(session, now)
    demo_experts.load(ctx, session, now)
    session.flush()
    return walk.cast(session)


def refused(call, field=None, rule=None, error=DomainError):
    with pytest.raises(error) as caught:
        call()
    if field:
        assert caught.value.field == field, caught.value
    if rule:
        assert caught.value.rule == rule, caught.value
    return caught.value


def certified_lot(ctx, session, people, now, **lot):
    """A procurement package of the demo hospital, filed and certified (its method not yet requested)."""
    data = projects.ProjectInput(trade_type="procurement", approval_date=date(2026, 2, 1), **PROCUREMENT.project)
    project = projects.register_project(session, people.tenderee, now, data)
    made = projects.add_lot(ctx, session, people.tenderee, now, project,
                            projects.LotInput(**{**PROCUREMENT.lot, **lot}))
    return walk.advance(ctx, session, people, now, made, "certified")


def approved(ctx, session, people, now, lot, method, invited=()):
    """The method requested (naming ``invited``, demo bidder logins) and approved by the supervisor."""
    ids = [walk.bidder_org(session, name).id for name in invited]
    request = methods.request_method(ctx, session, people.tenderee, now, lot, method, "按采购需求和市场情况选择", ids)
    methods.decide_method(ctx, session, people.supervisor, now, request.id, True, "同意")
    return lot


def announced(ctx, session, people, now, method, invited=(), **lot):
    made = certified_lot(ctx, session, people, now, **lot)
    approved(ctx, session, people, now, made, method, invited)
    announcements.publish(ctx, session, people.tenderee, now, made, announcements.propose(ctx, made, now))
    return made


def bidders(people, names):
    return [next(b for b in people.bidders if b.username == name) for name in names]


def drawn(ctx, session, people, now, lot):
    """The lot's experts drawn (a backup each) before the deadline, every call accepted on the keypad."""
    wanted = [(s.code, s.count, 1) for s in lot.specialties]
    draw = draws.create(ctx, session, people.staff, now, lot, wanted=wanted, exclude_same_region=False,
                        evaluation_at=lot.bid_deadline + timedelta(hours=1), place="谈判室1", gateway="keypad")
    at, gateway = now, draws.gateway_for(session, draw)
    while draw.status != "complete":
        draws.advance(ctx, session, at, draw)
        waiting = [c for c in draw.calls if c.outcome is None]
        if waiting:
            gateway.press(waiting[0].call_id, "1", at + timedelta(seconds=5))
        at += timedelta(seconds=30)
    return draw


def opened(ctx, session, people, lot):
    """The deadline passes (the clock step), two key holders release their shares: the bids open."""
    at = lot.bid_deadline
    chronograph.tick(ctx, session, at)
    if lot.state == "opening":
        for holder in (people.staff, people.supervisor):
            opening.release_share(ctx, session, holder, at, lot, KEY_PASS)
    return at


NEGOTIATION = rule_methods.Negotiation(
    negotiated_on=None, place="咸宁市公共资源交易中心谈判室2", negotiators="陈静、王磊、刘洋",
    cost_note="供应商提供了成本构成和三份同型号设备合同（461万至475万元）。", price="4560000.00",
    justification="按同类合同价格下限商定，含五年原厂质保和驻场培训。")


def contracted(ctx, session, people, lot) -> Award:
    """After the result notice: the first candidate awarded, the contract signed two days later at that price."""
    publicity = result.publicity_of(session, lot)
    awarded_at = publicity.ends_at + timedelta(hours=10)
    award = result.award(ctx, session, people.tenderee, awarded_at, lot, 1)
    signed_on = calendar.local_date(awarded_at) + timedelta(days=2)
    result.register_contract(ctx, session, people.tenderee, calendar.start_of_local_day(signed_on) + timedelta(hours=9),
                             lot, number=f"咸采合〔2026〕{lot.id}号", signed_on=signed_on, amount=str(award.price))
    return award


@dataclass(frozen=True)
class Case:
    method: str
    prices: tuple[str, ...]
    names: tuple[str, ...]
    lot: dict
    committee: int | None  # seated members; None: no committee (single source)


CASES = {
    "open": Case("open", ("4650000.00", "4598000.00", "4720000.00"), ("bidder4", "bidder5", "bidder6"),
                 {"specialties": COMMITTEE}, 5),
    "invited": Case("invited", ("4650000.00", "4598000.00", "4720000.00"), ("bidder4", "bidder5", "bidder6"),
                    {"specialties": COMMITTEE}, 5),
    "negotiation": Case("negotiation", ("4650000.00", "4598000.00", "4720000.00"), ("bidder4", "bidder5", "bidder6"),
                        {"specialties": GROUP, "evaluation_method": "lowest_price", "criteria": []}, 3),
    "inquiry": Case("inquiry", ("4650000.00", "4598000.00", "4720000.00"), ("bidder4", "bidder5", "bidder6"),
                    {"specialties": GROUP, "evaluation_method": "lowest_price", "criteria": []}, 3),
    "consultation": Case("consultation", ("4650000.00", "4598000.00", "4720000.00"),
                         ("bidder4", "bidder5", "bidder6"), {"specialties": GROUP}, 3),
    "single_source": Case("single_source", ("4620000.00",), ("bidder4",),
                          {"evaluation_method": "lowest_price", "criteria": []}, None),
}
INVITED = {"invited": ("bidder4", "bidder5", "bidder6"), "single_source": ("bidder4",)}


@pytest.mark.parametrize("method", sorted(CASES))
def test_every_method_goes_from_filing_to_the_contract(ctx, session, now, people, method):
    """The lot is announced with its method's window, its bidders respond, the bids open at the deadline, a
    committee or group of the method's size evaluates (or single source negotiates), the result is published,
    awarded and contracted, every deposit comes back, and the lot is archived."""
    case = CASES[method]
    lot = announced(ctx, session, people, now, method, INVITED.get(method, ()), **case.lot)
    # open and invited: 20 days (Sun 22 March: the next working day); consultation: 10 days; negotiation and
    # inquiry: 3 working days; single source: its supplier published 5 working days
    deadline = {"open": "2026-03-23", "invited": "2026-03-23", "consultation": "2026-03-12", "negotiation":
                "2026-03-05", "inquiry": "2026-03-05", "single_source": "2026-03-09"}[method]
    assert calendar.local_date(lot.bid_deadline).isoformat() == deadline
    walk.submit_bids(ctx, session, people, now + timedelta(hours=1), lot, list(case.prices),
                     bidders=bidders(people, case.names))
    if case.committee:
        drawn(ctx, session, people, now + timedelta(hours=2), lot)
    at = opened(ctx, session, people, lot)
    assert lot.state == "opening" and opening.is_opened(session, lot)
    if case.committee:
        evaluation = demo_methods.evaluate(ctx, session, people, lot, at)
        assert sum(m.status == "seated" for m in evaluation.members) == case.committee
        winner = min(case.prices)
    else:
        negotiations.conclude(ctx, session, people.tenderee, at + timedelta(hours=3), lot,
                              replace(NEGOTIATION, negotiated_on=calendar.local_date(at)))
        winner = NEGOTIATION.price
    assert lot.state == "publicity"
    award = contracted(ctx, session, people, lot)
    assert lot.state == "contracted" and award.price == Decimal(winner)
    refunds = session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id)).all()
    assert len(refunds) == len(case.prices) and all(d.status == "refunded" for d in refunds)
    archive.create(ctx, session, people.staff, calendar.start_of_local_day(
        calendar.local_date(award.issued_at) + timedelta(days=3)), lot)
    assert lot.state == "archived"


def test_a_single_source_lot_opens_its_one_bid_where_an_open_tender_fails(ctx, session, now, people):
    """One bid: the single-source lot goes to its opening (its minimum is its one supplier); an open tender with one
    bid fails unopened (流标) naming 采购法 Art. 36."""
    single = announced(ctx, session, people, now, "single_source", ("bidder4",),
                       evaluation_method="lowest_price", criteria=[])
    walk.submit_bids(ctx, session, people, now, single, ["4620000.00"], bidders=bidders(people, ("bidder4",)))
    tender = announced(ctx, session, people, now, "open", specialties=COMMITTEE)
    walk.submit_bids(ctx, session, people, now, tender, ["4620000.00"], bidders=bidders(people, ("bidder5",)))
    chronograph.tick(ctx, session, tender.bid_deadline)
    assert single.state == "opening" and tender.state == "failed"
    assert session.scalar(sa.select(sa.func.count()).select_from(Award)) == 0
    failed = [e for e in opening.record(session, tender)]
    assert failed == []  # nothing was opened


@pytest.mark.parametrize(("method", "rule_id"), [("negotiation", "procurement.group_min_suppliers"),
                                                 ("consultation", "procurement.consultation_min_suppliers")])
def test_negotiation_and_consultation_need_three_suppliers(ctx, session, now, people, method, rule_id):
    """Two responses fail the lot naming the method's own rule; a third one keeps it going."""
    short = announced(ctx, session, people, now, method, specialties=GROUP)
    walk.submit_bids(ctx, session, people, now, short, ["4650000.00", "4598000.00"],
                     bidders=bidders(people, ("bidder4", "bidder5")))
    enough = announced(ctx, session, people, now, method, specialties=GROUP)
    walk.submit_bids(ctx, session, people, now, enough, ["4650000.00", "4598000.00", "4720000.00"],
                     bidders=bidders(people, ("bidder4", "bidder5", "bidder6")))
    chronograph.tick(ctx, session, short.bid_deadline)
    assert (short.state, enough.state) == ("failed", "opening")
    assert result_rule(session, short) == rule_id


def result_rule(session, lot) -> str:
    from trading.models import AuditEntry

    return session.scalar(sa.select(AuditEntry.rule).where(AuditEntry.action == "lot.fail",
                                                           AuditEntry.object_id == str(lot.id)))


def test_an_invited_tender_names_three_bidders_and_only_they_sign_up(ctx, session, now, people):
    lot = certified_lot(ctx, session, people, now, specialties=COMMITTEE)
    two = [walk.bidder_org(session, name).id for name in ("bidder4", "bidder5")]
    refused(lambda: methods.request_method(ctx, session, people.tenderee, now, lot, "invited", "专业性强", two),
            "invitees", "procurement.invited_suppliers")
    refused(lambda: methods.request_method(ctx, session, people.tenderee, now, lot, "invited", "专业性强",
                                           [*two, people.tenderee.organisation_id]),
            "invitees", "procurement.invited_suppliers")
    approved(ctx, session, people, now, lot, "invited", ("bidder4", "bidder5", "bidder6"))
    announcements.publish(ctx, session, people.tenderee, now, lot, announcements.propose(ctx, lot, now))
    refused(lambda: registrations.sign_up(session, people.bidders[0], now, lot,
                                          pledge=pledges.accepted(session, lot, people.bidders[0])), "lot",
            "procurement.invited_suppliers", Forbidden)
    invited = bidders(people, ("bidder6",))[0]
    assert registrations.sign_up(session, invited, now, lot, pledge=pledges.accepted(session, lot, invited)) is not None


def test_single_source_names_one_supplier_who_alone_signs_up_and_draws_no_experts(ctx, session, now, people):
    lot = certified_lot(ctx, session, people, now, evaluation_method="lowest_price", criteria=[])
    none, two = [], [walk.bidder_org(session, name).id for name in ("bidder4", "bidder5")]
    for named in (none, two):
        refused(lambda named=named: methods.request_method(ctx, session, people.tenderee, now, lot, "single_source",
                                                           "原厂专有技术", named),
                "invitees", "procurement.single_source_supplier")
    approved(ctx, session, people, now, lot, "single_source", ("bidder4",))
    row = announcements.publish(ctx, session, people.tenderee, now, lot, announcements.propose(ctx, lot, now))
    assert "拟定唯一供应商：武汉华中智联设备有限公司" in row.text  # published, as 采购条例 Art. 38 asks
    other = bidders(people, ("bidder5",))[0]
    refused(lambda: registrations.sign_up(session, other, now, lot, pledge=pledges.accepted(session, lot, other)),
            "lot", "procurement.single_source_supplier", Forbidden)
    refused(lambda: draws.create(ctx, session, people.staff, now, lot, wanted=[("B081607", 1, 1)],
                                 exclude_same_region=False, evaluation_at=lot.bid_deadline, place="谈判室"),
            "method", "procurement.single_source_record")


def test_the_negotiation_record_is_refused_until_complete_and_at_most_the_quotation(ctx, session, now, people):
    """Before the opening, above the quotation by one fen, without the justification: refused naming the rule,
    nothing recorded; at the quotation itself it is accepted and the award takes the price agreed."""
    lot = announced(ctx, session, people, now, "single_source", ("bidder4",), evaluation_method="lowest_price",
                    criteria=[])
    walk.submit_bids(ctx, session, people, now, lot, ["4620000.00"], bidders=bidders(people, ("bidder4",)))
    day = calendar.local_date(lot.bid_deadline)
    record = replace(NEGOTIATION, negotiated_on=day)
    refused(lambda: negotiations.conclude(ctx, session, people.tenderee, now, lot, record), "lot",
            "procurement.single_source_record")
    at = opened(ctx, session, people, lot)
    refused(lambda: negotiations.conclude(ctx, session, people.staff, at, lot, record), error=Forbidden)
    refused(lambda: negotiations.conclude(ctx, session, people.tenderee, at, lot, replace(record, price="4620000.01")),
            "price", "procurement.single_source_price")
    refused(lambda: negotiations.conclude(ctx, session, people.tenderee, at, lot,
                                          replace(record, justification="合理")),
            "justification", "procurement.single_source_price")
    refused(lambda: negotiations.conclude(ctx, session, people.tenderee, at, lot,
                                          replace(record, negotiated_on=day - timedelta(days=1))),
            "negotiated_on", "procurement.single_source_record")
    refused(lambda: room.start(ctx, session, people.staff, at, lot), "method", "procurement.single_source_record")
    assert lot.state == "opening" and result.negotiation_of(session, lot) is None
    row = negotiations.conclude(ctx, session, people.tenderee, at, lot, replace(record, price="4620000.00"))
    assert (row.quoted, row.price, row.negotiators) == (Decimal("4620000.00"), Decimal("4620000.00"),
                                                        ["陈静", "王磊", "刘洋"])
    publicity = result.publicity_of(session, lot)
    assert publicity.rule == "procurement.result_period" and publicity.candidates[0]["price"] == "4620000.00"
    refused(lambda: negotiations.conclude(ctx, session, people.tenderee, at, lot, record), "lot",
            "procurement.single_source_record")


def test_a_complex_procurement_from_ten_million_yuan_asks_for_seven_experts(ctx, session, now, people):
    """Marked complex with its reason at 10,000,000 yuan: 5 experts are refused at the method request naming the
    7-member rule (87号令 Art. 47); 7 pass and the committee of 7 is seated. One fen below, 5 will do."""
    complex_lot = dict(budget="10000000.00", deposit="190000.00", complex=True, complex_reason="多模态影像系统集成")
    lot = certified_lot(ctx, session, people, now, specialties=COMMITTEE, **complex_lot)
    assert (lot.complex, lot.complex_reason) == (True, "多模态影像系统集成")
    refused(lambda: methods.request_method(ctx, session, people.tenderee, now, lot, "open", ""), "method",
            "procurement.committee_large_size")
    below = certified_lot(ctx, session, people, now, specialties=COMMITTEE,
                          **{**complex_lot, "budget": "9999999.99"})
    approved(ctx, session, people, now, below, "open")
    large = announced(ctx, session, people, now, "open", specialties=LARGE, **complex_lot)
    walk.submit_bids(ctx, session, people, now, large, ["9650000.00", "9598000.00", "9720000.00"],
                     bidders=bidders(people, ("bidder4", "bidder5", "bidder6")))
    drawn(ctx, session, people, now + timedelta(hours=1), large)
    evaluation, _ = room.start(ctx, session, people.staff, opened(ctx, session, people, large), large)
    assert sum(m.status == "seated" for m in evaluation.members) == 7
    assert "本项目经采购人认定为技术复杂项目（多模态影像系统集成）" in announcements_text(session, large)


def announcements_text(session, lot) -> str:
    from trading.models import Announcement

    return session.scalar(sa.select(Announcement.documents_text).where(Announcement.lot_id == lot.id))


def test_the_complex_mark_needs_its_reason_and_a_procurement_lot(ctx, session, now, people):
    refused(lambda: certified_lot(ctx, session, people, now, complex=True, complex_reason=""), "complex_reason",
            "procurement.committee_large_size")
    data = projects.ProjectInput(trade_type="construction", approval_date=date(2026, 2, 1),
                                 **walk.SAMPLES["construction"].project)
    project = projects.register_project(session, people.tenderee, now, data)
    refused(lambda: projects.add_lot(ctx, session, people.tenderee, now, project, projects.LotInput(
        **walk.SAMPLES["construction"].lot, complex=True, complex_reason="大跨度桥梁")), "complex",
        "procurement.committee_large_size")


def test_a_negotiation_lot_asks_for_a_group_of_three_not_a_committee_of_five(ctx, session, now, people):
    """Two experts cannot make a group (采购法 Art. 38): the request is refused; three are approved."""
    lot = certified_lot(ctx, session, people, now, specialties={"B014803": 2}, evaluation_method="lowest_price",
                        criteria=[])
    refused(lambda: methods.request_method(ctx, session, people.tenderee, now, lot, "negotiation", "公开招标失败"),
            "method", "procurement.group_size")
    three = certified_lot(ctx, session, people, now, specialties=GROUP, evaluation_method="lowest_price", criteria=[])
    approved(ctx, session, people, now, three, "negotiation")
    assert three.state == "method_approved"


@pytest.mark.parametrize(("method", "rule_id", "earliest"), [
    ("open", "procurement.documents_window", "2026-03-09"),  # 5 working days after Mon 2 March
    ("consultation", "procurement.consultation_documents_window", "2026-03-09"),
])
def test_procurement_documents_stay_available_five_working_days(ctx, session, now, people, method, rule_id, earliest):
    """The documents window one working day short (Fri 6 March) is refused naming its rule; Mon 9 March passes."""
    lot = certified_lot(ctx, session, people, now, specialties=GROUP if method == "consultation" else COMMITTEE)
    approved(ctx, session, people, now, lot, method)
    proposed = announcements.propose(ctx, lot, now)
    assert calendar.local_date(proposed.documents_until).isoformat() == earliest
    short = replace(proposed, documents_until=proposed.documents_until - timedelta(days=3))
    error = refused(lambda: announcements.publish(ctx, session, people.tenderee, now, lot, short),
                    "documents_until", rule_id)
    assert error.params["earliest_date"] == earliest
    announcements.publish(ctx, session, people.tenderee, now, lot, proposed)
