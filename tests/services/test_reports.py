"""Public reports (举报): anyone's report checked field by field (nothing saved on a refusal), numbered and followed by
a random code kept only as its hash; handled by the supervisor alone (accepted or declined with a reason, assigned,
concluded), every step in the audit chain under the report, never under the lot, and without its text."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain import calendar
from trading.domain.errors import DomainError, Forbidden, NotFound
from trading.models import AuditEntry, PublicReport
from trading.services import reports
from trading.simulate import demo, lots as walk

FACTS = "开标前三家投标人的投标文件由同一人编制，报价呈等差排列，疑似串通投标。"


@pytest.fixture
def people(session, now):
    demo.load(session, now)
    return walk.cast(session)


def send(ctx, session, now, **fields):
    values = {"category": "collusion", "lot_text": "", "party": "湖北某建设有限公司", "text": FACTS, "contact": ""}
    values.update(fields)
    return reports.submit(ctx, session, None, now, values["category"], values["lot_text"], values["party"],
                          values["text"], values["contact"])


@pytest.mark.parametrize("field, value", [
    ("category", "gossip"), ("category", ""), ("text", "太短"), ("text", "x" * 4001), ("text", FACTS + "\x00"),
    ("lot", "A" * 201), ("lot", "第一行\n第二行"), ("party", "某公司\x07"), ("contact", "1" * 201),
])
def test_a_report_is_refused_field_by_field_and_nothing_is_saved(ctx, session, now, people, field, value):
    name = {"lot": "lot_text"}.get(field, field)
    with pytest.raises(DomainError) as refused:
        send(ctx, session, now, **{name: value})
    assert (refused.value.field, refused.value.rule) == (field, "report.public")
    assert session.scalar(sa.select(sa.func.count(PublicReport.id))) == 0
    assert session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(AuditEntry.action == "report.submit")) == 0


def test_a_report_gets_a_number_and_a_random_code_kept_only_as_its_hash(ctx, session, now, people):
    row, token = send(ctx, session, now, contact=" 13800000000 ", party="  湖北某建设   有限公司 ")
    assert row.number == f"JB{calendar.local_date(now).year}-{row.id:06d}"
    assert len(token) >= 32 and token not in (row.token_hash, row.number)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (row.contact, row.party, row.status) == ("13800000000", "湖北某建设 有限公司", "received")
    assert reports.follow(session, token).id == row.id
    other, other_token = send(ctx, session, now)
    assert other_token != token and reports.follow(session, other_token).id == other.id
    for guess in (row.number, str(row.id), token[:-1] + ("A" if token[-1] != "A" else "B"), "", "x" * 500):
        with pytest.raises(NotFound):
            reports.follow(session, guess)
    # accepted or declined within the centre's 5 working days (a centre setting: reports have no legal time limit)
    last = calendar.add_working_days(calendar.local_date(now), 5)
    assert row.accept_due == calendar.start_of_local_day(calendar.add_days(last, 1))


def test_a_deal_code_typed_links_the_lot_for_the_supervisor(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    row, _token = send(ctx, session, now, lot_text=f" {lot.deal_code.lower()} ")
    assert row.lot_id == lot.id and row.lot_text == lot.deal_code.lower()
    assert send(ctx, session, now, lot_text=lot.name)[0].lot_id is None  # a name is kept as typed


def test_the_supervisor_accepts_assigns_and_concludes_and_every_step_is_audited(ctx, session, now, people):
    row, token = send(ctx, session, now)
    for outsider in (None, people.staff, people.tenderee, people.bidders[0]):
        with pytest.raises(Forbidden):
            reports.listed(session, outsider)
        with pytest.raises(Forbidden):
            reports.accept(ctx, session, outsider, now, row.id, "线索具体，予以受理。")
    supervisor = people.supervisor
    with pytest.raises(DomainError) as refused:
        reports.accept(ctx, session, supervisor, now, row.id, "")
    assert (refused.value.field, refused.value.rule) == ("reason", "report.public")
    with pytest.raises(DomainError) as refused:
        reports.accept(ctx, session, supervisor, now, row.id, "线索具体，予以受理。", people.staff.id)
    assert refused.value.field == "assignee"  # only a supervisor takes a report
    with pytest.raises(DomainError):
        reports.conclude(ctx, session, supervisor, now, row.id, "经查，三家投标人文件雷同，已移交处理。")  # not yet
    later = now + timedelta(days=2)
    reports.accept(ctx, session, supervisor, later, row.id, "线索具体，予以受理。")
    assert (row.status, row.assignee_id, row.handled_at) == ("accepted", supervisor.id, later)
    with pytest.raises(DomainError):
        reports.decline(ctx, session, supervisor, later, row.id, "重复举报")  # one decision only
    second = session.scalar(sa.select(type(supervisor)).where(type(supervisor).username == "supervisor2"))
    reports.assign(session, supervisor, later, row.id, second.id)
    assert row.assignee_id == second.id
    reports.conclude(ctx, session, second, later, row.id, "经查，三家投标人文件雷同，已认定串通投标并记入信用记录。")
    assert reports.follow(session, token).status == "concluded"
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("report.%"))
                              .order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["report.submit", "report.accept", "report.assign", "report.conclude"]
    assert {(e.object_type, e.object_id) for e in entries} == {("public_report", str(row.id))}
    assert entries[0].actor_label == "public" and entries[0].actor_id is None
    assert entries[0].payload["sha256"] == hashlib.sha256(FACTS.encode()).hexdigest()
    for entry in entries:  # neither the text, nor the party, nor the contact in the chain
        assert FACTS not in str(entry.payload) and "湖北某建设" not in str(entry.payload)


def test_a_report_is_declined_with_the_reason_the_reporter_reads_and_overdue_ones_are_marked(ctx, session, now,
                                                                                           people):
    row, token = send(ctx, session, now)
    assert not reports.overdue(row, now) and reports.overdue(row, row.accept_due)
    reason = "举报事项不属于本平台交易活动，已告知向主管部门反映。"
    reports.decline(ctx, session, people.supervisor, row.accept_due, row.id, reason)
    followed = reports.follow(session, token)
    assert followed.status == "declined" and followed.reason.startswith("举报事项不属于")
    assert not reports.overdue(row, row.accept_due)
    late = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "report.decline"))
    assert late.payload["late"] is True and late.rule == "report.acceptance"
