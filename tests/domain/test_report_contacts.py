"""A public report's contact is a mainland mobile number or an e-mail address (or nothing), kept in one form; its
acceptance is due by the centre's period on no lot, judged like every other act (``domain.monitoring``); and the
notice to the reporter names the report's number and status only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trading.domain import monitoring
from trading.domain.errors import DomainError
from trading.domain.reports import check_contact, contact_channel
from trading.notify.messages import REPORT_NOTICES, Message, SimulatedMessageGateway, report_notice


@pytest.mark.parametrize("typed, kept, channel", [
    ("", "", None), ("   ", "", None), ("13800138000", "13800138000", "sms"), (" 138 0013 8000 ", "13800138000", "sms"),
    ("+86 138-0013-8000", "13800138000", "sms"), ("008619912345678", "19912345678", "sms"),
    ("reporter@example.cn", "reporter@example.cn", "email"),
    ("Wang.Li+jb@Mail.Example.COM", "Wang.Li+jb@mail.example.com", "email"),
])
def test_a_contact_is_kept_in_one_form(typed, kept, channel):
    assert check_contact(typed) == kept and contact_channel(kept) == channel


@pytest.mark.parametrize("typed", [
    "12800138000", "1380013800", "138001380001", "10086", "+1 415 555 0100", "138-0013-800x", "张先生 13800138000",
    "reporter@", "@example.cn", "reporter@example", "re porter@example.cn", "a..b@example.cn", ".a@example.cn",
    "a@-example.cn", "a@example..cn", "x" * 65 + "@example.cn", "a@" + "b" * 250 + ".cn", "微信: wxid_123",
])
def test_anything_else_is_refused_under_the_field(typed):
    with pytest.raises(DomainError) as refused:
        check_contact(typed)
    assert (refused.value.field, refused.value.rule) == ("contact", "report.public")


def test_a_contact_kept_before_the_check_is_reached_by_no_channel():
    assert contact_channel("张先生 13800138000") is None and contact_channel("") is None


RECEIVED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 Beijing time
DUE = datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # the midnight after Monday 9 March (5 working days), Beijing time


def test_a_reports_acceptance_is_due_on_no_lot_and_watched_while_pending():
    (due,) = monitoring.report_dues([monitoring.ReportFacts(7, "JB2026-000007", RECEIVED, DUE)])
    assert (due.lot_id, due.kind, due.rule, due.key) == (None, "public_report", "report.acceptance",
                                                         "public_report:number=JB2026-000007:report_id=7")
    assert due.status(DUE - timedelta(hours=1)) == "today" and due.status(DUE - timedelta(days=2)) == "upcoming"
    assert due.status(DUE) == "overdue"  # from the midnight after its last day
    handled = DUE + timedelta(days=2)
    (late,) = monitoring.report_dues([monitoring.ReportFacts(7, "JB2026-000007", RECEIVED, DUE, handled)])
    assert late.status(DUE + timedelta(days=3)) == "done"  # a late acceptance is not warned once made


@pytest.mark.parametrize("status", ["accepted", "declined", "concluded"])
def test_a_notice_names_the_number_and_status_only(status):
    sms = report_notice("sms", "13800138000", "某市公共资源交易中心", "JB2026-000007", status)
    assert sms.body == REPORT_NOTICES[status].format(centre="某市公共资源交易中心", number="JB2026-000007")
    assert sms.body.startswith("【某市公共资源交易中心】") and sms.subject == ""
    mail = report_notice("email", "a@example.cn", "", "JB2026-000007", status)
    assert "JB2026-000007" in mail.subject and mail.body.startswith("【公共资源交易平台】")


def test_the_simulated_gateway_records_and_refuses_as_told():
    gateway = SimulatedMessageGateway(refuse=frozenset({"13900000000"}))
    sent = gateway.send(Message("sms", "13800138000", "测试"), RECEIVED, ref="outbox-1")
    refused = gateway.send(Message("sms", "13900000000", "测试"), RECEIVED, ref="outbox-2")
    assert sent.ok and sent.reference.startswith("SIM-") and not refused.ok and refused.detail
    assert [s.message.address for s in gateway.sent] == ["13800138000"]
    with pytest.raises(ValueError):
        Message("fax", "13800138000", "测试")
