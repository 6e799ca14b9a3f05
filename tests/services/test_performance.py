"""Performance of the centre's steps (services/performance.py): a construction lot walked through its stages by the
services gives, month by month, the time each stage took, in the unit of its rule, the person who took it and the
verdict against its limit; the filters; only the supervisor reads it, and reading writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.services.walked_lot import walked
from trading.domain.errors import DomainError, Forbidden
from trading.models import AuditEntry
from trading.platform import current_platform
from trading.services import performance


def read(session, user, month: str, **filters) -> performance.Report:
    return performance.report(current_platform(), session, user, FIXED_NOW, performance.Filters(month, **filters))


def by_stage(report: performance.Report) -> dict:
    return {s.stage: s for s in report.spans}


@pytest.fixture
def lot(app, session):
    return walked(session)


def test_each_stage_is_timed_in_its_rules_unit_against_its_limit_and_counted_against_who_acted(session, lot):
    people = lot.people
    march = by_stage(read(session, people.supervisor, "2026-03"))
    assert set(march) == {"certificate", "method", "announcement", "bidding", "room", "evaluation"}
    certificate = march["certificate"]  # filed Monday 2 March, certified Friday 6: 4 working days, one over 3
    assert (certificate.taken, certificate.unit, certificate.outside, certificate.actor_id) == (
        4, "working_days", True, people.staff.id)
    assert certificate.limit.rule_id == "platform.certificate_review" and certificate.bound == date(2026, 3, 5)
    assert (march["method"].actor_id, march["method"].limit) == (people.supervisor.id, None)
    assert (march["announcement"].taken, march["announcement"].actor_id) == (1, people.tenderee.id)
    bidding = march["bidding"]  # the timetable proposed the earliest lawful deadline: exactly 20 days
    assert (bidding.taken, bidding.outside, bidding.limit.rule_id, bidding.actor) == (
        20, False, "construction.bid_window", "system")
    evaluation = march["evaluation"]  # counted against the staff member who opened the room, not the chair
    assert evaluation.actor_id == people.staff.id and evaluation.unit == "hours" and not evaluation.outside
    assert evaluation.bound == lot.evaluation.closes_at and evaluation.taken == Decimal("1.5")
    april = by_stage(read(session, people.supervisor, "2026-04"))
    assert set(april) == {"publication", "publicity"}
    assert (april["publication"].taken, april["publication"].outside) == (2, False)
    assert april["publicity"].taken == 4 and april["publicity"].limit.rule_id == "construction.publicity_period"
    may = by_stage(read(session, people.supervisor, "2026-05"))
    contract = may["contract"]  # signed on the 30th day after the award: in time; registered two days later
    assert (contract.taken, contract.outside, contract.end_day) == (30, False, lot.signed_on)
    assert contract.actor_id == people.tenderee.id and may["archive"].actor_id == people.staff.id


def test_a_contract_signed_on_the_31st_day_is_over_its_limit(app, session):
    late = walked(session, contract_days=31)
    contract = by_stage(read(session, late.people.supervisor, "2026-05"))["contract"]
    assert (contract.taken, contract.outside) == (31, True)
    report = read(session, late.people.supervisor, "2026-05")
    assert [s.stage for s in report.outside] == ["contract"]
    assert [(r.stage, r.lots, r.outside) for r in report.stages if r.stage == "contract"] == [("contract", 1, 1)]


def test_the_summary_and_the_filters(session, lot):
    people = lot.people
    report = read(session, people.supervisor, "2026-03")
    row = next(r for r in report.stages if r.stage == "certificate")
    assert (row.lots, row.median, row.p90, row.outside, row.unit) == (1, 4, 4, 1, "working_days")
    assert [s.stage for s in report.outside] == ["certificate"] and lot.lot.id in report.lots
    assert dict(report.actors)[people.staff.id].startswith(people.staff.display_name)
    staff_only = read(session, people.supervisor, "2026-03", actor_id=people.staff.id)
    assert {s.stage for s in staff_only.spans} == {"certificate", "room", "evaluation"}
    assert {r.actor_id for r in staff_only.people} == {people.staff.id}
    assert [s.stage for s in read(session, people.supervisor, "2026-03", stage="method").spans] == ["method"]
    assert read(session, people.supervisor, "2026-03", trade_type="procurement").spans == []
    assert read(session, people.supervisor, "2026-02").spans == []


def test_the_month_is_checked_and_unknown_filters_are_ignored():
    for month in ("2026-13", "0000-01", "9999-12", "2026-3", "2026-03\x00", "２０２６-03"):
        with pytest.raises(DomainError) as refused:
            performance.check_filters(FIXED_NOW, month, None, None, None)
        assert refused.value.field == "month"
    found = performance.check_filters(FIXED_NOW, "", "harbour", "nap", "x1")
    assert found == performance.Filters("2026-03")


def test_only_the_supervisor_reads_it_and_reading_writes_nothing(session, lot):
    entries = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    for user in (lot.people.staff, lot.people.tenderee, lot.people.bidders[0]):
        with pytest.raises(Forbidden):
            read(session, user, "2026-03")
    read(session, lot.people.supervisor, "2026-03")
    assert not session.new and not session.dirty
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
