"""The demo's supervision case (issue 19): two single-source procurement packages awarded without a contract, one
past its 30 days (overdue on the supervisor's dashboard and an early warning, followed by a correction order to the
tenderee that is still open), the other due before today ends; walked through the services as in
``simulate.methods``. Created once, after the other demo lots (their ids stay as they were)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from ..domain import calendar, methods as rule_methods, schedule
from ..models import Lot
from ..services import announcements, corrections, negotiations, result
from . import lots as walk, methods

OVERDUE_DAYS = 36  # the first package was awarded this many days ago: its contract is 6 days overdue
ORDER_DAYS = 5  # the correction order asks for the contract within this many days of yesterday
ORDER_TEXT = ("该项目成交通知书发出已逾30日，采购人尚未与成交供应商签订政府采购合同。"
              "请于期限内签订合同并在平台登记公告，逾期未签订的，书面说明原因及拟采取的措施（政府采购法第四十六条）。")

def awarded_at(ctx, session, people: walk.Cast, sample_name: str, target: datetime) -> Lot:
    """The sample's single-source lot, walked from its filing to an award made at ``target`` (started as late as the
    method's windows allow), with no contract."""
    sample = walk.SAMPLES[sample_name]
    for days in range(5, 90):
        start = target - timedelta(days=days)
        deadline = schedule.propose("procurement", sample.method, start, ctx.rules).bid_deadline
        notice_end = result.period_end(deadline + timedelta(days=1), ctx.rules["procurement.result_period"])
        if notice_end + timedelta(hours=1) <= target:
            break
    lot = walk.create(ctx, session, people, start, sample_name)
    walk.advance(ctx, session, people, start, lot, "method_approved")
    announcements.publish(ctx, session, people.tenderee, start, lot, announcements.propose(ctx, lot, start))
    quoted = (lot.budget * Decimal("0.99")).quantize(Decimal("0.01"))
    walk.submit_bids(ctx, session, people, start + timedelta(hours=2), lot, [str(quoted)],
                     bidders=methods._bidders(people, sample.invited))
    opened_at = methods._open(ctx, session, people, lot)
    at = opened_at + timedelta(days=1)
    negotiations.conclude(ctx, session, people.tenderee, at, lot, rule_methods.Negotiation(
        negotiated_on=calendar.local_date(at), place="咸宁市公共资源交易中心谈判室2", negotiators="陈静、王磊、刘洋",
        cost_note="供应商提供了原厂维保的人工和备件成本构成，以及省内同型号设备维保合同的价格。",
        price=str((quoted * Decimal("0.96")).quantize(Decimal("0.01"))),
        justification="参照同类合同价格商定，含原厂维保、软件升级、备件和预防性维护。"))
    result.award(ctx, session, people.tenderee, target, lot, 1)
    session.flush()
    return lot


def contract_due_today(now: datetime) -> datetime:
    """When the second package's contract falls due: three hours from now, or earlier so that it stays today
    (Beijing time), but at least a minute from now."""
    end_of_today = calendar.start_of_local_day(calendar.add_days(calendar.local_date(now), 1))
    return max(now + timedelta(minutes=1), min(now + timedelta(hours=3), end_of_today - timedelta(minutes=1)))


def load(ctx, session, now: datetime) -> list[str]:
    """The two packages and the open correction order, once; one line per lot."""
    people = walk.cast(session)
    lines = []
    late = walk.existing(session, "procurement-late-contract")
    if late is None:
        late = awarded_at(ctx, session, people, "procurement-late-contract", now - timedelta(days=OVERDUE_DAYS))
        ordered_at = now - timedelta(days=1)
        warning = next(w for w in result.warnings(ctx, session, ordered_at)
                       if w.kind == "contract" and w.lot_id == late.id)
        row = corrections.take(ctx, session, people.supervisor, ordered_at, warning.key)
        corrections.issue(session, people.supervisor, ordered_at, row.id, "tenderee", ORDER_TEXT,
                          calendar.add_days(calendar.local_date(ordered_at), ORDER_DAYS))
    lines.append(f"  lot {late.id:<3} {'procurement':<13} {late.state:<16} {late.project.name}（合同逾期未签，整改中）")
    due = walk.existing(session, "procurement-contract-due")
    if due is None:
        contract_days = int(ctx.rules.value("procurement.contract_deadline"))
        due = awarded_at(ctx, session, people, "procurement-contract-due",
                         contract_due_today(now) - timedelta(days=contract_days))
    lines.append(f"  lot {due.id:<3} {'procurement':<13} {due.state:<16} {due.project.name}（合同今日到期）")
    return lines
