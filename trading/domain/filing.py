"""What a filing of trading conditions (交易条件备案) must carry, per trade type.

The documents are the ones the approving and supervising bodies ask for before a trade enters the centre
(宜昌: 发改立项批复 -> 招标办 -> 进场交易证明书); each kind has a code, a Chinese name and whether it is required.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import N_, DomainError


@dataclass(frozen=True)
class DocumentKind:
    """One kind of filed document."""

    code: str
    name_zh: str
    required: bool
    name_en: str = ""


_KINDS = {
    "construction": (
        DocumentKind("approval", "项目审批（核准、备案）文件", True,
                     "project approval (or ratification, record) document"),
        DocumentKind("funding", "资金来源及落实证明", True, "proof of the source of funds"),
        DocumentKind("tender_plan", "招标方案（招标范围、组织形式、招标方式）", True,
                     "tender plan (scope, organisation, method)"),
        DocumentKind("agency_contract", "招标代理委托合同", False, "tendering agency contract"),
    ),
    "procurement": (
        DocumentKind("budget", "政府采购预算批复或采购计划", True, "approved procurement budget or plan"),
        DocumentKind("requirements", "采购需求（技术、商务要求）", True,
                     "procurement requirements (technical and commercial)"),
        DocumentKind("agency_contract", "采购代理委托协议", False, "procurement agency agreement"),
    ),
    "land": (
        DocumentKind("transfer_plan", "国有建设用地使用权出让方案批复", True, "approval of the land transfer plan"),
        DocumentKind("planning", "规划条件及宗地图", True, "planning conditions and parcel map"),
        DocumentKind("valuation", "土地估价报告及底价集体决策记录", True,
                     "land valuation report and the collective decision on the reserve price"),
    ),
    "property": (
        DocumentKind("approval", "国有资产监督管理机构或主管部门批准文件", True,
                     "approval of the state assets authority or the competent department"),
        DocumentKind("valuation", "资产评估报告及核准（备案）表", True,
                     "asset valuation report and its approval (record) form"),
        DocumentKind("audit", "转让标的企业审计报告", True, "audit report of the company transferred"),
        DocumentKind("board", "转让方内部决策文件", False, "transferor's internal decision"),
    ),
}


def kinds(trade_type: str) -> tuple[DocumentKind, ...]:
    """The document kinds a filing of this trade type lists, required ones first."""
    return _KINDS[trade_type]


def check_kind(trade_type: str, kind: str, field: str = "kind") -> DocumentKind:
    """The kind with this code for the trade type, or a refusal."""
    for item in _KINDS[trade_type]:
        if item.code == kind:
            return item
    raise DomainError(N_("Choose what this document is."), field=field)


def missing(trade_type: str, filed_kinds: set[str]) -> list[DocumentKind]:
    """The required kinds not yet filed."""
    return [item for item in _KINDS[trade_type] if item.required and item.code not in filed_kinds]


def check_complete(trade_type: str, filed_kinds: set[str]) -> None:
    """Refuse a filing that lacks a required document, naming them all."""
    absent = missing(trade_type, filed_kinds)
    if absent:
        raise DomainError(N_("The filing lacks these documents: %(names)s."), field="documents",
                          rule="platform.entry_certificate", names="、".join(item.name_zh for item in absent))
