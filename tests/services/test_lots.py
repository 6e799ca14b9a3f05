"""Stages 1–3 through the services: each step, each refusal with its field and rule, nothing half-saved."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from trading.domain.errors import DomainError, Forbidden
from trading.models import AuditEntry, EntryCertificate, Lot, Project, Registration
from trading.services import (
    announcements,
    cancellation,
    certification,
    deposits,
    methods,
    objections,
    pledges,
    projects,
    registrations,
)
from trading.simulate import lots as walk


@pytest.fixture
def people(session, now):
    from trading.simulate import demo

    demo.load(session, now)
    session.flush()
    return walk.cast(session)


def project_input(**changes):
    base = dict(name="咸宁市淦河治理工程", trade_type="construction", region_code="421202",
                approval_number="咸发改审批〔2026〕21号", approving_body="咸宁市发展和改革委员会",
                approval_date=date(2026, 2, 20), funding_source="市级财政资金", state_funded=True)
    return projects.ProjectInput(**{**base, **changes})


def lot_input(**changes):
    base = dict(name="施工标段", budget="10000000", deposit="200000", evaluation_method="lowest_price",
                specialties={"A080201": 5}, location="咸安区淦河沿岸", scope="河道清淤及护岸工程",
                duration="300日历天", qualification="水利水电工程施工总承包三级及以上")
    return projects.LotInput(**{**base, **changes})


def refused(call, field=None, rule=None):
    with pytest.raises(DomainError) as caught:
        call()
    if field:
        assert caught.value.field == field, caught.value
    if rule:
        assert caught.value.rule == rule, caught.value
    return caught.value


def test_a_project_is_registered_with_its_region_and_approval(session, now, people):
    project = projects.register_project(session, people.tenderee, now, project_input())
    assert project.tenderee_id == people.tenderee.organisation_id and project.region_code == "421202"
    assert session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.seq.desc())) == "project.register"


@pytest.mark.parametrize("changes, field, rule", [
    ({"region_code": "421299"}, "region_code", "identity.region"),
    ({"region_code": "42120"}, "region_code", "identity.region"),
    ({"approval_date": date(2026, 3, 3)}, "approval_date", None),  # after FIXED_NOW's Beijing date
    ({"approval_number": " "}, "approval_number", None),
    ({"trade_type": "barter"}, "trade_type", None),
])
def test_bad_project_input_is_refused_and_nothing_saved(session, now, people, changes, field, rule):
    refused(lambda: projects.register_project(session, people.tenderee, now, project_input(**changes)), field, rule)
    assert session.scalar(sa.select(sa.func.count(Project.id))) == 0


def test_an_agency_registers_for_the_tenderee_it_names(session, now, people):
    from trading.models import User

    agent = session.scalar(sa.select(User).where(User.username == "agency"))
    refused(lambda: projects.register_project(session, agent, now, project_input()), "tenderee_id")
    project = projects.register_project(session, agent, now,
                                        project_input(tenderee_id=people.tenderee.organisation_id))
    assert project.agency_id == agent.organisation_id and project.tenderee_id == people.tenderee.organisation_id


@pytest.mark.parametrize("changes, field, rule", [
    ({"budget": "-5"}, "budget", None),
    ({"budget": "abc"}, "budget", None),
    ({"budget": "100.123"}, "budget", None),
    ({"deposit": "200000.01"}, "deposit", "construction.deposit_cap"),  # above 2% of 10,000,000
    ({"specialties": {"Z99": 1}}, "specialty", "experts.specialty"),
    ({"specialties": {}}, "specialties", None),
    ({"evaluation_method": "comprehensive", "criteria": [{"name": "报价", "weight": "50", "price": True}]},
     "criteria", None),
])
def test_bad_lot_input_is_refused_naming_the_field_and_rule(ctx, session, now, people, changes, field, rule):
    project = projects.register_project(session, people.tenderee, now, project_input())
    refused(lambda: projects.add_lot(ctx, session, people.tenderee, now, project, lot_input(**changes)), field, rule)
    assert session.scalar(sa.select(sa.func.count(Lot.id))) == 0


def test_exactly_two_percent_deposit_is_accepted(ctx, session, now, people):
    project = projects.register_project(session, people.tenderee, now, project_input())
    lot = projects.add_lot(ctx, session, people.tenderee, now, project, lot_input(deposit="200000.00"))
    assert str(lot.deposit) == "200000.00"


def test_the_procurement_price_weight_follows_order_87(ctx, session, now, people):
    project = projects.register_project(session, people.tenderee, now,
                                        project_input(trade_type="procurement", name="设备采购"))
    criteria = [{"name": "价格", "weight": "20", "price": True}, {"name": "技术", "weight": "80"}]
    refused(lambda: projects.add_lot(ctx, session, people.tenderee, now, project, lot_input(
        category="goods", evaluation_method="comprehensive", criteria=criteria, specialties={"B014803": 5})),
        "criteria", "procurement.price_weight_goods")


def test_only_the_tenderee_or_its_agency_adds_lots(ctx, session, now, people):
    project = projects.register_project(session, people.tenderee, now, project_input())
    with pytest.raises(Forbidden):
        projects.add_lot(ctx, session, people.land_tenderee, now, project, lot_input())


def test_filing_needs_every_required_document(ctx, session, now, people):
    project = projects.register_project(session, people.tenderee, now, project_input())
    lot = projects.add_lot(ctx, session, people.tenderee, now, project, lot_input())
    projects.attach(ctx, session, people.tenderee, now, lot, "approval", "批复.pdf", "application/pdf",
                    io.BytesIO(b"%PDF-1.4 demo"), 2**20)
    error = refused(lambda: projects.file_lot(session, people.tenderee, now, lot), "documents",
                    "platform.entry_certificate")
    assert "资金来源及落实证明" in error.params["names"] and lot.state == "draft"


def test_an_oversized_or_empty_upload_leaves_no_blob(ctx, session, now, people, tmp_path):
    project = projects.register_project(session, people.tenderee, now, project_input())
    lot = projects.add_lot(ctx, session, people.tenderee, now, project, lot_input())
    refused(lambda: projects.attach(ctx, session, people.tenderee, now, lot, "approval", "big.pdf", "application/pdf",
                                    io.BytesIO(b"x" * 2048), 1024), "file")
    refused(lambda: projects.attach(ctx, session, people.tenderee, now, lot, "approval", "empty.pdf", "application/pdf",
                                    io.BytesIO(b""), 1024), "file")
    assert [p for p in (tmp_path / "instance" / "blobs").rglob("*") if p.is_file()] == []  # the app's blob store


def test_certification_gives_a_deal_code_once(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "filed")
    certificate = certification.certify(session, people.staff, now, lot)
    assert certificate.deal_code == "4212022026JS0001" == lot.deal_code
    second = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, second, "certified")
    assert second.deal_code == "4212022026JS0002"
    refused(lambda: certification.certify(session, people.staff, now, lot), "lot", "platform.entry_certificate")
    assert session.scalar(sa.select(sa.func.count(EntryCertificate.id))) == 2


def test_a_returned_filing_goes_back_to_draft_with_reasons(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "procurement")
    walk.advance(ctx, session, people, now, lot, "filed")
    refused(lambda: certification.return_filing(session, people.staff, now, lot, ""), "reasons")
    row = certification.return_filing(session, people.staff, now, lot, "采购需求缺少技术参数表")
    assert lot.state == "draft" and row.status == "returned" and row.reasons == "采购需求缺少技术参数表"


def test_staff_cannot_approve_a_method_and_tenderees_cannot_certify(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "filed")
    with pytest.raises(Forbidden):
        certification.certify(session, people.tenderee, now, lot)


def test_a_method_the_law_forbids_is_refused_by_rule(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")  # 38.6 m yuan of works: must be tendered
    walk.advance(ctx, session, people, now, lot, "certified")
    refused(lambda: methods.request_method(ctx, session, people.tenderee, now, lot, "negotiation", "工期紧"),
            "method", "construction.must_tender_threshold")
    refused(lambda: methods.request_method(ctx, session, people.tenderee, now, lot, "listing", ""),
            "method", "construction.methods")
    refused(lambda: methods.request_method(ctx, session, people.tenderee, now, lot, "invited", ""), "justification")


def test_the_supervisor_rejects_with_reasons_and_the_lot_stays_certified(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "certified")
    request = methods.request_method(ctx, session, people.tenderee, now, lot, "invited", "专业性强，潜在投标人少",
                                     [b.organisation_id for b in people.bidders[:3]])
    refused(lambda: methods.decide_method(ctx, session, people.supervisor, now, request.id, False, ""), "reason")
    methods.decide_method(ctx, session, people.supervisor, now, request.id, False, "潜在投标人众多，应公开招标")
    assert lot.state == "certified" and lot.method is None
    again = methods.request_method(ctx, session, people.tenderee, now, lot, "open", "")
    methods.decide_method(ctx, session, people.supervisor, now, again.id, True, "")
    assert (lot.state, lot.method) == ("method_approved", "open")


def test_a_deadline_shorter_than_20_days_is_refused_naming_article_24(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "method_approved")
    proposed = announcements.propose(ctx, lot, now)
    short = replace(proposed, bid_deadline=proposed.bid_deadline - timedelta(days=2),
                    opening_at=proposed.bid_deadline - timedelta(days=2))
    error = refused(lambda: announcements.publish(ctx, session, people.tenderee, now, lot, short), "bid_deadline",
                    "construction.bid_window")
    assert lot.state == "method_approved" and "招标投标法 第二十四条" in error.params["source"]


def test_an_announcement_issued_in_the_past_is_refused(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "method_approved")
    stale = announcements.propose(ctx, lot, now - timedelta(days=3))
    refused(lambda: announcements.publish(ctx, session, people.tenderee, now, lot, stale), "issued_at")


def test_the_published_announcement_is_the_standard_text_filled_from_the_lot(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    row = session.scalars(sa.select(announcements.Announcement)).one()
    assert row.title.endswith("招标公告")
    for words in ("4212022026JS0001", "咸宁市温泉路", "2026年3月23日 09时30分", "70.00 万元", "招标投标法 第二十四条"):
        assert words in row.text, words
    assert "投标人须知" in row.documents_text


def test_a_late_clarification_moves_the_deadline_and_says_so(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    early = announcements.clarify(ctx, session, people.tenderee, now + timedelta(days=1), lot, "补充工程量清单说明")
    assert early.deadline_after == early.deadline_before
    late = announcements.clarify(ctx, session, people.tenderee, now + timedelta(days=10), lot, "修改技术标准")
    assert late.deadline_after > late.deadline_before == lot.bid_deadline - (late.deadline_after - late.deadline_before)
    assert lot.bid_deadline == late.deadline_after and lot.opening_at == lot.bid_deadline
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.clarify")
                           .order_by(AuditEntry.seq.desc()))
    assert entry.payload["moved"] is True and entry.rule == "construction.clarification"


def test_objections_pause_the_lot_until_answered_and_close_ten_days_before(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    walk.sign_up(session, people, now, lot, 2)
    refused(lambda: objections.raise_objection(ctx, session, people.bidders[2], now, lot, "资格条件排斥潜在投标人" * 2),
            "lot")  # not signed up
    row = objections.raise_objection(ctx, session, people.bidders[0], now, lot, "资格条件排斥潜在投标人，请修改。")
    assert objections.is_paused(session, lot)
    assert row.answer_due.isoformat() == "2026-03-05T15:59:59.999999+00:00"  # the end of the third day, Beijing
    refused(lambda: registrations.sign_up(session, people.bidders[3], now, lot,
                                          pledge=pledges.accepted(session, lot, people.bidders[3])),
            "lot", "construction.objection_pause")
    objections.answer_objection(session, people.tenderee, now, row.id, "已发布澄清，调整资格条件。")
    assert not objections.is_paused(session, lot)
    too_late = lot.objection_cutoff + timedelta(seconds=1)
    refused(lambda: objections.raise_objection(ctx, session, people.bidders[1], too_late, lot,
                                               "评分标准不明确，请澄清。"), "text", "construction.objection_documents")


def test_sign_up_until_the_deadline_once_per_company(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    registrations.sign_up(session, people.bidders[0], now, lot,
                          pledge=pledges.accepted(session, lot, people.bidders[0]))
    refused(lambda: registrations.sign_up(session, people.bidders[0], now, lot,
                                          pledge=pledges.accepted(session, lot, people.bidders[0])), "lot")
    refused(lambda: registrations.sign_up(session, people.bidders[1], lot.bid_deadline, lot,
                                          pledge=pledges.accepted(session, lot, people.bidders[1])), "lot")
    with pytest.raises(Forbidden):
        registrations.sign_up(session, people.tenderee, now, lot,
                              pledge=pledges.accepted(session, lot, people.tenderee))
    assert registrations.count(session, lot) == 1


def test_downloads_record_address_and_fingerprint(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    with pytest.raises(Forbidden):
        registrations.record_download(session, people.bidders[0], now, lot, address="1.2.3.4", fingerprint="ab",
                                      user_agent="x")
    registrations.sign_up(session, people.bidders[0], now, lot,
                          pledge=pledges.accepted(session, lot, people.bidders[0]))
    row = registrations.record_download(session, people.bidders[0], now, lot, address="10.1.2.3",
                                        fingerprint="9f86d081<script>", user_agent="Mozilla/5.0")
    assert (row.address, row.fingerprint) == ("10.1.2.3", "9f86d081script")


def test_cancelling_needs_the_supervisor_once_past_draft(ctx, session, now, people):
    draft = walk.create(ctx, session, people, now, "land")
    assert cancellation.request_cancel(session, people.land_tenderee, now, draft, "规划调整") is None
    assert draft.state == "cancelled"
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    request = cancellation.request_cancel(session, people.tenderee, now, lot, "项目资金未落实")
    assert lot.state == "announced"
    with pytest.raises(Forbidden):
        cancellation.decide_cancel(ctx, session, people.tenderee, now, request.id, True, "同意终止")
    cancellation.decide_cancel(ctx, session, people.supervisor, now, request.id, True, "资金未落实，同意终止")
    assert lot.state == "cancelled" and lot.previous_state == "announced"


@pytest.mark.parametrize("sample", ["construction", "procurement"])
def test_a_terminated_tender_refunds_every_deposit_with_interest_once(ctx, session, now, people, sample):
    """招标投标法实施条例 第三十一条 / 87号令 第二十九条: a lot cancelled after bidders paid gives every deposit
    back with its interest, naming the termination rule; a rejected request refunds nothing, and nothing is refunded
    twice."""
    from datetime import timedelta

    from trading.models import BankTransfer, Deposit

    lot = walk.create(ctx, session, people, now, sample)
    walk.advance(ctx, session, people, now, lot, "announced")
    walk.submit_bids(ctx, session, people, now, lot, ["1000000.00", "1100000.00"])
    held = session.scalars(sa.select(Deposit).where(Deposit.lot_id == lot.id)).all()
    assert len(held) == 2 and {d.status for d in held} == {"paid"}
    later = now + timedelta(days=3)
    first = cancellation.request_cancel(session, people.tenderee, later, lot, "项目资金未落实")
    cancellation.decide_cancel(ctx, session, people.supervisor, later, first.id, False,
                               "资金已落实，不同意终止")
    assert {d.status for d in held} == {"paid"}, "a rejected request keeps the deposits"
    second = cancellation.request_cancel(session, people.tenderee, later, lot, "项目取消，终止招标")
    cancellation.decide_cancel(ctx, session, people.supervisor, later, second.id, True, "同意终止招标")
    rule = f"{sample}.termination_refund"
    assert {(d.status, d.refund_rule) for d in held} == {("refunded", rule)}
    refunds = session.scalars(sa.select(BankTransfer).where(BankTransfer.kind == "refund")).all()
    assert sorted(t.amount for t in refunds) == sorted(d.received for d in held)
    assert all("终止招标" in t.memo for t in refunds)
    interest = session.scalars(sa.select(BankTransfer).where(BankTransfer.kind == "interest")).all()
    assert len(interest) == 2 and all(t.amount > 0 for t in interest), "with the interest the deposits earned"
    assert deposits.release_on_termination(ctx, session, people.supervisor, later, lot) == []  # once


def test_a_failed_lot_is_retraded_as_the_next_round(ctx, session, now, people):
    from trading.services.lots import transition

    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    walk.sign_up(session, people, now, lot, 2)
    later = lot.bid_deadline
    transition(session, lot, "close_bidding", None, "system", later)
    transition(session, lot, "fail", None, "system", later, payload={"bids": 2})
    cancellation.retrade(session, people.tenderee, later, lot)
    assert (lot.state, lot.round, lot.deal_code, lot.bid_deadline) == ("draft", 2, None, None)
    assert session.scalar(sa.select(sa.func.count(Registration.id))) == 2  # the first round stays on record
    walk.advance(ctx, session, people, later, lot, "certified")
    assert lot.deal_code.endswith("0002")
