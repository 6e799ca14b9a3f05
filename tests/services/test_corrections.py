"""Warnings kept with their rule, inputs, threshold and legal basis, and the corrections that follow them (预警 →
整改): raised once by the clock step, dismissed with a reason or followed by a correction order to the tenderee, its
agency or the centre; answered with evidence; closed or escalated; an order not answered in time warned again."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain import calendar
from trading.domain.errors import DomainError, Forbidden, NotFound
from trading.extensions import db
from trading.models import AuditEntry, CorrectionOrder, EarlyWarning, Organisation, User
from trading.services import chronograph, corrections, result

SECOND = timedelta(seconds=1)


@pytest.fixture
def scene(restore_demo):
    """The demo with a contract overdue: the demo's late contract lot (its award more than 30 days old)."""
    app = restore_demo()
    with app.app_context():
        yield app.extensions["trading"], db.session


def open_warning(ctx, session, now):
    """Tomorrow, the demo's second package's contract is overdue: its warning, taken up by the supervisor (the first
    package's is already followed by the demo's correction order); and tomorrow's time."""
    at = now + timedelta(days=1)
    stored = set(session.scalars(sa.select(EarlyWarning.key)))
    found = next(w for w in result.warnings(ctx, session, at) if w.kind == "contract" and w.key not in stored)
    return corrections.take(ctx, session, user(session, "supervisor"), at, found.key), at


def user(session, name) -> User:
    return session.scalar(sa.select(User).where(User.username == name))


def test_the_clock_step_stores_each_warning_once_with_its_rule_inputs_threshold_and_basis(scene, now):
    """The demo's second package's contract falls due today: tomorrow the clock step raises its warning."""
    ctx, session = scene
    chronograph.run(ctx, session, now)
    now = now + timedelta(days=1)
    stored = set(session.scalars(sa.select(EarlyWarning.key)))
    computed = next(w for w in result.warnings(ctx, session, now) if w.kind == "contract" and w.key not in stored)
    step = chronograph.run(ctx, session, now)
    assert step.warnings_raised >= 1
    row = session.scalar(sa.select(EarlyWarning).where(EarlyWarning.key == computed.key))
    assert row.rule == "procurement.contract_deadline" and row.kind == "contract" and row.status == "open"
    assert row.threshold == {"value": "30", "unit": "days"} and row.basis == "政府采购法 第四十六条"
    assert row.inputs["due"] == computed.since.isoformat() and row.inputs["done_at"] is None
    assert row.inputs["award_id"] == computed.params["award_id"]
    assert chronograph.run(ctx, session, now).warnings_raised == 0  # twice changes nothing
    raised = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "warning.raise",
                                                         AuditEntry.payload["key"].as_string() == row.key)).all()
    assert len(raised) == 1 and raised[0].rule == "procurement.contract_deadline"


def test_the_supervisor_dismisses_with_a_reason_and_no_one_else_decides(scene, now):
    ctx, session = scene
    row, now = open_warning(ctx, session, now)
    assert row.status == "open"
    for name in ("staff", "tenderee1", "admin", "bidder1"):
        with pytest.raises(Forbidden):
            corrections.dismiss(session, user(session, name), now, row.id, "合同已线下签订，待登记。")
    with pytest.raises(DomainError) as refused:
        corrections.dismiss(session, user(session, "supervisor"), now, row.id, "  ")
    assert refused.value.field == "reason"
    corrections.dismiss(session, user(session, "supervisor"), now, row.id, "合同已线下签订，待登记。")
    assert row.status == "dismissed" and row.reason == "合同已线下签订，待登记。"
    with pytest.raises(DomainError):
        corrections.dismiss(session, user(session, "supervisor"), now, row.id, "再次驳回")


def test_an_order_to_the_tenderee_is_answered_with_evidence_and_closed(scene, now):
    ctx, session = scene
    supervisor, tenderee = user(session, "supervisor"), user(session, "tenderee1")
    row, now = open_warning(ctx, session, now)
    with pytest.raises(DomainError) as refused:
        corrections.issue(session, supervisor, now, row.id, "tenderee", "尽快签订合同并登记。",
                          calendar.local_date(now))
    assert refused.value.field == "due_on"
    with pytest.raises(DomainError) as no_agency:
        corrections.issue(session, supervisor, now, row.id, "agency", "尽快签订合同并登记。",
                          calendar.local_date(now) + timedelta(days=5))
    assert no_agency.value.field == "addressee"
    order = corrections.issue(session, supervisor, now, row.id, "tenderee", "请于期限内签订合同并在平台登记。",
                              calendar.local_date(now) + timedelta(days=5))
    assert row.status == "ordered" and order.organisation_id == tenderee.organisation_id
    assert order.due_at == calendar.start_of_local_day(calendar.local_date(now) + timedelta(days=6))
    with pytest.raises(Forbidden):
        corrections.answer(ctx, session, supervisor, now, order.id, "监管人员不能代为答复整改。")
    with pytest.raises(NotFound):
        corrections.answer(ctx, session, user(session, "tenderee2"), now, order.id, "另一招标人不能看到这份通知。")
    answered = corrections.answer(ctx, session, tenderee, now + timedelta(days=1), order.id,
                                  "已与中标人签订合同，合同扫描件附后。", "合同.pdf", io.BytesIO(b"%PDF-1.4 contract"),
                                  2**20)
    assert answered.status == "answered" and answered.evidence_name == "合同.pdf" and answered.evidence_size == 17
    assert ctx.store.open(answered.evidence_key).read() == b"%PDF-1.4 contract"
    corrections.conclude(session, supervisor, now + timedelta(days=2), order.id, "closed", "整改完成，予以销号。")
    assert order.status == "closed" and row.status == "closed"
    actions = [e.action for e in session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action.like("correction.%")).order_by(AuditEntry.seq))]
    assert actions[-3:] == ["correction.issue", "correction.answer", "correction.close"]


def test_an_order_not_answered_in_time_is_warned_again_and_then_escalated(scene, now):
    ctx, session = scene
    supervisor = user(session, "supervisor")
    row, now = open_warning(ctx, session, now)
    order = corrections.issue(session, supervisor, now, row.id, "centre", "中心未按期督促合同签订，请说明情况并整改。",
                              calendar.local_date(now) + timedelta(days=2))
    centre = session.scalar(sa.select(Organisation.id).where(Organisation.org_type == "trading_centre"))
    assert order.organisation_id == centre
    chronograph.run(ctx, session, order.due_at - SECOND)
    assert session.scalar(sa.select(EarlyWarning).where(EarlyWarning.kind == "correction")) is None
    chronograph.run(ctx, session, order.due_at)
    again = session.scalar(sa.select(EarlyWarning).where(EarlyWarning.kind == "correction"))
    assert again.key == f"correction:correction_id={order.id}" and again.threshold == {
        "deadline": order.due_at.isoformat()}
    late = corrections.answer(ctx, session, user(session, "staff"), order.due_at + timedelta(hours=1), order.id,
                              "已督促招标人，招标人称合同条款仍在协商。")
    assert late.status == "answered"
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "correction.answer")).all()[-1]
    assert entry.payload["late"] is True
    corrections.conclude(session, supervisor, order.due_at + timedelta(days=1), order.id, "escalated",
                         "整改不到位，移交上级主管部门处理。")
    assert row.status == "escalated" and order.status == "escalated"
    second = corrections.issue(session, supervisor, order.due_at + timedelta(days=1), row.id, "tenderee",
                               "请于三日内签订合同并报送说明。", calendar.local_date(order.due_at) + timedelta(days=5))
    assert second.status == "open" and session.scalar(sa.select(sa.func.count(CorrectionOrder.id)).where(
        CorrectionOrder.warning_id == row.id)) == 2
