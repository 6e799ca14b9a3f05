"""Questions (质疑) and complaints (投诉) about a government procurement lot: a signed-up supplier questions the
purchaser, the purchaser (or its agency) answers, and only then may the supplier complain to the supervisor, who
accepts or refuses within 5 working days and decides within 30 (政府采购法 第五十二至五十七条; 94号令)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.walked_lot import announced_lot
from trading.domain import calendar
from trading.domain.errors import DomainError, Forbidden
from trading.services import complaints, questions, result

GROUNDS = "采购文件设置的资格条件排斥潜在供应商，请求修改。"
ANSWER = "资格条件系根据采购需求设定，不予修改。"


@pytest.fixture
def announced(ctx, session, now):
    return announced_lot(ctx, session, now, "procurement", signed_up=2)


def test_question_answer_complaint_accept_and_decide(ctx, session, now, announced):
    people, lot = announced
    supplier = people.bidders[0]
    asked = questions.ask(ctx, session, supplier, now, lot, "documents", GROUNDS, calendar.local_date(now))
    assert asked.answer_due > now and asked.answered_at is None
    with pytest.raises(DomainError) as early:
        complaints.submit(ctx, session, supplier, now + timedelta(hours=1), lot, "documents", GROUNDS)
    assert early.value.rule == "procurement.complaint_window", "the purchaser may still answer"
    questions.answer(session, people.tenderee, now + timedelta(days=1), asked.id, ANSWER)
    row = complaints.submit(ctx, session, supplier, now + timedelta(days=2), lot, "documents", GROUNDS)
    assert row.status == "received"
    assert row.accept_due == complaints.rules_of_complaints.due(now + timedelta(days=2),
                                                                "procurement.complaint_acceptance", ctx.rules)
    warned = [w for w in result.warnings(ctx, session, row.accept_due) if w.kind == "complaint"]
    assert warned and warned[0].rule == "procurement.complaint_acceptance" and warned[0].params["days"] == 5
    complaints.accept(ctx, session, people.supervisor, now + timedelta(days=3), row.id, suspend=True)
    assert lot.state == "suspended" and row.suspended
    assert row.decide_due == complaints.rules_of_complaints.due(row.received_at, "procurement.complaint_decision",
                                                                ctx.rules), "30 working days from receipt"
    complaints.decide(session, people.supervisor, now + timedelta(days=10), row.id, "upheld",
                      "经查，资格条件排斥潜在供应商，责令采购人修改采购文件。")
    assert row.status == "decided" and complaints.visible(session, None, lot) == [row], "the decision is published"


def test_a_complaint_without_a_question_on_the_same_matter_is_refused(ctx, session, now, announced):
    people, lot = announced
    supplier = people.bidders[0]
    with pytest.raises(DomainError) as refused:
        complaints.submit(ctx, session, supplier, now, lot, "documents", GROUNDS)
    assert (refused.value.field, refused.value.rule) == ("matter", "procurement.complaint_window")
    asked = questions.ask(ctx, session, supplier, now, lot, "procedure", GROUNDS, calendar.local_date(now))
    questions.answer(session, people.tenderee, now + timedelta(hours=3), asked.id, ANSWER)
    with pytest.raises(DomainError) as other_matter:
        complaints.submit(ctx, session, supplier, now + timedelta(days=1), lot, "documents", GROUNDS)
    assert other_matter.value.rule == "procurement.complaint_window"


def test_an_unanswered_question_opens_the_complaint_when_overdue_and_is_warned(ctx, session, now, announced):
    people, lot = announced
    supplier = people.bidders[1]
    asked = questions.ask(ctx, session, supplier, now, lot, "result", GROUNDS, calendar.local_date(now))
    warned = [w for w in result.warnings(ctx, session, asked.answer_due) if w.kind == "question"]
    assert warned and warned[0].rule == "procurement.question_answer" and warned[0].params["days"] == 7
    assert complaints.submit(ctx, session, supplier, asked.answer_due, lot, "result", GROUNDS).status == "received"


def test_a_complaint_after_the_window_is_refused(ctx, session, now, announced):
    people, lot = announced
    supplier = people.bidders[0]
    asked = questions.ask(ctx, session, supplier, now, lot, "documents", GROUNDS, calendar.local_date(now))
    questions.answer(session, people.tenderee, now + timedelta(days=1), asked.id, ANSWER)
    closes = complaints.rules_of_complaints.procurement_complaint_window_end(asked.answer_due, ctx.rules)
    complaints.submit(ctx, session, supplier, closes - timedelta(seconds=1), lot, "documents", GROUNDS)
    with pytest.raises(DomainError) as refused:
        complaints.submit(ctx, session, supplier, closes, lot, "documents", GROUNDS)
    assert (refused.value.field, refused.value.rule) == ("matter", "procurement.complaint_window")


def test_only_a_signed_up_supplier_questions_or_complains(ctx, session, now, announced):
    people, lot = announced
    outsider = people.bidders[2]  # a bidder that did not sign up to this lot
    with pytest.raises(Forbidden):
        questions.ask(ctx, session, outsider, now, lot, "documents", GROUNDS, calendar.local_date(now))
    with pytest.raises(Forbidden):
        complaints.submit(ctx, session, outsider, now, lot, "documents", GROUNDS)
    with pytest.raises(Forbidden):
        questions.ask(ctx, session, people.tenderee, now, lot, "documents", GROUNDS, calendar.local_date(now))
    with pytest.raises(Forbidden):
        complaints.submit(ctx, session, people.tenderee, now, lot, "documents", GROUNDS)


def test_the_purchaser_answers_and_nobody_else(ctx, session, now, announced):
    people, lot = announced
    asked = questions.ask(ctx, session, people.bidders[0], now, lot, "documents", GROUNDS, calendar.local_date(now))
    for intruder in (people.bidders[0], people.bidders[1], people.staff, people.supervisor, people.land_tenderee):
        with pytest.raises(Forbidden):
            questions.answer(session, intruder, now, asked.id, ANSWER)
    with pytest.raises(DomainError) as short:
        questions.answer(session, people.tenderee, now, asked.id, "不改")
    assert (short.value.field, short.value.rule) == ("answer", "procurement.question_answer")
    questions.answer(session, people.tenderee, now, asked.id, ANSWER)
    with pytest.raises(DomainError):
        questions.answer(session, people.tenderee, now, asked.id, ANSWER)
    assert questions.visible(session, people.bidders[1], lot) == [], "not another supplier's to read"
    assert questions.visible(session, people.bidders[0], lot) == [asked]
    assert questions.visible(session, people.supervisor, lot) == [asked]


def test_a_suspension_on_a_complaint_ends_of_itself_after_thirty_days(ctx, session, now, announced):
    """政府采购法 第五十七条: the procurement is suspended at most 30 days. The clock step resumes the lot then, once,
    naming the rule, and its running time limits move on by the time it was suspended; a day before, it waits."""
    from trading.models import AuditEntry
    from trading.services import chronograph

    people, lot = announced
    supplier = people.bidders[0]
    asked = questions.ask(ctx, session, supplier, now, lot, "documents", GROUNDS, calendar.local_date(now))
    questions.answer(session, people.tenderee, now + timedelta(days=1), asked.id, ANSWER)
    row = complaints.submit(ctx, session, supplier, now + timedelta(days=2), lot, "documents", GROUNDS)
    at = now + timedelta(days=3)
    deadline = lot.bid_deadline
    complaints.accept(ctx, session, people.supervisor, at, row.id, suspend=True)
    assert lot.state == "suspended"
    chronograph.run(ctx, session, at + timedelta(days=29, hours=23))
    assert lot.state == "suspended", "within the thirty days"
    step = chronograph.run(ctx, session, at + timedelta(days=30))
    assert lot.state == "announced" and ("resume" in {m.action for m in step.moved})
    resumed = session.query(AuditEntry).filter_by(action="lot.resume", object_id=str(lot.id)).one()
    assert resumed.actor_id is None and resumed.rule == "procurement.complaint_suspension"
    assert "30" in resumed.payload["reason"] and lot.bid_deadline == deadline + timedelta(days=30)
    chronograph.run(ctx, session, at + timedelta(days=31))
    assert session.query(AuditEntry).filter_by(action="lot.resume", object_id=str(lot.id)).count() == 1


def test_a_construction_suspension_on_a_complaint_lasts_until_the_supervisor_resumes(ctx, session, now):
    """条例 第六十二条 sets no longest time: the clock leaves a construction lot suspended."""
    from trading.services import chronograph, suspension

    people, lot = announced_lot(ctx, session, now, "construction", signed_up=1)
    suspension.suspend(session, people.supervisor, now, lot, "处理投诉期间暂停",
                       rule="construction.complaint_suspension")
    chronograph.run(ctx, session, now + timedelta(days=90))
    assert lot.state == "suspended"
