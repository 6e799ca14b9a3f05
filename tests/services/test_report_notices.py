"""A public report (举报) past the centre's acceptance period is overdue on the supervisor's dashboard and an early
warning stored once (on no lot, under the report), never after it was handled; and the reporter is told of the
acceptance, the refusal and the outcome at the contact it gave, one notice per change, naming the report's number and
its status and nothing the report says."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain.errors import DomainError
from trading.models import AuditEntry, EarlyWarning, OutboxMessage
from trading.notify.messages import SimulatedMessageGateway
from trading.services import chronograph, corrections, monitoring, outbox, reports, result
from trading.simulate import demo, lots as walk

FACTS = "开标前三家投标人的投标文件由同一人编制，报价呈等差排列，疑似串通投标。"
PARTY = "湖北某建设有限公司"
REASON = "线索具体，涉及湖北某建设有限公司，予以受理。"
OUTCOME = "经查，湖北某建设有限公司与另两家投标人串通投标属实，已记入信用记录。"


@pytest.fixture
def people(session, now):
    demo.load(session, now)
    return walk.cast(session)


def send(ctx, session, now, contact=""):
    return reports.submit(ctx, session, None, now, "collusion", "", PARTY, FACTS, contact)[0]


def report_warnings(ctx, session, at):
    return [w for w in result.warnings(ctx, session, at) if w.kind == "public_report"]


def test_a_report_not_handled_in_time_is_warned_once_on_no_lot(ctx, session, now, people):
    row = send(ctx, session, now)
    assert report_warnings(ctx, session, row.accept_due - timedelta(microseconds=1)) == []
    (warning,) = report_warnings(ctx, session, row.accept_due)  # late from the midnight after its last day
    assert (warning.lot_id, warning.rule, warning.since) == (None, "report.acceptance", row.accept_due)
    assert warning.params["number"] == row.number and warning.inputs["report_id"] == row.id
    later = row.accept_due + timedelta(hours=1)
    assert corrections.raise_warnings(ctx, session, later) == 1
    assert chronograph.run(ctx, session, later + timedelta(hours=1)).warnings_raised == 0  # stored once
    stored = session.scalars(sa.select(EarlyWarning).where(EarlyWarning.kind == "public_report")).all()
    assert len(stored) == 1 and stored[0].lot_id is None and stored[0].threshold == {"value": "5",
                                                                                      "unit": "working_days"}
    raised = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "warning.raise"))
    assert (raised.object_type, raised.object_id) == ("public_report", str(row.id))  # never under a lot
    assert FACTS not in str(stored[0].params) + str(stored[0].inputs) and PARTY not in str(stored[0].inputs)
    with pytest.raises(DomainError) as refused:  # the supervisor owes the act: no correction order to anyone
        corrections.issue(session, people.supervisor, later, stored[0].id, "centre", "请尽快受理该举报并答复。",
                          (later + timedelta(days=5)).date())
    assert refused.value.field == "warning"
    corrections.dismiss(session, people.supervisor, later, stored[0].id, "已电话联系举报人核实")
    assert stored[0].status == "dismissed"
    # accepted late: no new warning, and the stored one stays as it was decided
    reports.accept(ctx, session, people.supervisor, later, row.id, REASON)
    assert report_warnings(ctx, session, later + timedelta(days=3)) == []
    assert corrections.raise_warnings(ctx, session, later + timedelta(days=3)) == 0


def test_a_report_accepted_or_declined_in_time_is_never_warned(ctx, session, now, people):
    accepted, declined = send(ctx, session, now), send(ctx, session, now)
    reports.accept(ctx, session, people.supervisor, now, accepted.id, REASON)
    reports.decline(ctx, session, people.supervisor, accepted.accept_due - timedelta(minutes=1), declined.id,
                    "举报事项不属于本平台交易活动。")
    assert report_warnings(ctx, session, accepted.accept_due + timedelta(days=30)) == []
    assert corrections.raise_warnings(ctx, session, accepted.accept_due + timedelta(days=30)) == 0


def board(ctx, session, at, actor):
    return monitoring.dashboard(ctx, session, at, monitoring.Filters(), actor)


def test_the_dashboard_lists_it_due_today_then_overdue_for_the_supervisor_alone(ctx, session, now, people):
    row = send(ctx, session, now, contact="13800000000")
    last_day = row.accept_due - timedelta(hours=3)  # 21:00 on its last day, Beijing time
    seen = board(ctx, session, last_day, people.supervisor)
    (today,) = [d for d in seen.today if d.kind == "public_report"]
    assert today.lot_id is None and today.ref["report_id"] == row.id and today.start == row.received_at
    assert seen.report_categories == {row.id: "collusion"}
    assert not [d for d in seen.overdue if d.kind == "public_report"]
    overdue = board(ctx, session, row.accept_due, people.supervisor)
    assert [d.ref["report_id"] for d in overdue.overdue if d.kind == "public_report"] == [row.id]
    for other in (None, people.staff, people.tenderee, people.bidders[0]):
        shown = board(ctx, session, row.accept_due, other)
        assert not [d for d in shown.overdue + shown.today if d.lot_id is None] and not shown.report_categories
    reports.accept(ctx, session, people.supervisor, row.accept_due, row.id, REASON)  # handled: off the board
    handled = board(ctx, session, row.accept_due, people.supervisor)
    assert not [d for d in handled.overdue + handled.today + handled.late if d.kind == "public_report"]


def test_the_reporter_is_told_once_per_change_with_no_word_of_the_report(ctx, session, now, people):
    gateway = SimulatedMessageGateway()
    ctx.messages = gateway
    row = send(ctx, session, now, contact="+86 138-0013-8000")
    assert row.contact == "13800138000"
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0  # receipt is not a notice: the page says it
    reports.accept(ctx, session, people.supervisor, now, row.id, REASON)
    second = session.scalar(sa.select(type(people.supervisor)).where(type(people.supervisor).username == "supervisor2"))
    reports.assign(session, people.supervisor, now, row.id, second.id)  # a reassignment is not told
    reports.conclude(ctx, session, second, now + timedelta(days=10), row.id, OUTCOME)
    queued = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.key, m.channel, m.address, m.status) for m in queued] == [
        (f"report:{row.id}:accepted", "sms", "13800138000", "queued"),
        (f"report:{row.id}:concluded", "sms", "13800138000", "queued")]
    assert "已受理" in queued[0].body and "已办结" in queued[1].body
    for message in queued:
        assert row.number in message.body and message.body.startswith("【")
        for secret in (FACTS, PARTY, "湖北", REASON, OUTCOME, "串通"):
            assert secret not in message.body + message.subject
    assert outbox.send_due(ctx, session, now + timedelta(days=10)) == 2
    assert [s.message.address for s in gateway.sent] == ["13800138000", "13800138000"]
    assert all(m.status == "sent" and m.sent_at and m.result["reference"].startswith("SIM-") for m in queued)
    assert outbox.send_due(ctx, session, now + timedelta(days=11)) == 0 and len(gateway.sent) == 2  # sent once
    assert outbox.queue_report_notice(ctx, session, now, row) is None  # the same change is never queued twice


def test_an_e_mail_reporter_is_told_of_a_refusal_and_no_contact_sends_nothing(ctx, session, now, people):
    ctx.messages = SimulatedMessageGateway()
    mailed, silent = send(ctx, session, now, contact="Reporter@Example.CN"), send(ctx, session, now)
    reports.decline(ctx, session, people.supervisor, now, mailed.id, "举报事项不属于本平台交易活动。")
    reports.accept(ctx, session, people.supervisor, now, silent.id, REASON)
    reports.conclude(ctx, session, people.supervisor, now, silent.id, OUTCOME)
    (message,) = session.scalars(sa.select(OutboxMessage)).all()
    assert (message.channel, message.address, message.object_id) == ("email", "Reporter@example.cn", str(mailed.id))
    assert mailed.number in message.subject and "不予受理" in message.body and "本平台交易活动" not in message.body


def test_a_refused_message_is_retried_by_the_clock_step_until_the_gateway_takes_it(ctx, session, now, people):
    ctx.messages = SimulatedMessageGateway(refuse=frozenset({"13900000000"}))
    row = send(ctx, session, now, contact="13900000000")
    reports.accept(ctx, session, people.supervisor, now, row.id, REASON)
    (message,) = session.scalars(sa.select(OutboxMessage)).all()
    assert outbox.send_due(ctx, session, now) == 0
    assert (message.status, message.attempts, message.result["ok"]) == ("failed", 1, False)
    ctx.messages = SimulatedMessageGateway()  # the gateway answers again
    assert chronograph.run(ctx, session, now + timedelta(minutes=5)).messages_sent == 1
    assert (message.status, message.attempts) == ("sent", 2)
    assert outbox.send(ctx, session, now, message.id) is False  # a second sender finds it sent


def test_only_the_administrator_reads_the_outbox_and_addresses_are_masked(session, people):
    for actor in (None, people.supervisor, people.staff, people.tenderee):
        with pytest.raises(DomainError):
            outbox.listing(actor)
    admin = session.scalar(sa.select(type(people.supervisor)).where(type(people.supervisor).username == "admin"))
    assert outbox.listing(admin) is not None
    assert outbox.masked("sms", "13800138000") == "138****8000"
    assert outbox.masked("email", "reporter@example.cn") == "r***@example.cn"


def test_a_queue_out_of_reach_loses_no_notice_the_clock_step_sends_it(ctx, session, now, people):
    from dataclasses import replace

    from trading import jobs
    from trading.jobs import JobQueue

    ctx.messages = SimulatedMessageGateway()
    row = send(ctx, session, now, contact="13800138000")
    reports.accept(ctx, session, people.supervisor, now, row.id, REASON)
    unreachable = JobQueue("rq", "redis://127.0.0.1:1/0", "trading-test")  # no Redis listens there
    assert jobs.enqueue_messages(replace(ctx, jobs=unreachable)) is None  # the view goes on
    (message,) = session.scalars(sa.select(OutboxMessage)).all()
    assert message.status == "queued"
    assert chronograph.run(ctx, session, now + timedelta(minutes=1)).messages_sent == 1 and message.status == "sent"
