"""Experts' marks reviewed (services/mark_review.py): after the report, the fifth member's outlying mark is flagged
with its working; the supervisor confirms it as the expert's credit event or dismisses it, with a reason, by a
decision that keeps the working; reading writes nothing; nobody else reads or decides."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.services.walked_lot import walked
from trading.domain.errors import DomainError, Forbidden, NotFound
from trading.models import AuditEntry, CreditEvent, MarkReview, User
from trading.platform import current_platform
from trading.services import credit, mark_review


@pytest.fixture
def lot(app, session):
    return walked(session, until="report")


def reviews(session, lot, user=None):
    return mark_review.review(current_platform(), session, user or lot.people.supervisor, FIXED_NOW, lot.lot)


def decide(session, lot, member, keys, decision, reason="评分明显偏离且无合理说明", number="咸监〔2026〕7号",
           user=None):
    return mark_review.decide(current_platform(), session, user or lot.people.supervisor, FIXED_NOW,
                              lot.evaluation.id, member.id, keys, decision, reason, number)


def fifth(lot):
    return [m for m in lot.evaluation.members if m.status == "seated"][4]


def test_nothing_is_reviewed_before_the_report(app, session):
    early = walked(session, until="report")
    early.evaluation.report = None  # as before the chair submitted it
    assert reviews(session, early) == []
    with pytest.raises(DomainError):
        decide(session, early, fifth(early), [], "dismissed")


def test_the_outlying_mark_is_flagged_with_its_working_and_the_names_the_supervisor_may_see(session, lot):
    (found,) = reviews(session, lot)
    member = fifth(lot)
    assert found.threshold == 20 and found.reviewable
    (flag,) = found.flags
    first_bid = min(int(b) for b in found.bids)
    assert (flag.member, flag.bid, flag.factor) == (str(member.id), str(first_bid), "施工组织设计")
    assert (flag.mark, flag.mean, flag.deviation, flag.points, flag.marks) == (
        Decimal(12), Decimal("21.60"), Decimal("32.00"), Decimal(30), 5)
    assert len(found.rows) == 3 * 2 * 5  # every mark's working: 3 bids, 2 scored factors, 5 members
    assert found.member_names[str(member.id)] == session.get(User, member.user_id).display_name
    assert found.bids[str(first_bid)][0] == "投标人A" and found.bids[str(first_bid)][1]


def test_confirming_records_one_credit_event_of_the_expert_with_the_working_as_evidence(session, lot):
    member = fifth(lot)
    (found,) = reviews(session, lot)
    flag = found.flags[0]
    before = credit.score_of(session, "expert", member.expert_id, FIXED_NOW)
    (row,) = decide(session, lot, member, [(int(flag.bid), flag.factor)], "confirmed")
    event = session.get(CreditEvent, row.credit_event_id)
    assert (event.subject_type, event.subject_id, event.kind, event.lot_id, event.decision) == (
        "expert", member.expert_id, "expert_deviation", lot.lot.id, "咸监〔2026〕7号")
    assert "打分12.00" in event.evidence and "21.60" in event.evidence and "32.00%" in event.evidence
    assert "评分明显偏离且无合理说明" in event.evidence and f"评委席位{member.seat}" in event.evidence
    assert credit.score_of(session, "expert", member.expert_id, FIXED_NOW) == before - 20
    assert (row.mark, row.mean, row.deviation, row.threshold, row.decision) == (
        Decimal(12), Decimal("21.60"), Decimal("32.00"), Decimal(20), "confirmed")
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "evaluation.mark_review"))
    assert (entry.object_type, entry.object_id, entry.rule) == ("evaluation", str(lot.evaluation.id),
                                                                "experts.mark_deviation")
    assert entry.payload["seat"] == member.seat and "expert_id" not in entry.payload
    (again,) = reviews(session, lot)
    assert again.open_flags(str(member.id)) == [] and again.decisions[flag.key].decision == "confirmed"
    with pytest.raises(DomainError) as refused:  # a decided flag is not decided twice
        decide(session, lot, member, [(int(flag.bid), flag.factor)], "dismissed")
    assert refused.value.field == "flags"


def test_dismissing_records_no_credit_event(session, lot):
    member = fifth(lot)
    flag = reviews(session, lot)[0].flags[0]
    (row,) = decide(session, lot, member, [(int(flag.bid), flag.factor)], "dismissed", reason="该评委已书面说明理由",
                    number="")
    assert row.decision == "dismissed" and row.credit_event_id is None and row.reason == "该评委已书面说明理由"
    assert session.scalar(sa.select(sa.func.count()).select_from(CreditEvent)) == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"reason": "否"}, "reason"),
    ({"decision": "maybe"}, "decision"),
    ({"number": ""}, "decision"),  # a confirmation names the decision that found it
    ({"keys": []}, "flags"),
    ({"keys": "unflagged"}, "flags"),
])
def test_a_decision_without_its_parts_is_refused_naming_the_field_and_nothing_is_saved(session, lot, change, field):
    member = fifth(lot)
    flag = reviews(session, lot)[0].flags[0]
    keys = change.get("keys", [(int(flag.bid), flag.factor)])
    if keys == "unflagged":
        keys = [(int(flag.bid), "项目管理机构")]
    with pytest.raises(DomainError) as refused:
        decide(session, lot, member, keys, change.get("decision", "confirmed"), change.get("reason", "评分明显偏离"),
               change.get("number", "咸监〔2026〕7号"))
    assert refused.value.field == field
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(MarkReview)) == 0


def test_another_members_flag_or_a_stranger_is_refused(session, lot):
    flag = reviews(session, lot)[0].flags[0]
    first = [m for m in lot.evaluation.members if m.status == "seated"][0]
    with pytest.raises(DomainError):
        decide(session, lot, first, [(int(flag.bid), flag.factor)], "confirmed")
    with pytest.raises(NotFound):
        mark_review.decide(current_platform(), session, lot.people.supervisor, FIXED_NOW, lot.evaluation.id, 999_999,
                           [(int(flag.bid), flag.factor)], "dismissed", "评分有据")


def test_only_the_supervisor_reads_and_decides_and_reading_writes_nothing(session, lot):
    member = fifth(lot)
    flag = reviews(session, lot)[0].flags[0]
    expert_user = session.get(User, member.user_id)
    for user in (lot.people.staff, lot.people.tenderee, lot.people.bidders[0], expert_user):
        with pytest.raises(Forbidden):
            reviews(session, lot, user)
        with pytest.raises(Forbidden):
            decide(session, lot, member, [(int(flag.bid), flag.factor)], "dismissed", user=user)
    entries = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    reviews(session, lot)
    assert not session.new and not session.dirty
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries


def test_the_threshold_is_the_one_the_lot_is_judged_by(session, lot):
    lot.lot.rule_values = {"experts.mark_deviation": "10"}  # as if the centre had set 10% before the announcement
    (found,) = reviews(session, lot)
    assert found.threshold == 10
    assert {(f.mark, f.factor) for f in found.flags} == {(Decimal(12), "施工组织设计")}
    stricter = [d for d in found.rows if d.deviation > 10]
    assert all(d.flagged for d in stricter)
