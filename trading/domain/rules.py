"""RULES.md as data: every legal number or condition the platform enforces, with its source.

A ``Rule`` carries its number (``value``, None for a condition without a number), its unit, the trade
types it governs, the Chinese citation and how sure we are of it (T statutory text checked, S secondary
summary, R recalled, P a policy of this platform rather than a legal text).
``stricter`` says which way a centre may move the number: "higher" for minimum
periods and counts, "lower" for caps and time limits ("within N days"); None means it cannot be moved.
Ratios are exact ``Fraction``s (2/3), percentages and money ``Decimal``, periods and counts ``int``.
The early-warning screens' thresholds are here too: for them "stricter" means "flags more lots".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .errors import N_, DomainError

UNITS = frozenset({"minutes", "days", "working_days", "percent", "count", "years", "ratio", "yuan", None})
_INTEGRAL_UNITS = frozenset({"minutes", "days", "working_days", "count", "years"})


@dataclass(frozen=True)
class Rule:
    """One legal rule: its number, unit, trade types, source and how sure we are of the source."""

    id: str
    title_zh: str
    title_en: str
    value: int | Decimal | Fraction | None
    unit: str | None
    trade_types: frozenset[str]
    source: str
    confidence: str
    stricter: str | None


@dataclass(frozen=True)
class TradeType:
    """A kind of public trade, with the name of the unit traded (标段, 包, 宗地, 标的)."""

    code: str
    name_zh: str
    name_en: str
    lot_unit_zh: str


TRADE_TYPES: dict[str, TradeType] = {
    t.code: t
    for t in (
        TradeType("construction", "建设工程", "construction tendering", "标段"),
        TradeType("procurement", "政府采购", "government procurement", "包"),
        TradeType("land", "土地使用权出让", "land use-right transfer", "宗地"),
        TradeType("property", "国有产权交易", "state property-rights trading", "标的"),
    )
}

C, P, L, PR = (frozenset({t}) for t in ("construction", "procurement", "land", "property"))
CP = C | P
ALL = C | P | L | PR

# Full names of the sources RULES.md abbreviates.
LAW = "招标投标法"
REG = "招标投标法实施条例"
EBID = "电子招标投标办法"
EVAL = "评标委员会和评标方法暂行规定"
GPL = "政府采购法"
GPR = "政府采购法实施条例"
O87 = "政府采购货物和服务招标投标管理办法（财政部令第87号）"
O39 = "招标拍卖挂牌出让国有建设用地使用权规定（国土资源部令第39号）"
O32 = "企业国有资产交易监督管理办法（国务院国资委、财政部令第32号）"
O16 = "必须招标的工程项目规定（国家发展改革委令第16号）"
O74 = "政府采购非招标采购方式管理办法（财政部令第74号）"
O94 = "政府采购质疑和投诉办法（财政部令第94号）"
CONSULT = "政府采购竞争性磋商采购方式管理暂行办法（财库〔2014〕214号）"
SCREEN = "Imhof 等，瑞士投标串通筛查（变异系数、相对距离）；依据 招标投标法实施条例 第四十条"
SCREEN_FENCES = ("Tukey 离群界限，与同类标段比较（同 DIFFP，Cardinal R024）；"
                 "Imhof、Karagök、Rutz 2018：以基准与多项筛查组合识别可疑标段；依据 招标投标法实施条例 第四十条")
BADONG = "巴东县公共资源交易“五统一”管理制度（19项）"
YICHANG = "宜昌市公共资源交易管理：招标办核发进场交易证明书"
DJCP = "GB/T 22239-2019 网络安全等级保护基本要求"
SHANTOU = "汕头市国有建设用地使用权网上交易暂行规则"
EXCHANGE = "产权交易机构企业国有产权转让操作规则及网络竞价实施办法（多次报价）"
EXCHANGE_SEALED = "产权交易机构网络竞价实施办法（一次报价：报价期内每个竞买人报价一次，期满统一揭示，价高者得）"
LAND34 = "国土资源部关于加强房地产用地供应和监管有关问题的通知（国土资发〔2010〕34号）"
QINZHOU = "钦州市2021年国有建设用地使用权网上挂牌出让公告（1小时自由竞价，其后5分钟倒计时）"
HI, LO, FIX = "higher", "lower", None
TWO_THIRDS = Fraction(2, 3)

_TABLE = (
    # id, value, unit, trade types, stricter, confidence, source, title_zh, title_en
    # -- construction tendering (建设工程) --
    ("construction.bid_window", 20, "days", C, HI, "T", f"{LAW} 第二十四条",
     "招标文件发出至投标截止不少于20日", "at least 20 days from issuing the documents to the bid deadline"),
    ("construction.document_sale_window", 5, "days", C, HI, "T", f"{REG} 第十六条",
     "招标文件发售期不少于5日", "documents on sale for at least 5 days"),
    ("construction.clarification", 15, "days", C, HI, "T", f"{LAW} 第二十三条；{REG} 第二十一条",
     "澄清修改在投标截止15日前发出，否则顺延", "changes 15 days before the deadline, else it moves"),
    ("construction.objection_documents", 10, "days", C, FIX, "T", f"{REG} 第二十二条",
     "对招标文件的异议在投标截止10日前提出", "objections to the documents 10 days before the deadline"),
    ("construction.objection_answer", 3, "days", C, LO, "T", f"{REG} 第二十二条",
     "收到异议之日起3日内答复", "objections to the documents answered within 3 days"),
    ("construction.objection_pause", None, None, C, FIX, "T", f"{REG} 第二十二条",
     "作出答复前暂停招标投标活动", "the process pauses until the objection is answered"),
    ("construction.bidders_confidential", None, None, C, FIX, "T", f"{LAW} 第二十二条",
     "开标前不得透露潜在投标人的名称、数量", "names and number of potential bidders secret before opening"),
    ("construction.deposit_cap", Decimal(2), "percent", C, LO, "T", f"{REG} 第二十六条",
     "投标保证金不得超过招标项目估算价的2%", "bid deposit at most 2% of the estimated price"),
    ("construction.deposit_validity", None, None, C, FIX, "T", f"{REG} 第二十六条",
     "投标保证金有效期与投标有效期一致", "the deposit is valid as long as the bid"),
    ("construction.deposit_refund_withdrawn", 5, "days", C, LO, "T", f"{REG} 第三十五条",
     "撤回投标的，自收到撤回通知起5日内退还保证金", "deposit refunded within 5 days of a withdrawal"),
    ("construction.termination_refund", None, None, C, FIX, "T", f"{REG} 第三十一条",
     "招标人终止招标的，应当及时退还所收取的投标保证金及银行同期存款利息",
     "the tender terminated: the deposits refunded at once with bank interest"),
    ("construction.deposit_refund", 5, "days", C, LO, "T", f"{REG} 第五十七条",
     "合同签订后5日内退还保证金及同期存款利息", "deposits refunded with interest 5 days after the contract"),
    ("construction.min_bids", 3, "count", C, HI, "T", f"{LAW} 第二十八条；{REG} 第四十四条",
     "投标人少于3个的，不得开标，应当重新招标", "fewer than 3 bids: not opened, re-tender"),
    ("construction.committee_size", 5, "count", C, HI, "T", f"{LAW} 第三十七条；{REG} 第四十六条",
     "评标委员会5人以上单数，从专家库随机抽取", "committee: odd, at least 5, drawn at random"),
    ("construction.committee_experts_share", TWO_THIRDS, "ratio", C, HI, "T", f"{LAW} 第三十七条",
     "技术、经济专家不少于成员总数的三分之二", "technical/economic experts at least 2/3"),
    ("construction.committee_secret", None, None, C, FIX, "T", f"{LAW} 第三十七条",
     "评标委员会成员名单在中标结果确定前保密", "committee list secret until the result is decided"),
    ("construction.expert_recusal", None, None, C, FIX, "S", f"{EVAL} 第十二条",
     "评标专家回避：近亲属、招标人或监管部门人员、利害关系、曾受处罚", "recusal of conflicted experts"),
    ("construction.max_candidates", 3, "count", C, LO, "T", f"{REG} 第五十三条",
     "中标候选人不超过3个，并标明排序", "at most 3 ranked candidates"),
    ("construction.publicity_publish", 3, "days", C, LO, "T", f"{REG} 第五十四条",
     "收到评标报告之日起3日内公示中标候选人", "candidates published within 3 days of the report"),
    ("construction.publicity_period", 3, "days", C, HI, "T", f"{REG} 第五十四条",
     "中标候选人公示期不得少于3日", "candidate publicity lasts at least 3 days"),
    ("construction.publicity_objection_answer", 3, "days", C, LO, "T", f"{REG} 第五十四条",
     "对评标结果的异议自收到之日起3日内答复", "objections to the result answered within 3 days"),
    ("construction.award_first_candidate", None, None, C, FIX, "T", f"{REG} 第五十五条",
     "国有资金控股或主导的项目，排名第一的候选人中标", "state-funded: award to the first candidate"),
    ("construction.contract_deadline", 30, "days", C, LO, "T", f"{LAW} 第四十六条",
     "自中标通知书发出之日起30日内订立书面合同", "contract within 30 days of the award notice"),
    ("construction.performance_bond_cap", Decimal(10), "percent", C, LO, "T", f"{REG} 第五十八条",
     "履约保证金不得超过中标合同金额的10%", "performance bond at most 10% of the contract price"),
    ("construction.abnormally_low_price", None, None, C, FIX, "S", f"{EVAL} 第二十一条",
     "报价明显偏低的须书面说明，不能合理说明的否决", "abnormally low price needs an explanation"),
    ("construction.collusion_same_preparer", None, None, C, FIX, "S", f"{REG} 第四十条",
     "不同投标人的投标文件由同一单位或者个人编制", "bids prepared by the same person deemed collusion"),
    ("construction.collusion_same_manager", None, None, C, FIX, "S", f"{REG} 第四十条",
     "不同投标人委托同一单位或者个人办理投标事宜", "the same agent or project manager for several bidders"),
    ("construction.collusion_alike_files", None, None, C, FIX, "T", f"{REG} 第四十条",
     "不同投标人的投标文件异常一致", "bid files abnormally alike deemed collusion"),
    ("construction.collusion_price_pattern", None, None, C, FIX, "T", f"{REG} 第四十条",
     "不同投标人的投标报价呈规律性差异", "prices in a regular pattern deemed collusion"),
    ("construction.collusion_mixed_files", None, None, C, FIX, "S", f"{REG} 第四十条",
     "不同投标人的投标文件相互混装", "bid files mixed up between bidders"),
    ("construction.collusion_same_account", None, None, C, FIX, "S", f"{REG} 第四十条",
     "不同投标人的投标保证金从同一单位或者个人的账户转出", "deposits paid from one account"),
    ("construction.must_tender_threshold", Decimal(4000000), "yuan", C, LO, "S", f"{O16} 第五条",
     "施工单项合同估算价400万元人民币以上的必须招标", "works of 4 million yuan or more must be tendered"),
    ("construction.methods", None, None, C, FIX, "R", f"{LAW} 第十条",
     "招标分为公开招标和邀请招标", "tendering is open or invited"),
    ("construction.invited_bidders", 3, "count", C, HI, "R", f"{LAW} 第十七条",
     "邀请招标的，应当向3个以上特定的法人或者其他组织发出投标邀请书",
     "invited tender: invitations to at least 3 named bidders"),
    # -- electronic bidding (电子招标投标办法); the platform seals every bid the same way --
    ("electronic.bid_deadline", None, None, ALL, FIX, "R", f"{LAW} 第二十八条；{REG} 第三十六条；{O87} 第三十三条",
     "投标截止时间后送达的投标文件，应当拒收", "a bid arriving after the deadline is refused"),
    ("electronic.encrypted_bids", None, None, ALL, FIX, "S", f"{EBID} 第二十六条至第二十七条",
     "投标文件应当加密；未加密的拒收，并出具回执", "bids must be encrypted; receipts issued"),
    ("electronic.no_early_decrypt", None, None, ALL, FIX, "S", f"{EBID} 第二十七条",
     "投标截止时间前任何单位和个人不得解密、提取投标文件", "no decryption before the deadline by anyone"),
    ("electronic.opening_at_deadline", None, None, ALL, FIX, "R", f"{EBID} 第二十九条至第三十条",
     "投标截止时在线开标、解密，公布投标人和报价", "online opening and decryption at the deadline"),
    ("electronic.decryption_failure", None, None, ALL, FIX, "S", f"{EBID} 第三十一条",
     "因投标人原因解密失败视为撤销投标，非投标人原因视为撤回", "decryption failure: revoked or withdrawn"),
    ("electronic.logs", None, None, ALL, FIX, "S", f"{EBID} 第四十九条",
     "记录各环节操作时间、操作人和地址，电子归档，不得篡改", "every step logged, archived, tamper-evident"),
    # -- government procurement (政府采购) --
    ("procurement.methods", None, None, P, FIX, "T", f"{GPL} 第二十六条",
     "公开招标、邀请招标、竞争性谈判、单一来源、询价，以及财政部规定的竞争性磋商", "the procurement methods"),
    ("procurement.inquiry_goods_only", None, None, P, FIX, "R", f"{GPL} 第三十二条",
     "询价仅适用于规格、标准统一、现货货源充足的货物", "inquiry only for standard goods"),
    ("procurement.tender_window", 20, "days", P, HI, "T", f"{GPL} 第三十五条",
     "招标文件发出至投标截止不少于20日", "open tender: at least 20 days to the deadline"),
    ("procurement.documents_window", 5, "working_days", P, HI, "R", f"{O87} 第十八条",
     "招标文件提供期限自公告发布之日起不少于5个工作日", "tender documents available for at least 5 working days"),
    ("procurement.invited_suppliers", 3, "count", P, HI, "R", f"{GPL} 第三十四条",
     "邀请招标的，应当从符合相应资格条件的供应商中选择3家以上并发出投标邀请书",
     "invited tender: invitations to at least 3 named suppliers"),
    ("procurement.min_suppliers", 3, "count", P, HI, "T", f"{GPL} 第三十六条",
     "符合条件的供应商不足3家的，应予废标", "fewer than 3 qualified suppliers: the tender fails"),
    ("procurement.deposit_cap", Decimal(2), "percent", P, LO, "T", f"{GPR} 第三十三条",
     "投标保证金不得超过采购项目预算金额的2%", "deposit at most 2% of the budget"),
    ("procurement.termination_refund", 5, "working_days", P, LO, "S", f"{O87} 第二十九条",
     "终止采购活动的，在终止后5个工作日内退还所收取的投标保证金及其在银行产生的孳息",
     "the procurement terminated: the deposits refunded within 5 working days with their interest"),
    ("procurement.deposit_refund", 5, "working_days", P, LO, "T", f"{GPR} 第三十三条",
     "中标通知书发出后5个工作日内退还未中标人保证金，合同签订后5个工作日内退还中标人",
     "deposits refunded within 5 working days (losers after the award, winner after the contract)"),
    ("procurement.late_refund_interest", Decimal(20), "percent", P, HI, "S", f"{O87} 第三十八条",
     "逾期退还的，按人民银行同期贷款基准利率上浮20%付息", "late refund: central bank rate + 20%"),
    ("procurement.evaluation_methods", None, None, P, FIX, "T", f"{GPR} 第三十四条",
     "最低评标价法（标准商品、通用服务必用）或综合评分法", "lowest evaluated price or comprehensive scoring"),
    ("procurement.price_weight_goods", Decimal(30), "percent", P, HI, "S", f"{O87} 第五十五条",
     "货物项目价格分值占总分值的比重不得低于30%", "goods: price weight at least 30%"),
    ("procurement.price_weight_services", Decimal(10), "percent", P, HI, "S", f"{O87} 第五十五条",
     "服务项目价格分值占总分值的比重不得低于10%", "services: price weight at least 10%"),
    ("procurement.price_score_formula", None, None, P, FIX, "S", f"{O87} 第五十五条",
     "价格分 = 评标基准价 / 投标报价 × 价格权值 × 100", "price score = lowest / bid x weight x 100"),
    ("procurement.committee_size", 5, "count", P, HI, "S", f"{O87} 第四十七条",
     "评标委员会成员为5人以上单数", "committee of an odd number, at least 5"),
    ("procurement.committee_experts_share", TWO_THIRDS, "ratio", P, HI, "S", f"{O87} 第四十七条",
     "评审专家不得少于成员总数的三分之二", "experts at least 2/3 of the committee"),
    ("procurement.committee_large_size", 7, "count", P, HI, "S", f"{O87} 第四十七条",
     "预算1000万元以上且技术复杂的，评标委员会7人以上单数", "large and complex: committee of at least 7"),
    ("procurement.committee_large_budget", Decimal(10000000), "yuan", P, LO, "S", f"{O87} 第四十七条",
     "需7人以上评标委员会的预算金额门槛", "budget from which the 7-member committee applies"),
    ("procurement.group_size", 3, "count", P, HI, "T", f"{GPL} 第三十八条、第四十条",
     "谈判小组、询价小组由3人以上单数组成", "negotiation/inquiry group of an odd number, at least 3"),
    ("procurement.group_experts_share", TWO_THIRDS, "ratio", P, HI, "T", f"{GPL} 第三十八条、第四十条",
     "专家人数不得少于成员总数的三分之二", "experts at least 2/3 of the group"),
    ("procurement.group_min_suppliers", 3, "count", P, HI, "T", f"{GPL} 第三十八条、第四十条",
     "从符合条件的供应商中确定不少于3家参加谈判或询价", "at least 3 suppliers negotiate or quote"),
    ("procurement.consultation_window", 10, "days", P, HI, "S", CONSULT,
     "磋商文件发出至提交首次响应文件截止不少于10日", "consultation: at least 10 days to the deadline"),
    ("procurement.consultation_clarification", 5, "days", P, HI, "S", CONSULT,
     "澄清修改在首次响应文件截止5日前通知", "consultation: changes 5 days before the deadline"),
    ("procurement.consultation_documents_window", 5, "working_days", P, HI, "R", f"{CONSULT} 第十条",
     "磋商文件的发售期限自开始之日起不少于5个工作日", "consultation documents available for at least 5 working days"),
    ("procurement.consultation_group_size", 3, "count", P, HI, "R", f"{CONSULT} 第十四条",
     "磋商小组由采购人代表和评审专家共3人以上单数组成", "consultation group of an odd number, at least 3"),
    ("procurement.consultation_experts_share", TWO_THIRDS, "ratio", P, HI, "R", f"{CONSULT} 第十四条",
     "评审专家人数不得少于磋商小组成员总数的三分之二", "experts at least 2/3 of the consultation group"),
    ("procurement.consultation_min_suppliers", 3, "count", P, HI, "R", f"{CONSULT} 第六条",
     "不少于3家符合相应资格条件的供应商参与竞争性磋商", "at least 3 suppliers take part in a consultation"),
    ("procurement.negotiation_window", 3, "working_days", P, HI, "S", f"{O74} 第二十九条",
     "谈判文件发出至首次响应截止不少于3个工作日", "negotiation: 3 working days to the deadline"),
    ("procurement.inquiry_window", 3, "working_days", P, HI, "R", f"{O74} 第四十五条",
     "询价通知书发出至响应文件提交截止不少于3个工作日", "inquiry: 3 working days to the deadline"),
    ("procurement.single_source_publicity", 5, "working_days", P, HI, "R", f"{GPR} 第三十八条",
     "单一来源采购的项目信息和唯一供应商名称公示不少于5个工作日",
     "single source: the project and its one supplier published for at least 5 working days"),
    ("procurement.single_source_supplier", 1, "count", P, FIX, "R", f"{GPL} 第三十一条",
     "单一来源采购只向唯一的供应商采购", "single source: exactly one named supplier"),
    ("procurement.single_source_record", None, None, P, FIX, "R", f"{O74} 第四十二条",
     "单一来源采购人员编写协商情况记录：协商日期和地点、采购人员名单、供应商的成本和同类项目合同价格说明、"
     "合同主要条款及价格商定情况",
     "single source: a record of the negotiation (date, place, negotiators, the supplier's costs and comparable "
     "prices, the terms and the price agreed)"),
    ("procurement.single_source_price", None, None, P, FIX, "R", f"{GPL} 第三十九条",
     "在保证质量和双方商定合理价格的基础上采购；商定的成交价不高于供应商的报价和采购预算",
     "single source: a reasonable price agreed, justified, not above the supplier's quotation or the budget"),
    ("procurement.report_to_purchaser", 2, "working_days", P, LO, "T", f"{GPR} 第四十三条",
     "评审结束后2个工作日内将评审报告送交采购人", "report to the purchaser within 2 working days"),
    ("procurement.purchaser_decision", 5, "working_days", P, LO, "T", f"{GPR} 第四十三条",
     "采购人收到评审报告后5个工作日内确定中标、成交供应商", "purchaser decides within 5 working days"),
    ("procurement.result_publication", 2, "working_days", P, LO, "T", f"{GPR} 第四十三条",
     "确定后2个工作日内公告中标、成交结果", "result published within 2 working days"),
    ("procurement.result_period", 1, "working_days", P, HI, "S", f"{O87} 第六十九条",
     "中标、成交结果公告期限为1个工作日", "the result notice stays published for 1 working day"),
    ("procurement.contract_deadline", 30, "days", P, LO, "T", f"{GPL} 第四十六条",
     "中标、成交通知书发出之日起30日内签订合同", "contract within 30 days of the award notice"),
    ("procurement.contract_publication", 2, "working_days", P, LO, "T", f"{GPR} 第五十条",
     "合同签订之日起2个工作日内公告", "contract published within 2 working days"),
    ("procurement.performance_bond_cap", Decimal(10), "percent", P, LO, "R", f"{GPR} 第四十八条",
     "履约保证金的数额不得超过政府采购合同金额的10%", "performance bond at most 10% of the contract price"),
    ("procurement.files_kept", 15, "years", P, HI, "T", f"{GPL} 第四十二条",
     "采购文件自采购结束之日起至少保存15年", "files kept at least 15 years"),
    ("procurement.recusal_years", 3, "years", P, HI, "T", f"{GPR} 第九条",
     "前3年内与供应商存在劳动关系、担任董事监事或控股，或为其法定代表人近亲属的，应当回避",
     "recusal: worked for, directed or controlled the supplier in the last 3 years, or kin"),
    # -- land use rights (土地招拍挂) --
    ("land.methods", None, None, L, FIX, "R", f"{O39} 第四条",
     "经营性用地以招标、拍卖或者挂牌方式出让", "land is sold by tender, auction or listing"),
    ("land.announcement_period", 20, "days", L, HI, "R", f"{O39} 第八条",
     "出让公告在招标、拍卖、挂牌开始日前至少20日发布", "announcement at least 20 days before the start"),
    ("land.listing_period", 10, "working_days", L, HI, "R", f"{O39} 第十九条",
     "挂牌时间不得少于10个工作日（另有文本作10日，取较严格者）", "listing for at least 10 working days"),
    ("land.listing_end", None, None, L, FIX, "S", f"{O39} 第十九条至第二十条",
     "挂牌截止时仍有竞买人要求报价的，现场竞价；只有一个报价且不低于底价的成交；否则不成交",
     "end of listing: on-site auction if contested; one offer at reserve sells; else no deal"),
    ("land.reserve_price", None, None, L, FIX, "R", O39,
     "底价在出让结束前保密；最高报价低于底价的不成交", "secret reserve price; below it there is no sale"),
    ("land.increments", None, None, L, FIX, "R", O39,
     "增价幅度由公告确定，报价须按幅度高于最高报价", "offers on the increment grid above the highest"),
    ("land.equal_offers", None, None, L, FIX, "S", f"{O39} 第十九条",
     "挂牌截止时报价相同的，先提交报价单者为竞得人", "equal offers at the end of listing: the earliest wins"),
    ("land.online_bidding", None, None, L, FIX, "S", f"{SHANTOU} 第十九条至第二十四条；{QINZHOU}",
     "挂牌期内有效报价的竞买人可参加网上限时竞价，自最高挂牌报价起，每次报价后倒计时重新开始，倒计时内无报价即结束",
     "bidders with a valid listing offer may join the online time-limited bidding, from the highest listed offer; "
     "each offer restarts the countdown; it ends when a countdown runs out"),
    ("land.confirmation_window", 5, "minutes", L, HI, "S", f"{SHANTOU} 第十九条至第二十四条",
     "挂牌截止后，有效报价的竞买人须在规定时间内确认参加限时竞价", "after the listing ends, bidders confirm they "
     "join the time-limited bidding within this window"),
    ("land.countdown", 5, "minutes", L, HI, "S", f"{SHANTOU} 第十九条至第二十四条；{QINZHOU}",
     "限时竞价每次报价后倒计时重新计算，倒计时结束无新报价的竞价结束", "the bidding's countdown, restarted by "
     "each offer; it ends when the countdown runs out with no offer"),
    ("land.reserve_lead", 30, "minutes", L, HI, "S", f"{SHANTOU} 第二十条",
     "底价在挂牌截止前（至迟30分钟前）由出让人在监管下录入并密封", "the reserve price is entered and sealed at "
     "the latest this long before the end of the listing"),
    ("land.own_highest", None, None, L, FIX, "P", "平台网上交易规则（竞买人不得对自己的最高报价加价）",
     "当前最高报价的竞买人不得再次报价", "the holder of the highest offer may not raise it itself"),
    ("land.paddle_numbers", None, None, L, FIX, "R", f"{SHANTOU}；各地网上交易规则",
     "竞买人以竞买号参加竞买，成交前不公开竞买人名称", "bidders take part by paddle number; their "
     "names are not disclosed before the deal"),
    ("land.deposit_refund", 5, "working_days", L, LO, "S", f"{O39} 第二十一条",
     "其他竞买人的竞买保证金在招标拍卖挂牌活动结束后5个工作日内退还，不计利息", "deposits of the unsuccessful refunded "
     "within 5 working days after the trade ends, without interest"),
    ("land.deposit_to_price", None, None, L, FIX, "R", f"{O39} 第二十一条",
     "竞得人的竞买保证金抵作土地出让价款", "the winner's deposit becomes part of the price"),
    ("land.contract_deadline", 10, "working_days", L, LO, "R",
     f"{O39} 第二十一条（按成交确认书约定的时间签订出让合同）；{LAND34} 第三条（成交后10个工作日内签订出让合同）",
     "竞得人在成交确认书签订后10个工作日内与出让人签订国有建设用地使用权出让合同",
     "the winner signs the land contract with the land authority within 10 working days of the deal"),
    ("land.contract_refused", None, None, L, FIX, "R",
     f"{O39} 第二十条（竞买保证金转作定金；竞得人放弃竞得宗地的，依法承担责任）；"
     "各地出让公告（竞得人拒绝或逾期签订出让合同的，竞得结果无效，竞买保证金不予退还）",
     "竞得人拒绝或逾期签订出让合同的，竞得结果无效，竞买保证金不予退还，记入信用记录",
     "a winner who refuses, or fails in time, to sign the land contract loses the result and its deposit, and it "
     "is a credit event"),
    ("land.first_payment", Decimal(50), "percent", L, HI, "S", LAND34,
     "出让合同签订后1个月内缴纳不低于全部出让价款50%的首付款",
     "at least 50% of the land price paid within one month of signing the land contract"),
    ("land.payment_term", 1, "years", L, LO, "S", LAND34,
     "余款按合同约定缴纳，最迟付款时间不超过出让合同签订后1年",
     "the rest of the land price paid as the contract agrees, within one year of signing at the latest"),
    # -- state property rights (企业国有产权交易) --
    ("property.methods", None, None, PR, FIX, "R", O32,
     "产权转让原则上通过产权市场公开挂牌进行，符合条件的可以协议转让", "listing, or transfer by agreement"),
    ("property.disclosure", 20, "working_days", PR, HI, "S", f"{O32} 第十三条",
     "正式披露信息时间不得少于20个工作日", "formal disclosure for at least 20 working days"),
    ("property.pre_disclosure", 20, "working_days", PR, HI, "S", f"{O32} 第十三条",
     "实际控制权转移的，信息预披露不少于20个工作日", "change of control: pre-disclosure 20 working days"),
    ("property.listing_price_floor", Decimal(100), "percent", PR, HI, "R", f"{O32} 第十八条",
     "转让底价不得低于经核准或备案的评估结果", "listing price at least the approved valuation"),
    ("property.relist_approval", Decimal(90), "percent", PR, HI, "R", f"{O32} 第十八条",
     "新的转让底价低于评估结果的90%时，应当经转让行为批准单位书面同意", "relisting below 90% needs approval"),
    ("property.competitive_bidding", 2, "count", PR, FIX, "S", O32,
     "产生两个及以上符合条件的意向受让方的，采取拍卖、招投标、网络竞价等方式竞价",
     "two or more qualified buyers: competitive bidding"),
    ("property.result_publicity", 5, "working_days", PR, HI, "S", O32,
     "交易结果公告期不少于5个工作日", "result publicity for at least 5 working days"),
    ("property.instalment_upfront", Decimal(30), "percent", PR, HI, "R", f"{O32} 第二十八条",
     "分期付款的，首期付款不得低于总价款的30%", "instalments: at least 30% up front"),
    ("property.instalment_term", 1, "years", PR, LO, "R", f"{O32} 第二十八条",
     "其余款项付款期限不超过1年", "instalments: the rest within 1 year"),
    ("property.no_buyer_revalue", 1, "years", PR, LO, "S", f"{O32} 第十九条",
     "自首次正式披露起超过12个月未征集到合格受让方的，重新审计、评估", "no buyer after 12 months: re-value"),
    ("property.qualification", None, None, PR, FIX, "R", f"{O32}；{EXCHANGE}",
     "产权交易机构对意向受让方登记并审核其是否符合受让条件；交纳保证金后方可参与交易",
     "the centre registers intending buyers and checks them against the conditions; a deposit first"),
    ("property.paddle_numbers", None, None, PR, FIX, "R", f"{EXCHANGE}；各地网上交易规则",
     "意向受让方以竞买号参加竞价，成交前不公开意向受让方的名称和数量", "buyers take part by paddle number; "
     "their names and number are not disclosed before the deal"),
    ("property.agreement_price", None, None, PR, FIX, "S", f"{O32}；{EXCHANGE}",
     "信息披露期满只产生一个符合条件的意向受让方的，以不低于挂牌价的价格协议成交",
     "one qualified buyer at the end of the disclosure: a deal by agreement at no less than the listing price"),
    ("property.increments", None, None, PR, FIX, "S", EXCHANGE,
     "网络竞价首次报价不低于挂牌价，此后按加价幅度高于当前最高报价", "online bidding from the listing price, "
     "then on the increment grid above the highest"),
    ("property.bidding_notice", 30, "minutes", PR, HI, "P", "平台网络竞价安排（资格确认后通知竞买人竞价开始时间）",
     "产生两个及以上符合条件的意向受让方的，网络竞价在信息披露期满（或最后一个资格确认）后此时长开始",
     "the online bidding opens this long after the disclosure ends (or the last buyer is qualified)"),
    ("property.countdown", 5, "minutes", PR, HI, "S", EXCHANGE,
     "网络竞价（多次报价）每次有效报价后限时报价周期重新计算，周期内无新报价的竞价结束",
     "the multi-round online bidding's countdown, restarted by each offer; it ends when a countdown runs out"),
    ("property.bidding_form", None, None, PR, FIX, "S", f"{O32}；{EXCHANGE_SEALED}；{EXCHANGE}",
     "信息披露公告载明竞价方式：网络竞价（多次报价）或一次报价（密封报价）", "the disclosure states the bidding "
     "form: multi-round online bidding or one sealed round"),
    ("property.sealed_round", None, None, PR, FIX, "R", f"{EXCHANGE_SEALED}；{EBID} 第二十六条至第二十七条",
     "一次报价：每个符合条件的意向受让方在报价期内提交一次加密报价，提交后不得修改或撤回，报价期满统一开启",
     "one sealed round: each qualified buyer submits one encrypted price within the period, neither replaced nor "
     "withdrawn; all are opened together after the deadline"),
    ("property.sealed_period", 1, "working_days", PR, HI, "P",
     "平台设置：一次报价期自信息披露期满（或最后一个资格确认）起至其后第1个工作日17:00（交易中心可延长）",
     "一次报价的报价期：自转入一次报价起，至其后第N个工作日17:00截止", "the sealed round closes at 17:00 on the "
     "Nth working day after it opens"),
    ("property.sealed_price_floor", None, None, PR, FIX, "R", f"{O32} 第十八条；{EXCHANGE_SEALED}",
     "低于挂牌价（转让底价）的报价为无效报价；无有效报价的不成交", "a sealed price below the listing price is "
     "invalid; without a valid price there is no deal"),
    ("property.sealed_equal_prices", None, None, PR, FIX, "P",
     f"平台规则：价格优先、时间优先（比照 {O39} 第十九条 同价先报者得）",
     "最高有效报价相同的，以报价提交（回执记载的接收时间）在先者为受让方",
     "equal highest sealed prices: the one received first (the time on its receipt) wins"),
    ("property.own_highest", None, None, PR, FIX, "P", "平台网上交易规则（竞买人不得对自己的最高报价加价）",
     "当前最高报价的竞买人不得再次报价", "the holder of the highest offer may not raise it itself"),
    ("property.deposit_to_price", None, None, PR, FIX, "R", EXCHANGE,
     "受让方交纳的交易保证金转为交易价款", "the buyer's deposit becomes part of the price"),
    ("property.deposit_refund", 5, "working_days", PR, LO, "R", EXCHANGE,
     "未成交意向受让方的保证金在交易结束后5个工作日内原路退还", "deposits of the other buyers refunded within 5 "
     "working days after the trade ends"),
    ("property.settlement", None, None, PR, FIX, "R", f"{O32} 第二十七条",
     "交易价款应当以人民币计价，通过产权交易机构以货币进行结算；因特殊情况不能通过产权交易机构结算的，转让方应当向产权"
     "交易机构提供转让行为批准单位的书面意见以及受让方付款凭证",
     "the price is settled in money through the exchange; where it cannot be, the transferor gives the exchange the "
     "approving body's written opinion and the buyer's payment voucher"),
    ("property.payment_days", 5, "working_days", PR, LO, "R", f"{O32} 第二十八条",
     "交易价款原则上自合同生效之日起5个工作日内一次付清；分期付款的首期款亦在5个工作日内支付",
     "the price is paid in one sum within 5 working days of the contract (instalments: the first one)"),
    ("property.instalment_guarantee", None, None, PR, FIX, "R", f"{O32} 第二十八条",
     "分期付款的，其余款项应当提供转让方认可的合法有效担保，并按同期银行贷款利率支付延期付款期间的利息",
     "instalments: the rest is secured by a guarantee the transferor accepts and bears interest at the bank "
     "lending rate"),
    ("property.lease_term", 20, "years", PR, LO, "T", "中华人民共和国民法典 第七百零五条",
     "租赁期限不得超过二十年", "a lease runs at most 20 years"),
    ("property.collective_resolution", None, None, PR, FIX, "R", "中华人民共和国村民委员会组织法 第二十四条",
     "以租赁等方式处分村集体财产，须经村民会议（或村民代表会议）讨论决定", "leasing a village's collective "
     "assets needs the villagers' (representatives') assembly's decision"),
    # -- early-warning screens (预警), supervision module --
    ("screen.min_bids", 3, "count", CP, LO, "S", SCREEN,
     "有效投标少于3个时不做价格筛查", "price screens skipped below 3 valid bids"),
    ("screen.cv_threshold", Decimal("0.06"), "ratio", CP, HI, "S", SCREEN,
     "报价变异系数（标准差/均值）低于0.06（提契诺案约0.03）", "coefficient of variation below 0.06"),
    ("screen.rd_threshold", Decimal(1), "ratio", CP, LO, "S", SCREEN,
     "相对距离 (b2-b1)/sd(b2..bn) 高于1预警", "relative distance above 1"),
    ("screen.diffp_iqr_factor", Decimal("1.5"), "ratio", CP, LO, "S",
     "开放合同伙伴关系 Cardinal 红旗指标；依据 招标投标法实施条例 第四十条",
     "最低两价差 (b2-b1)/b1 超出同类标段 Q1-1.5IQR / Q3+1.5IQR 预警", "DIFFP outside the IQR fences"),
    ("screen.fence_iqr_factor", Decimal("1.5"), "ratio", CP, LO, "P", SCREEN_FENCES,
     "变异系数低于0.06且低于同类标段对数变异系数的 Q1-1.5IQR、"
     "相对距离高于1且高于同类标段对数相对距离的 Q3+1.5IQR 时预警",
     "CV and RD signal only past their benchmark and outside the log-scale IQR fences of lots of the same kind"),
    ("screen.fence_min_lots", 8, "count", CP, LO, "P", SCREEN_FENCES,
     "同类标段少于8个时不计算离群界限（只列示指标，不预警）",
     "fences need at least 8 earlier lots of the same kind (until then the figures are shown, not signalled)"),
    ("screen.pattern_tolerance", Decimal(2), "percent", CP, HI, "S", f"{REG} 第四十条",
     "相邻报价差额或比值相差不超过2%（等差或等比数列）预警", "successive gaps or ratios within 2%"),
    ("screen.identical_prices", None, None, CP, FIX, "S", f"{REG} 第四十条第四项",
     "两个以上投标人报价完全相同而其他投标人报价不同（投标报价异常一致）",
     "two or more bidders at one price, others not"),
    ("screen.shared_device", None, None, ALL, FIX, "S", f"{REG} 第四十条",
     "多个投标人使用同一设备指纹或网络地址上传", "one device or address for several bidders"),
    ("screen.shared_account", None, None, ALL, FIX, "S", f"{REG} 第四十条",
     "多个投标人的保证金从同一账户支付", "one paying account for several deposits"),
    ("screen.identical_documents", None, None, ALL, FIX, "S", f"{REG} 第四十条",
     "不同投标人的文件哈希相同", "identical document hashes"),
    ("screen.document_metadata", None, None, ALL, FIX, "S", f"{REG} 第四十条第一项",
     "不同投标人的投标文件作者和编制软件相同（投标文件由同一单位或者个人编制）",
     "the same author and creating software in several bidders' documents"),
    ("screen.shared_people", None, None, ALL, FIX, "S", f"{REG} 第四十条",
     "同一人员出现在多个投标人的文件中", "the same people listed by several bidders"),
    ("screen.all_but_winner_disqualified", None, None, ALL, FIX, "S", f"{REG} 第四十条",
     "除中标人外其他投标均被否决", "every bid but the winner's disqualified"),
    ("screen.rotation_min_lots", 3, "count", CP, LO, "P", f"{REG} 第三十九条",
     "同一组投标人在至少3个标段中相遇、轮流中标预警", "rotation: a group meeting in at least 3 lots, winning in turn"),
    ("screen.cover_min_losses", 3, "count", CP, LO, "P", f"{REG} 第三十九条",
     "同一投标人至少3次输给同一中标人且从未中标预警", "cover bidding: 3 losses to one winner, never a win"),
    ("screen.suppression_min_lots", 3, "count", CP, LO, "P", f"{REG} 第三十九条第二项",
     "同一投标人至少3次报名后未投标、均由同一投标人中标且自身从未中标，本标段又报名未投标而该人投标的，预警"
     "（投标人之间约定部分投标人放弃投标）",
     "bid suppression: signed up and did not bid in 3 lots the same bidder won, never won, and stood back here"),
    # -- complaints (投诉) to the supervisor --
    ("construction.complaint_window", 10, "days", C, FIX, "T", f"{REG} 第六十条",
     "自知道或者应当知道之日起10日内投诉；依法应先提出异议的，异议答复期间不计算在内",
     "complaint within 10 days of knowing (after the objection where one is required)"),
    ("construction.complaint_acceptance", 3, "working_days", C, LO, "T", f"{REG} 第六十一条",
     "收到投诉之日起3个工作日内决定是否受理", "complaint accepted or refused within 3 working days"),
    ("construction.complaint_decision", 30, "working_days", C, LO, "T", f"{REG} 第六十一条",
     "受理投诉之日起30个工作日内作出书面处理决定", "complaint decided within 30 working days of acceptance"),
    ("construction.complaint_suspension", None, None, C, FIX, "T", f"{REG} 第六十二条",
     "处理投诉期间，行政监督部门可以责令暂停招标投标活动", "the supervisor may suspend the trading meanwhile"),
    # -- questions (质疑) and complaints (投诉) in government procurement --
    ("procurement.question_window", 7, "working_days", P, FIX, "T", f"{GPL} 第五十二条；{O94} 第十条",
     "供应商知道或者应知其权益受到损害之日起7个工作日内，以书面形式向采购人、采购代理机构提出质疑",
     "a supplier questions the purchaser within 7 working days of knowing"),
    ("procurement.question_answer", 7, "working_days", P, LO, "T", f"{GPL} 第五十三条；{O94} 第十三条",
     "采购人、采购代理机构应当在收到质疑后7个工作日内作出答复", "the purchaser answers within 7 working days"),
    ("procurement.complaint_window", 15, "working_days", P, FIX, "T", f"{GPL} 第五十五条；{O94} 第十七条",
     "质疑供应商对答复不满意或者未在规定时间内答复的，可以在答复期满后15个工作日内向财政部门投诉；投诉前应当先质疑",
     "complaint within 15 working days after the answer period, only after a question"),
    ("procurement.complaint_acceptance", 5, "working_days", P, LO, "T", f"{O94} 第二十一条",
     "财政部门收到投诉书后5个工作日内审查，决定是否受理", "complaint accepted or refused within 5 working days"),
    ("procurement.complaint_decision", 30, "working_days", P, LO, "T", f"{GPL} 第五十六条",
     "收到投诉后30个工作日内作出处理决定", "complaint decided within 30 working days"),
    ("procurement.complaint_suspension", 30, "days", P, LO, "T", f"{GPL} 第五十七条",
     "处理投诉期间可以书面通知采购人暂停采购活动，暂停时间最长不得超过30日",
     "the supervisor may suspend the procurement meanwhile, for at most 30 days"),
    # -- credit records and the blacklist (信用, 行业自律), supervision module --
    ("credit.withdrawal_after_deadline", None, None, CP, FIX, "S", f"{REG} 第三十五条",
     "投标截止后撤销投标文件的，可以不退还投标保证金，记入信用记录", "withdrawal after the deadline: a credit event"),
    ("credit.refused_contract", None, None, CP, FIX, "S", f"{REG} 第七十四条",
     "中标人无正当理由不与招标人订立合同的，取消其中标资格，记入信用记录", "refusing the contract: a credit event"),
    ("credit.false_materials", None, None, ALL, FIX, "S", f"{REG} 第六十八条",
     "以他人名义投标或者弄虚作假骗取中标的，取消1年至3年投标资格", "false materials: barred for 1 to 3 years"),
    ("credit.collusion_bar", None, None, ALL, FIX, "S", f"{REG} 第六十七条",
     "串通投标情节严重的，取消1年至2年投标资格", "collusion: barred for 1 to 2 years"),
    ("credit.agency_misconduct", None, None, CP, FIX, "S", f"{REG} 第六十五条",
     "招标代理机构违法泄密或与投标人串通的，记入信用记录", "an agency's misconduct: a credit event"),
    ("credit.expert_misconduct", None, None, ALL, FIX, "S", f"{REG} 第七十二条",
     "评标委员会成员违法的，取消担任评标委员会成员的资格", "an expert's misconduct: removed from evaluations"),
    ("credit.blacklist_period", 3, "years", ALL, LO, "S", f"{REG} 第六十七条、第六十八条",
     "失信名单期限最长3年", "a blacklist period lasts at most 3 years"),
    ("credit.integrity_pledge", None, None, ALL, FIX, "P",
     f"平台诚信管理（行业自律）：每次报名签署诚信承诺书；承诺内容依据 {LAW} 第三十二条、第三十三条，"
     f"{REG} 第四十条、第六十七条、第六十八条",
     "每次报名须签署诚信承诺书：不串通投标、不提供虚假材料、接受信用惩戒",
     "each sign-up needs the integrity pledge: no collusion, no false materials, credit consequences accepted"),
    # -- public reports (举报), supervision module --
    ("report.public", None, None, ALL, FIX, "R", f"{GPL} 第七十条；参照 {REG} 第六十条至第六十二条（投诉）",
     "任何单位和个人可以举报交易活动中的违法行为，无需登录，凭受理编号和查询码查询处理结果；举报不设法定时限",
     "anyone may report wrongdoing without logging in and follow it by its number and token; a report has no "
     "statutory time limit"),
    ("report.acceptance", 5, "working_days", ALL, LO, "P", "中心设置：举报受理期限（非法定时限）",
     "收到举报之日起5个工作日内决定是否受理（中心设置）",
     "a report is accepted or declined within 5 working days (a centre setting, not the law's)"),
    ("report.throttle", None, None, ALL, FIX, "P", "平台安全策略：匿名表单限流（TRADING_REPORT_RATE_LIMIT）",
     "同一地址提交举报达到限值的，暂停该地址提交；查询码连续查询失败的，暂停查询",
     "too many reports, or too many wrong tokens, from one address are refused for a while"),
    # -- the platform's own procedure (五统一) --
    ("platform.five_stages", None, None, ALL, FIX, "S", BADONG,
     "备案、核准、流程监管、结果确认、后续管理五环节依次进行", "the five stages in order"),
    ("platform.entry_certificate", None, None, ALL, FIX, "S", YICHANG,
     "进场交易须经核发进场交易证明书", "trading needs an entry certificate"),
    ("platform.supervision", None, None, ALL, FIX, "S", f"{BADONG}；监管机构统一",
     "交易方式核准、暂停、终止由监管机构决定", "the supervisory body approves, suspends and cancels"),
    # -- the platform's own policies (confidence "P": a policy of this platform, not a legal text) --
    ("identity.uscc", None, None, ALL, FIX, "T", "GB 32100-2015 法人和其他组织统一社会信用代码编码规则",
     "统一社会信用代码须符合编码规则和校验码", "credit codes follow GB 32100-2015 and its check character"),
    ("identity.region", None, None, ALL, FIX, "T",
     "GB/T 2260 中华人民共和国行政区划代码（数据取自 python-stdnum cn/loc.dat）",
     "行政区划代码须为现行有效的6位代码", "region codes are current 6-digit GB/T 2260 codes"),
    ("experts.specialty", None, None, ALL, FIX, "S", "发改法规〔2018〕316号 公共资源交易评标专家专业分类标准",
     "评标专家专业须为现行专业分类标准中的代码", "expert specialties are codes of the catalogue in use"),
    ("experts.eligibility", 8, "years", ALL, HI, "R", "评标专家和评标专家库管理暂行办法 第七条",
     "入库专家从事相关专业领域工作满8年，并具有高级职称（副高级及以上）或者同等专业水平",
     "experts: at least 8 years in the field and a senior title (副高级 or above)"),
    ("experts.refusals", 3, "count", ALL, LO, "P", "平台专家管理策略（抽取通知的拒绝与未应答）",
     "365日内拒绝参加或未应答抽取通知累计3次的，暂停抽取180日",
     "3 declines or unanswered calls within 365 days suspend the expert for 180 days"),
    ("experts.cooldown", 30, "days", ALL, HI, "P", "平台专家抽取策略（抽取间隔）",
     "30日内已被抽中的专家不参加本次抽取", "experts drawn within the last 30 days are not drawn again"),
    ("experts.mark_deviation", Decimal(20), "percent", ALL, LO, "P",
     f"中心设定（评分偏离复核阈值，法规未规定数值）；参见 {O87} 第六十四条（评分畸高、畸低的认定）",
     "评委对某投标人某评分因素的打分偏离委员会平均分超过该因素分值的20%的，提请监督人员复核",
     "a member's mark for a factor of a bid that is further from the committee's mean than 20% of the factor's "
     "points is flagged for the supervisor's review"),
    ("platform.certificate_review", 3, "working_days", ALL, LO, "P",
     "中心设定（服务承诺；法律未规定交易条件备案的审核时限）",
     "交易条件备案后3个工作日内审核，出具进场交易证明书或退回",
     "the centre reviews a filing within 3 working days: it issues the entry certificate or returns the filing"),
    ("auth.throttle", None, None, ALL, FIX, "R",
     f"{DJCP} 8.1.4.1 b)（第三级·身份鉴别·登录失败处理）；限值为平台安全策略",
     "同一地址登录失败次数达到限值的，暂停该地址的登录尝试；账户本身不锁定",
     "too many failed logins from one address are refused for a while; the account itself is never locked"),
    ("auth.second_factor", None, None, ALL, FIX, "R",
     f"{DJCP} 8.1.4.1 d)（第三级·身份鉴别·两种或两种以上组合的鉴别技术）",
     "中心工作人员、监管人员、密钥持有人可启用动态口令作为第二种鉴别因素；配置要求的角色必须启用",
     "staff, supervisors and key holders may add one-time codes (TOTP) as a second factor; roles the centre "
     "names (TRADING_REQUIRE_TOTP_FOR) must"),
    ("clock.forward_only", None, None, ALL, FIX, "P", "平台模拟时钟规则",
     "模拟时钟只能向前调整，每次调整记入操作日志", "the simulated clock only moves forward, audited"),
    # history imports: what the law rules out or what is usually a unit mistake is imported only when confirmed
    ("history.award_above_budget", None, None, CP, FIX, "R", f"{REG} 第五十一条；{O87} 第六十三条",
     "中标价不得高于招标控制价（最高投标限价）或采购预算；导入高于的记录须确认",
     "an award above the control price or budget breaks the rules: importing one needs confirmation"),
    ("history.deal_below_start", None, None, L | PR, FIX, "R", f"{O39}；{O32} 第十八条",
     "成交价不低于起始价（挂牌价、转让底价）；导入低于的记录须确认",
     "a deal below its starting price breaks the rules: importing one needs confirmation"),
    ("history.price_ratio", Decimal(10), "ratio", ALL, LO, "P", "平台历史数据导入核对（元与万元之误）",
     "中标价不足预算的十分之一，或成交价超过起始价的十倍，多为单位错误，导入须确认",
     "an award under a tenth of its budget, or a deal over ten times its start, is usually a unit "
     "mistake: importing one needs confirmation"),
)


def _rule(row: tuple) -> Rule:
    """A Rule from one row of the table above (whose column order keeps rows short)."""
    rule_id, value, unit, trade_types, stricter, confidence, source, title_zh, title_en = row
    return Rule(rule_id, title_zh, title_en, value, unit, trade_types, source, confidence, stricter)


RULES: dict[str, Rule] = {row[0]: _rule(row) for row in _TABLE}


def rule(rule_id: str) -> Rule:
    """The rule with this id; KeyError naming the id if there is none."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(rule_id) from None


def label(rule_id: str) -> str:
    """The id with its source, as shown in errors and audit entries: ``id（source）``."""
    return f"{rule_id}（{rule(rule_id).source}）"


def _refuse(message: str, current_id: str, **params) -> DomainError:
    """A refusal of a centre's setting, naming the rule (as ``rule`` and as ``%(rule_id)s``)."""
    return DomainError(message, field="overrides", rule=current_id, rule_id=current_id, **params)


def _coerce(current: Rule, raw: object) -> int | Decimal | Fraction:
    """Read a centre's configured number for ``current`` in the rule's own type, or refuse it."""
    if current.value is None:
        raise _refuse(N_("Rule %(rule_id)s is a condition without a number: it cannot be set."), current.id)
    try:
        if isinstance(raw, bool):
            raise TypeError(raw)
        text = str(raw).strip()
        number = Fraction(text) if "/" in text else Fraction(Decimal(text))
    except (TypeError, ValueError, ZeroDivisionError, InvalidOperation):
        raise _refuse(N_("The setting %(value)s for rule %(rule_id)s is not a number."), current.id,
                      value=str(raw)) from None
    if number < 0:
        raise _refuse(N_("The setting %(value)s for rule %(rule_id)s cannot be negative."), current.id,
                      value=str(raw))
    if current.unit in _INTEGRAL_UNITS and number.denominator != 1:
        raise _refuse(N_("The setting %(value)s for rule %(rule_id)s must be a whole number of %(unit)s."),
                      current.id, value=str(raw), unit=current.unit)
    if current.unit in _INTEGRAL_UNITS:
        return int(number)
    if isinstance(current.value, Fraction):
        return number
    return Decimal(number.numerator) / Decimal(number.denominator)


def _check_not_looser(current: Rule, value: int | Decimal | Fraction, floor: Rule | None = None) -> None:
    """Refuse a setting that would loosen the legal number (or move one that cannot move); with ``floor`` (the
    centre's configured rule), refuse one looser than that too."""
    if _looser(current, value, current.value):
        raise _refuse(
            N_("The setting %(value)s for %(rule_id)s is looser than the law's %(default)s (%(source)s)."),
            current.id, value=str(value), default=str(current.value), source=current.source,
        )
    if floor is not None and floor.value != current.value and _looser(current, value, floor.value):
        raise _refuse(
            N_("The setting %(value)s for %(rule_id)s is looser than the centre's configured %(default)s "
               "(TRADING_RULE_OVERRIDES; the law's bound is %(law)s, %(source)s)."),
            current.id, value=str(value), default=str(floor.value), law=str(current.value), source=current.source,
        )


def _looser(current: Rule, value, bound) -> bool:
    """Whether ``value`` is looser than ``bound`` in the direction the rule may move."""
    return {"higher": value < bound, "lower": value > bound, None: value != bound}[current.stricter]


def value_text(value: int | Decimal | Fraction | None) -> str:
    """A rule's number as text that ``RuleSet.from_overrides`` reads back exactly (``2/3``, ``1.5``, ``25``)."""
    return "" if value is None else str(value)


CONFIGURATION, ADMINISTRATOR, RECORDED = "configuration", "administrator", "recorded"  # who set a rule's number


@dataclass(frozen=True)
class RuleSet:
    """The effective rules of one centre: the legal defaults, made stricter where configured.

    ``origins`` says, for every rule whose number differs from the law's table, who set it: the centre's start-up
    configuration (TRADING_RULE_OVERRIDES), the administrator's settings page, or (for a lot's own set) the
    record made when the lot was announced."""

    rules: Mapping[str, Rule] = field(default_factory=lambda: dict(RULES))
    origins: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, rule_id: str) -> Rule:
        """The effective rule with this id; KeyError naming the id if there is none."""
        try:
            return self.rules[rule_id]
        except KeyError:
            raise KeyError(rule_id) from None

    def value(self, rule_id: str) -> int | Decimal | Fraction | None:
        """The effective number of a rule."""
        return self[rule_id].value

    def is_overridden(self, rule_id: str) -> bool:
        """Whether the centre's settings set this rule's number (the law's table otherwise)."""
        return self[rule_id] is not RULES[rule_id]

    def settings(self) -> dict[str, str]:
        """Every number that differs from the law's table, as text (what a lot records when it is announced)."""
        return {rule_id: value_text(found.value) for rule_id, found in self.rules.items()
                if self.is_overridden(rule_id)}

    def describe(self) -> list[dict]:
        """Every rule in force, in the table's order, as plain data: id, titles, value and unit, trade types,
        source, confidence, which way a centre may move it, whether the centre's settings set it (and who), and the
        law's value (what ``flask rules show`` prints)."""
        return [{"id": found.id, "title_zh": found.title_zh, "title_en": found.title_en, "value": found.value,
                 "unit": found.unit, "trade_types": sorted(found.trade_types), "source": found.source,
                 "confidence": found.confidence, "stricter": found.stricter,
                 "overridden": self.is_overridden(found.id), "set_by": self.origins.get(found.id),
                 "law_value": RULES[found.id].value}
                for found in self.rules.values()]

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, object] | None, origin: str = CONFIGURATION) -> RuleSet:
        """Apply a centre's ``{rule id: value}`` settings; refuse unknown ids and anything looser."""
        return DEFAULT_RULES.with_settings(overrides, origin, floor=False)

    def with_settings(self, overrides: Mapping[str, object] | None, origin: str, *, floor: bool = True) -> RuleSet:
        """This set with ``{rule id: value}`` applied on top, set by ``origin``; refuse unknown ids, anything looser
        than the law and (``floor``) anything looser than this set's own number. A value equal to this set's number
        changes nothing."""
        effective, origins = dict(self.rules), dict(self.origins)
        for rule_id, raw in (overrides or {}).items():
            if rule_id not in RULES:
                raise _refuse(N_("Unknown rule %(rule_id)s in the centre's settings."), rule_id)
            value = _coerce(RULES[rule_id], raw)
            _check_not_looser(RULES[rule_id], value, self.rules[rule_id] if floor else None)
            if value == self.rules[rule_id].value:
                continue
            if value == RULES[rule_id].value:
                effective[rule_id] = RULES[rule_id]
                origins.pop(rule_id, None)
                continue
            effective[rule_id] = replace(RULES[rule_id], value=value)
            origins[rule_id] = origin
        return RuleSet(effective, origins)


DEFAULT_RULES = RuleSet()


@dataclass(frozen=True)
class Method:
    """A trading method; ``kind`` says which path of the lifecycle it takes."""

    code: str
    name_zh: str
    name_en: str
    kind: str  # "tender" (sealed bids, opening, evaluation), "negotiated" (sealed bids, opening, then a negotiation
    # with the one supplier), "listing", "auction" or "agreement"

    @property
    def sealed_bids(self) -> bool:
        """Whether the lot takes sealed bids opened online at the deadline (an opening key, a key ceremony)."""
        return self.kind in ("tender", "negotiated")


METHODS: dict[str, Method] = {
    m.code: m
    for m in (
        Method("open", "公开招标", "open tender", "tender"),
        Method("invited", "邀请招标", "invited tender", "tender"),
        Method("negotiation", "竞争性谈判", "competitive negotiation", "tender"),
        Method("consultation", "竞争性磋商", "competitive consultation", "tender"),
        Method("inquiry", "询价", "request for quotations", "tender"),
        Method("single_source", "单一来源", "single source", "negotiated"),
        Method("tender", "招标", "tender", "tender"),
        Method("auction", "拍卖", "auction", "auction"),
        Method("listing", "挂牌", "listing", "listing"),
        Method("agreement", "协议转让", "transfer by agreement", "agreement"),
    )
}
_SIX = ("open", "invited", "negotiation", "consultation", "inquiry", "single_source")
METHODS_BY_TRADE_TYPE: dict[str, tuple[str, ...]] = {
    "construction": _SIX,
    "procurement": _SIX,
    "land": ("tender", "auction", "listing"),
    "property": ("listing", "agreement"),
}
TENDERING_METHODS = frozenset({"open", "invited"})  # what 必须招标 works may use
PROCUREMENT_CATEGORIES = {"goods": "货物", "services": "服务", "works": "工程"}


def check_method(trade_type: str, method: str, amount: Decimal | None, *,
                 category: str | None = None, rules: RuleSet) -> Method:
    """The method if the trade type allows it for this amount (and procurement category) under the rules in force
    (``rules``), else refuse."""
    if trade_type not in TRADE_TYPES:
        raise DomainError(N_("Unknown trade type %(trade_type)s."), field="trade_type", trade_type=trade_type)
    if method not in METHODS_BY_TRADE_TYPE[trade_type]:
        raise DomainError(N_("The method %(method)s is not allowed for %(trade_type)s."), field="method",
                          rule=f"{trade_type}.methods", method=method, trade_type=trade_type)
    if trade_type == "construction" and method not in TENDERING_METHODS:
        threshold = rules["construction.must_tender_threshold"]
        if amount is None:
            raise DomainError(N_("Enter the estimated price: works of %(threshold)s yuan must be tendered."),
                              field="amount", rule=threshold.id, threshold=str(threshold.value))
        if amount >= threshold.value:
            raise DomainError(
                N_("Works estimated at %(amount)s yuan (from %(threshold)s yuan) must use open or invited "
                   "tendering, not %(method)s."),
                field="method", rule=threshold.id, amount=str(amount), threshold=str(threshold.value),
                method=method,
            )
    if trade_type == "procurement" and method == "inquiry" and category != "goods":
        raise DomainError(N_("Inquiry is only for goods, not %(category)s."), field="method",
                          rule="procurement.inquiry_goods_only", category=category or "")
    return METHODS[method]
