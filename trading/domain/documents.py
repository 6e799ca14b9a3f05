"""Standard document templates (标准化文件范本): a lot's announcement and documents, rendered as plain text.

The templates live in ``document_templates/`` (one announcement and one documents file per trade type) and
are rendered by Jinja2 with autoescape off and a strict undefined: a field the template needs but the
``DocumentContext`` leaves empty (None, a blank string or an empty list) is refused as a ``DomainError``
naming it (``deal_code``, ``schedule.listing_start``, ``land.plot_ratio_max``). Numbers that come from law
are taken from the ``RuleSet`` and cited with their source (``cite``/``num`` in the templates).
The first line of a rendered template is its title; the rest is the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, UndefinedError
from jinja2.utils import missing

from . import methods
from .calendar import to_local
from .committee import committee_rules
from .errors import N_, DomainError
from .money import format_wan, format_yuan
from .rules import PROCUREMENT_CATEGORIES, TRADE_TYPES, Rule, RuleSet
from .schedule import LAND_APPLICATION_LEAD, Schedule, plan

TEMPLATE_DIR = Path(__file__).with_name("document_templates")


@dataclass(frozen=True)
class Criterion:
    """One evaluation criterion: its name, weight in percent and maximum score."""

    name: str
    weight: Decimal
    max_score: Decimal


@dataclass(frozen=True)
class SpecialtyNeed:
    """How many experts of one specialty the lot's evaluation needs."""

    code: str
    name: str
    count: int


@dataclass(frozen=True)
class LandDetails:
    """The parcel of a land lot: location, area, use, term and planning limits."""

    location: str
    area_m2: Decimal
    use: str
    term_years: int
    plot_ratio_min: Decimal
    plot_ratio_max: Decimal


@dataclass(frozen=True)
class PropertyTerms:
    """A property lot's terms (32号令): payment in one sum or in instalments (up front, the rest within months), the
    result publicity in working days, and the reference of the approval of a relisting price below 90%."""

    payment: str
    result_publicity_days: int
    upfront_percent: Decimal | None = None
    balance_months: int | None = None
    price_approval: str | None = None  # the approval's document number
    price_approval_body: str | None = None  # who approved it
    asset: str = "equity"  # equity (企业国有产权) | collective_lease (农村集体资产公开租赁)
    lease_years: int | None = None
    resolution: str | None = None  # the villagers' assembly's decision to lease
    bidding_form: str = "multi_round"  # multi_round (网络竞价 多次报价) | sealed (一次报价, sealed to the opening key)


@dataclass(frozen=True)
class KeyNotice:
    """One of the platform's public keys as an announcement names it: what it is for (in Chinese), its fingerprint."""

    purpose: str
    fingerprint: str


KEY_HOLDER_ROLES = {"host": "开标主持人", "supervisor": "监督人员", "tenderee": "招标人（委托方）代表"}


@dataclass(frozen=True)
class KeyHolder:
    """A key holder named in the announcement: role code (host, supervisor, tenderee), name, key fingerprint."""

    role: str
    name: str
    organisation: str
    fingerprint: str


@dataclass
class DocumentContext:
    """What the templates are filled from: the project, the lot, its timetable and its evaluation."""

    project_name: str
    approval_number: str
    approval_body: str
    approval_date: date
    tenderee: str
    region: str
    trade_type: str
    method: str
    method_name: str
    lot_name: str
    lot_number: str
    deal_code: str
    price: Decimal  # 招标控制价 (construction), 预算金额 (procurement), 起始价 (land), 挂牌价 (property)
    deposit: Decimal
    schedule: Schedule
    contact_name: str
    contact_phone: str
    agency: str | None = None
    category: str | None = None  # procurement: goods, services or works
    location: str | None = None  # construction site, place of delivery or service, seat of the company sold
    scope: str | None = None  # 招标范围 / 采购需求 / 转让标的
    duration: str | None = None  # 工期 / 合同履行期限
    qualification: str | None = None  # 资质要求 / 特定资格要求 / 受让方资格条件
    evaluation_method: str | None = None  # "lowest_price", "comprehensive" (land tender also "highest_price")
    criteria: tuple[Criterion, ...] = ()
    specialties: tuple[SpecialtyNeed, ...] = ()
    increment: Decimal | None = None
    reserve_note: str | None = None  # land: e.g. "本宗地设有底价"
    land: LandDetails | None = None
    valuation: Decimal | None = None  # property: the approved valuation (评估值)
    property_terms: PropertyTerms | None = None
    key_fingerprint: str | None = None  # the lot's opening-key fingerprint; None: to be published
    platform_keys: tuple[KeyNotice, ...] = ()  # the platform's published keys (/keys); the text names the page anyway
    key_holders: tuple[KeyHolder, ...] = ()  # who holds the opening key's shares; empty: to be published
    key_threshold: int | None = None  # how many of them open the bids
    complex: bool = False  # procurement: marked technically complex by the tenderee (87号令 Art. 47)
    complex_reason: str | None = None
    suppliers: tuple[str, ...] = ()  # single source: the one supplier named (and published)
    rules: RuleSet = field(kw_only=True)  # the rules in force: the numbers and citations the texts state


_EVALUATION_NAMES = {
    "construction": {"lowest_price": "经评审的最低投标价法", "comprehensive": "综合评估法"},
    "procurement": {"lowest_price": "最低评标价法", "comprehensive": "综合评分法"},
    "land": {"highest_price": "价高者得", "comprehensive": "综合评标（综合条件最佳者得）"},
    "property": {},
}
_TENDER_WORDS = {"doc": "招标文件", "bid": "投标文件", "deadline": "投标截止时间", "opening": "开标"}
_RESPONSE_WORDS = {"bid": "响应文件", "deadline": "响应文件提交截止时间", "opening": "响应文件开启"}
_SHORT_WORDS = {
    method: {"doc": doc, **_RESPONSE_WORDS}
    for method, doc in (("negotiation", "谈判文件"), ("consultation", "磋商文件"), ("inquiry", "询价通知书"),
                        ("single_source", "单一来源采购文件"))
}
_ANNOUNCEMENT_KINDS = {
    ("construction", "open"): "招标公告", ("procurement", "open"): "公开招标公告",
    ("construction", "invited"): "投标邀请书", ("procurement", "invited"): "投标邀请书",
    ("land", "listing"): "国有建设用地使用权挂牌出让公告", ("land", "auction"): "国有建设用地使用权拍卖出让公告",
    ("land", "tender"): "国有建设用地使用权招标出让公告", ("property", "listing"): "产权转让公告",
}
_SHORT_KINDS = {"negotiation": "竞争性谈判公告", "consultation": "竞争性磋商公告", "inquiry": "询价公告",
                "single_source": "单一来源采购公告"}
_DERIVED = {"evaluation_name": "evaluation_method", "category_name": "category"}  # variable -> its field
_DOCUMENT_KINDS = {"construction": "招标文件", "procurement": "采购文件", "land": "出让文件", "property": "转让文件"}


class _MissingField(UndefinedError):
    """A field the template needs is not set; ``field`` names it (``land.area_m2``)."""

    def __init__(self, name: str, message: str | None = None):
        super().__init__(message)
        self.field = name


class _Record:
    """A dataclass as the templates see it: only the attributes that are set, and where it came from."""

    def __init__(self, path: str, values: dict):
        self._path = path
        self.__dict__.update(values)


class _StrictField(StrictUndefined):
    """StrictUndefined whose error carries the dotted name of the missing field."""

    __slots__ = ()

    def __init__(self, hint=None, obj=missing, name=None, exc=UndefinedError):
        path = getattr(obj, "_path", None) if obj is not missing else None
        dotted = f"{path}.{name}" if path and isinstance(name, str) else str(name)
        super().__init__(hint, obj, name, partial(_MissingField, dotted))


def _is_set(value: object) -> bool:
    """Whether a context value counts as given (not None, not a blank string, not an empty list)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    return not (isinstance(value, (tuple, list)) and not value)


def _convert(value: object, path: str) -> object:
    """Context values for the templates: dataclasses become records without their empty fields."""
    if is_dataclass(value) and not isinstance(value, type) and not isinstance(value, RuleSet):
        return _Record(path, {f.name: _convert(getattr(value, f.name), f"{path}.{f.name}")
                              for f in fields(value) if _is_set(getattr(value, f.name))})
    if isinstance(value, (tuple, list)):
        return [_convert(item, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def _require(value: object) -> object:
    """Let an undefined value fail loudly inside a filter (it names the missing field)."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return value


def beijing_time(moment: datetime) -> str:
    """An aware datetime in Beijing time, written as on a notice: ``2026年3月23日 09时30分``."""
    local = to_local(_require(moment))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H}时{local:%M}分"


def chinese_date(day: date | datetime) -> str:
    """A date (or an aware datetime's Beijing date) written ``2026年3月23日``."""
    day = _require(day)
    if isinstance(day, datetime):
        day = to_local(day).date()
    return f"{day.year}年{day.month}月{day.day}日"


def _number(value: Decimal | int) -> str:
    """A Decimal or int without trailing zeros or exponent: ``Decimal("30.0")`` -> ``"30"``."""
    value = _require(value)
    return format(Decimal(value).normalize(), "f")


def _period(found: Rule) -> str:
    """A period rule's number with its unit in Chinese: ``20日``, ``3个工作日``."""
    return f"{found.value}个工作日" if found.unit == "working_days" else f"{found.value}日"


def _cite(rules: RuleSet, trade_type: str, rule_id: str) -> str:
    """A rule's source; "参照" before it when the rule is borrowed from another trade type."""
    found = rules[rule_id]
    return found.source if trade_type in found.trade_types else f"参照{found.source}"


def _area(value: Decimal) -> str:
    """Square metres with thousands separators and two decimals."""
    return f"{Decimal(_require(value)):,.2f}"


def _environment() -> Environment:
    """The Jinja2 environment of the templates: plain text, strict, with money and time filters."""
    env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), undefined=_StrictField, autoescape=False,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(yuan=lambda v: format_yuan(_require(v)), wan=lambda v: format_wan(_require(v)),
                       bj=beijing_time, cndate=chinese_date, number=_number, area=_area)
    return env


ENVIRONMENT = _environment()


def _words(trade_type: str, method: str) -> dict[str, str]:
    """The words a notice uses for its documents, bids, deadline and opening, by method."""
    words = dict(_SHORT_WORDS.get(method, _TENDER_WORDS))
    words["bidder"] = "投标人" if trade_type == "construction" and method in ("open", "invited") else "供应商"
    return words


def _holders_text(ctx: DocumentContext) -> str:
    """The sentence naming the key holders and their personal key fingerprints (DESIGN §4 step 4)."""
    if not ctx.key_holders:
        return "开标密钥持有人及其个人公钥指纹：待公布（开标密钥生成后在交易平台本项目页面公布）。"
    named = "；".join(f"{KEY_HOLDER_ROLES.get(h.role, h.role)}{h.name}（{h.organisation}，"
                     f"个人公钥指纹 {h.fingerprint}）" for h in ctx.key_holders)
    k = ctx.key_threshold or len(ctx.key_holders)
    return (f"开标密钥分由{len(ctx.key_holders)}名密钥持有人持有，其中任意{k}人于截止时间后释放密钥分片即可"
            f"解密开标：{named}。更换密钥持有人须经监督部门批准并在交易平台公告。")


def _variables(ctx: DocumentContext) -> dict:
    """The template variables: the context's set fields plus the names and rules derived from it."""
    found = plan(ctx.trade_type, ctx.method)  # refuses unknown pairs and 协议转让
    rules = ctx.rules
    variables = {f.name: _convert(getattr(ctx, f.name), f.name) for f in fields(ctx)
                 if f.name != "rules" and _is_set(getattr(ctx, f.name))}
    evaluation = None
    if ctx.evaluation_method is not None:
        evaluation = _EVALUATION_NAMES[ctx.trade_type].get(ctx.evaluation_method)
        if evaluation is None:
            raise DomainError(N_("Unknown evaluation method %(method)s for %(trade_type)s."),
                              field="evaluation_method", method=ctx.evaluation_method, trade_type=ctx.trade_type)
    if ctx.category is not None and ctx.category not in PROCUREMENT_CATEGORIES:
        raise DomainError(N_("Unknown procurement category %(category)s."), field="category", category=ctx.category)
    trade = TRADE_TYPES[ctx.trade_type]
    variables.update(
        plan=found, unit=trade.lot_unit_zh, trade_type_name=trade.name_zh,
        centre=f"{ctx.region}公共资源交易中心", platform=f"{ctx.region}公共资源交易平台",
        supervisor=f"{ctx.region}公共资源交易监督管理办公室",
        words=_words(ctx.trade_type, ctx.method),
        fingerprint=ctx.key_fingerprint or "待公布（开标密钥生成后在交易平台本项目页面及投标文件制作工具中公布）",
        holders=_holders_text(ctx),
        experts=sum(s.count for s in ctx.specialties),
        cite=partial(_cite, rules, ctx.trade_type),
        num=lambda rule_id: _number(rules[rule_id].value),
        period=lambda rule_id: _period(rules[rule_id]),
    )
    if ctx.trade_type in ("construction", "procurement"):
        variables["min_bids"] = methods.min_bids_rule(ctx.trade_type, ctx.method)
        if ctx.method != methods.SINGLE_SOURCE:
            variables["committee_size"], variables["committee_share"] = committee_rules(
                ctx.trade_type, ctx.method, ctx.price, ctx.complex, rules=rules)
    if ctx.trade_type == "land":
        start = "挂牌截止" if ctx.method == "listing" else "拍卖会开始"
        variables["application_note"] = f"{start}前{LAND_APPLICATION_LEAD}个工作日，为交易中心的安排，非法定期限"
    if evaluation:
        variables["evaluation_name"] = evaluation
    if ctx.category is not None:
        variables["category_name"] = PROCUREMENT_CATEGORIES[ctx.category]
    return variables


def _render(name: str, ctx: DocumentContext, title_kind: str) -> tuple[str, str]:
    """Render one template into (title, text), turning a missing field into a DomainError."""
    variables = _variables(ctx)
    variables["title_kind"] = title_kind
    try:
        rendered = ENVIRONMENT.get_template(name).render(variables)
    except _MissingField as missing_field:
        field_name = _DERIVED.get(missing_field.field, missing_field.field)
        raise DomainError(N_("The document needs %(name)s, which is not filled in."), field=field_name,
                          name=field_name, template=name) from None
    title, _, text = rendered.strip().partition("\n")
    return title.strip(), text.strip() + "\n"


def render_announcement(context: DocumentContext) -> tuple[str, str]:
    """The lot's announcement (招标公告, 采购公告, 出让公告, 转让公告) as (title, text)."""
    plan(context.trade_type, context.method)  # refuses unknown pairs and 协议转让
    kind = _ANNOUNCEMENT_KINDS.get((context.trade_type, context.method)) or _SHORT_KINDS[context.method]
    if _is_lease(context):
        kind = "公开租赁公告"
    return _render(f"{context.trade_type}_announcement.txt", context, kind)


def _is_lease(context: DocumentContext) -> bool:
    """Whether the lot is a village collective asset lease (农村集体资产公开租赁)."""
    return context.property_terms is not None and context.property_terms.asset == "collective_lease"


def render_documents(context: DocumentContext) -> tuple[str, str]:
    """The lot's documents (招标文件, 采购文件, 出让文件, 转让文件) as (title, text)."""
    plan(context.trade_type, context.method)
    if context.trade_type in ("construction", "procurement"):
        kind = _words(context.trade_type, context.method)["doc"]
    else:
        kind = "租赁文件" if _is_lease(context) else _DOCUMENT_KINDS[context.trade_type]
    return _render(f"{context.trade_type}_documents.txt", context, kind)
