"""When a state property lot (企业国有产权转让, 32号令) may begin its formal disclosure (正式披露), and what it must
have done before: plain functions over plain values; each refusal names its field and rule.

- A transfer that changes control of the enterprise (实际控制权发生转移: ``property_terms["control_change"]``) is
  first pre-disclosed (信息预披露) on the platform, publicly, for at least ``property.pre_disclosure`` (20) working
  days: its formal disclosure (the listing's start) may not begin earlier (32号令 第十三条). A transfer that keeps
  control may pre-disclose too (the article's "可以"), and is then held to the same period.
- A transfer that has found no qualified buyer ``property.no_buyer_revalue`` (1 year, as 12 months) after its first
  formal disclosure is audited and valued again (重新审计、评估) before it is disclosed again (32号令 第十九条): the
  relisting records the new valuation's report number, who approved or filed it (核准/备案单位) and its date, which
  must fall after that first disclosure. The count restarts from the first disclosure under the new valuation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from . import calendar
from .errors import N_, DomainError
from .rules import RuleSet


def pre_disclosure_end(published_at: datetime, in_force: RuleSet) -> datetime:
    """The earliest moment the formal disclosure may begin after a pre-disclosure published at ``published_at``."""
    return calendar.earliest_deadline(published_at, in_force["property.pre_disclosure"])


def check_formal_start(in_force: RuleSet, *, control_change: bool, pre_published_at: datetime | None,
                       listing_start: datetime) -> None:
    """Refuse a formal disclosure starting at ``listing_start`` before its pre-disclosure has run its working days,
    or, for a change of control, without one."""
    rule = in_force["property.pre_disclosure"]
    if pre_published_at is None:
        if control_change:
            raise DomainError(N_("The transfer changes control of the enterprise: publish its pre-disclosure "
                                 "(信息预披露) first; the formal disclosure begins %(days)s working days after it."),
                              field="listing_start", rule=rule.id, days=rule.value)
        return
    calendar.check_min_period(pre_published_at, listing_start, rule, "listing_start")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    import calendar as months_calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months_calendar.monthrange(year, month)[1]))


def revaluation_from(first_disclosure: datetime, in_force: RuleSet) -> date:
    """The first local date on which a disclosure begun at ``first_disclosure`` has run more than its months: a
    relisting that begins on or after it needs a new valuation."""
    months = int(in_force.value("property.no_buyer_revalue")) * 12
    return calendar.add_days(add_months(calendar.local_date(first_disclosure), months), 1)


def revaluation_due(first_disclosure: datetime | None, disclosure_start: datetime, in_force: RuleSet) -> bool:
    """Whether a disclosure beginning at ``disclosure_start`` comes more than 12 months after the first formal
    disclosure under the current valuation (None: never disclosed)."""
    if first_disclosure is None:
        return False
    return calendar.local_date(disclosure_start) >= revaluation_from(first_disclosure, in_force)


@dataclass(frozen=True)
class Revaluation:
    """A new valuation, as typed: the valuation report's number (评估报告编号/备案号), who approved or filed it, its
    date."""

    number: str = ""
    body: str = ""
    on: date | None = None


def check_revaluation(in_force: RuleSet, data: Revaluation, *, first_disclosure: datetime) -> dict:
    """The new valuation's record to keep, or the first refusal naming its field and ``property.no_buyer_revalue``."""
    rule = in_force["property.no_buyer_revalue"]
    number, body = (data.number or "").strip()[:200], (data.body or "").strip()[:200]
    months = int(rule.value) * 12
    since = calendar.local_date(first_disclosure).isoformat()
    if len(number) < 4:
        raise DomainError(N_("No qualified buyer came forward within %(months)s months of the first disclosure "
                             "(%(since)s): the transfer is audited and valued again. Enter the new valuation "
                             "report's number."), field="revaluation_number", rule=rule.id, months=months,
                          since=since)
    if len(body) < 4:
        raise DomainError(N_("Enter who approved or filed the new valuation (核准或备案单位)."),
                          field="revaluation_body", rule=rule.id)
    if data.on is None or data.on <= calendar.local_date(first_disclosure):
        raise DomainError(N_("The new valuation is dated after the first disclosure (%(since)s)."),
                          field="revaluation_on", rule=rule.id, since=since)
    return {"number": number, "body": body, "on": data.on.isoformat()}


PRE_DISCLOSURE_TITLE = "{name}（信息预披露）"


def pre_disclosure_text(*, centre: str, transferor: str, name: str, deal_code: str, scope: str, location: str,
                        valuation: str, approval: str, note: str, published_on: str, formal_from: str,
                        rule_source: str, days: int, control_change: bool) -> tuple[str, str]:
    """The pre-disclosure's public title and text (Chinese, as the centre publishes it)."""
    lines = [
        f"{centre}受{transferor}委托，就下列企业国有产权转让项目进行信息预披露。"
        + ("本次转让将导致转让标的企业的实际控制权发生转移。" if control_change else ""),
        "",
        f"一、项目名称：{name}",
        f"二、统一交易编码：{deal_code or '（进场交易证明书出具后生成）'}",
        f"三、转让方：{transferor}",
        f"四、转让标的基本情况：{scope or '详见正式披露公告'}",
    ]
    if location:
        lines.append(f"    标的企业所在地：{location}")
    if valuation:
        lines.append(f"五、经核准或备案的评估结果：{valuation}")
    if approval:
        lines.append(f"六、转让行为批准情况：{approval}")
    lines += [
        "",
        f"本次信息预披露自{published_on}起不少于{days}个工作日，正式披露信息最早于{formal_from}开始（{rule_source}）。"
        "转让底价、受让方资格条件、交易保证金和竞价方式等以正式披露公告为准；预披露期间不接受意向受让方登记。",
    ]
    if note:
        lines += ["", f"转让方说明：{note}"]
    return PRE_DISCLOSURE_TITLE.format(name=name), "\n".join(lines).strip() + "\n"
