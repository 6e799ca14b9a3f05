"""Time limits the law sets for others after the evaluation, each watched by a supervisor's warning at its edge
(one second either side of the period's end): candidates published within 3 days of the report (条例 Art. 54);
for procurement the report in the purchaser's hands within 2 working days and the decision within 5 (采购条例
Art. 43), the contract published within 2 working days of its signing (采购条例 Art. 50); and at the contract the
performance bond (at most 10%, 条例 Art. 58 / 采购条例 Art. 48) and the overdue charge on a late procurement refund
(central bank rate + 20%, 87号令 Art. 38)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.services.test_evaluation import Scene
from trading.domain import calendar
from trading.domain.errors import DomainError
from trading.models import BankTransfer, Contract, Deposit
from trading.services import evaluation as room, result

SECOND = timedelta(seconds=1)


def reported(scene: Scene, *, confirm: bool = True):
    """The evaluation up to the chair's report, every member confirming it (``confirm``) at once."""
    scene.start()
    chair = scene.everyone_signs_and_elects()
    scene.mark_all()
    room.submit_report(scene.ctx, scene.session, scene.user(chair), scene.in_room, scene.evaluation)
    if confirm:
        for m in scene.members():
            room.confirm_report(scene.session, scene.user(m), scene.in_room, scene.evaluation)
    return scene.evaluation


def kinds(scene: Scene, at) -> dict[str, str]:
    """The lot's warnings at ``at``: kind -> rule."""
    return {w.kind: w.rule for w in result.warnings(scene.ctx, scene.session, at) if w.lot_id == scene.lot.id}


def end_of(start, days: int, working: bool):
    """The midnight (Beijing time) after the last day of a period of ``days`` from ``start``'s local date."""
    day = calendar.local_date(start)
    last = calendar.add_working_days(day, days) if working else calendar.add_days(day, days)
    return calendar.start_of_local_day(calendar.add_days(last, 1))


def test_candidates_published_on_the_third_day_after_the_report_are_in_time_on_the_fourth_late(app, session, now,
                                                                                                 tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    evaluation = reported(scene)
    due = end_of(evaluation.confirmed_at, 3, working=False)
    assert "publication" not in kinds(scene, due - SECOND)
    assert kinds(scene, due)["publication"] == "construction.publicity_publish"
    result.publish(scene.ctx, session, scene.people.staff, due, scene.lot)  # published on the fourth day: late
    assert kinds(scene, due + timedelta(days=1))["publication"] == "construction.publicity_publish"


def test_a_construction_lot_published_on_the_third_day_is_not_warned(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["38100000.00", "37650000.50", "36980000.00"])
    evaluation = reported(scene)
    due = end_of(evaluation.confirmed_at, 3, working=False)
    result.publish(scene.ctx, session, scene.people.staff, due - SECOND, scene.lot)
    assert "publication" not in kinds(scene, due + timedelta(days=10))


def test_the_procurement_report_reaches_the_purchaser_in_2_working_days_and_the_decision_comes_in_5(
        app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["4650000.00", "4598000.00", "4720000.00"], trade_type="procurement")
    evaluation = reported(scene, confirm=False)  # the chair submitted; the members have not confirmed
    due = end_of(evaluation.reported_at, 2, working=True)
    assert "report" not in kinds(scene, due - SECOND)
    assert kinds(scene, due)["report"] == "procurement.report_to_purchaser"
    for m in scene.members():  # confirmed in time after all (the warning was about the wait, and goes)
        room.confirm_report(session, scene.user(m), scene.in_room, evaluation)
    assert "report" not in kinds(scene, due)
    decision_due = end_of(evaluation.confirmed_at, 5, working=True)
    assert "publication" not in kinds(scene, decision_due - SECOND)
    assert kinds(scene, decision_due)["publication"] == "procurement.purchaser_decision"
    result.publish(scene.ctx, session, scene.people.tenderee, decision_due - SECOND, scene.lot)
    assert "publication" not in kinds(scene, decision_due + timedelta(days=3))


@pytest.fixture
def awarded(app, session, now, tmp_path):
    """A procurement package awarded at the end of its result notice; the winner's deposit still held."""
    scene = Scene(session, now, tmp_path, ["4650000.00", "4598000.00", "4720000.00"], trade_type="procurement")
    publicity = scene.to_publicity()
    scene.award = result.award(scene.ctx, session, scene.people.tenderee, publicity.ends_at, scene.lot, 1)
    return scene


def register(scene: Scene, at, **extra) -> Contract:
    signed = calendar.local_date(scene.award.issued_at)
    return result.register_contract(scene.ctx, scene.session, scene.people.tenderee, at, scene.lot,
                                    number="咸采合〔2026〕7号", signed_on=signed, amount=str(scene.award.price),
                                    **extra)


def test_a_performance_bond_of_ten_percent_is_taken_and_one_yuan_more_refused(session, awarded):
    at = calendar.start_of_local_day(calendar.local_date(awarded.award.issued_at)) + timedelta(hours=10)
    cap = awarded.award.price / 10  # 459,800.00 of 4,598,000.00
    with pytest.raises(DomainError) as refused:
        register(awarded, at, performance_bond=str(cap + 1))
    assert (refused.value.field, refused.value.rule) == ("performance_bond", "procurement.performance_bond_cap")
    assert "459,800.00" in str(refused.value)
    assert session.scalar(sa.select(sa.func.count(Contract.id))) == 0 and awarded.lot.state == "awarded"
    contract = register(awarded, at, performance_bond=str(cap))
    assert contract.performance_bond == Decimal("459800.00")


@pytest.mark.parametrize("late", [False, True])
def test_the_contract_is_published_within_2_working_days_of_its_signing(session, awarded, late):
    signed_at = calendar.start_of_local_day(calendar.local_date(awarded.award.issued_at))
    due = end_of(signed_at, 2, working=True)
    register(awarded, due if late else due - SECOND)
    warned = kinds(awarded, due + timedelta(days=1))
    assert (warned.get("contract_publication") == "procurement.contract_publication") is late


@pytest.mark.parametrize("late", [False, True])
def test_a_procurement_deposit_refunded_a_day_late_earns_the_central_bank_rate_plus_20_percent(session, awarded,
                                                                                               late):
    signed_at = calendar.start_of_local_day(calendar.local_date(awarded.award.issued_at))
    due = end_of(signed_at, 5, working=True)
    register(awarded, due if late else due - SECOND)
    winner = session.scalar(sa.select(Deposit).where(Deposit.lot_id == awarded.lot.id,
                                                     Deposit.bidder_id == awarded.award.bidder_id))
    assert winner.status == "refunded" and winner.refund_late is late
    working = winner.interest_working
    if not late:
        assert winner.late_interest == 0 and working["overdue_days"] == 0
        return
    # 90,000.00 x 4.35% x 1.2 = 5.22% a year, for one day: 90,000 x 0.0522 / 360 = 13.05
    assert (working["overdue_days"], working["central_bank_rate"], working["uplift_percent"]) == (1, "0.0435", "20")
    assert Decimal(working["late_rate"]) == Decimal("0.0522") and winner.late_interest == Decimal("13.05")
    assert working["late_rule"] == "procurement.late_refund_interest"
    charged = session.scalars(sa.select(BankTransfer).where(BankTransfer.kind == "interest",
                                                            BankTransfer.amount == Decimal("13.05"))).all()
    assert len(charged) == 1 and charged[0].memo == "逾期退还保证金资金占用费"


def test_a_procurement_contract_not_signed_in_time_is_warned_under_its_own_rule_with_the_lots_number(session, awarded):
    late = awarded.award.contract_due + SECOND
    warning = next(w for w in result.warnings(awarded.ctx, session, late)
                   if w.lot_id == awarded.lot.id and w.kind == "contract")
    assert warning.rule == "procurement.contract_deadline" and warning.params["days"] == 30
    assert warning.message % warning.params == "The contract was not signed within 30 days of the award notice."
    assert "contract" not in kinds(awarded, awarded.award.contract_due - SECOND)
