"""Calibration scenarios: generated historical lots that reproduce the published 2010 figures to the fen.

Each scenario is deterministic (a fixed seed): the same name always gives the same lots. Sizes are
lognormal, then scaled to the published sum in whole units (yuan for works, goods and property, 万元 for
land, as land deals are quoted) with the rounding remainder spread by largest remainder, so every sum is
exact; award prices are all different within a scenario. Savings and premiums are per-lot rates
(savings 0-8 % of the budget, a few slightly negative; premiums of about half the parcels) scaled to the
published totals. Dates are working days of 2010; announcements come 20-40 days before the award.
The project and place names are invented from word lists (real town names, made-up projects).

``xianning-2010``, city centre (region 421200), awarded Jan-Aug 2010: 59 works lots in 48 projects
(4,494,000,000.00), 11 procurement lots (32,137,700.00) and 49 land parcels (starting prices
1,077,000,000.00, deals 1,154,980,000.00, premium 77,980,000.00 = 7.24 %); savings over the 70 works and
procurement lots 160,672,600.00. 119 lots in 108 projects, so the published "108 projects" is the
project count. The other 214 lots (2,420,882,300.00) lie in the six counties (Jan-Sep) and in the
centre in September: the whole city, Jan-Sep, has 333 lots and 8,102,000,000.00.

``badong-2010`` (region 422823): 94 works and procurement lots, 517,000,000.00, in 2010, every one with a
budget; savings 11,547,600.00, so the savings rate is 11,547,600 / 528,547,600 = 2.18 %, not the published
2.24 % (as ``statistics.PUBLISHED`` expects: "every lot with a budget").
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from . import regions
from .errors import N_, DomainError
from .history import HistoricalLot

FEN_PER_YUAN = 100
YUAN = 100  # units of allocation, in fen
WAN_YUAN = 1_000_000  # 万元 in fen
MUST_TENDER_2010 = 2_000_000 * FEN_PER_YUAN  # works from 200万元 had to be tendered in 2010 (国家计委令第3号)

# Public holidays of 2010 (no awards on these days, nor at weekends).
_HOLIDAYS_2010 = frozenset(
    dt.date(2010, m, d)
    for m, days in {1: (1, 2, 3), 2: range(13, 20), 4: (3, 4, 5), 5: (1, 2, 3), 6: (14, 15, 16),
                    9: (22, 23, 24), 10: range(1, 8)}.items()
    for d in days
)

_TOWNS = {
    "421200": ("温泉街道", "永安街道", "浮山街道", "官埠桥镇", "横沟桥镇", "贺胜桥镇", "向阳湖镇", "汀泗桥镇"),
    "421202": ("永安街道", "温泉街道", "横沟桥镇", "贺胜桥镇", "马桥镇", "汀泗桥镇", "高桥镇", "桂花镇", "双溪桥镇",
               "大幕乡"),
    "421221": ("鱼岳镇", "潘家湾镇", "簰洲湾镇", "渡普镇", "新街镇", "官桥镇", "高铁岭镇"),
    "421222": ("隽水镇", "麦市镇", "塘湖镇", "关刀镇", "北港镇", "马港镇", "沙堆镇", "五里镇"),
    "421223": ("天城镇", "白霓镇", "路口镇", "沙坪镇", "石城镇", "桂花泉镇", "青山镇", "肖岭乡"),
    "421224": ("通羊镇", "南林桥镇", "九宫山镇", "大畈镇", "闯王镇", "厦铺镇", "黄沙铺镇", "杨芳林乡"),
    "421281": ("蒲圻街道", "陆水湖街道", "赵李桥镇", "新店镇", "车埠镇", "中伙铺镇", "官塘驿镇", "茶庵岭镇", "赤壁镇"),
    "422823": ("信陵镇", "东瀼口镇", "沿渡河镇", "官渡口镇", "茶店子镇", "绿葱坡镇", "大支坪镇", "野三关镇", "清太坪镇",
               "水布垭镇", "溪丘湾乡", "金果坪乡"),
}
_CITY_ROADS = ("温泉路", "淦河大道", "银泉大道", "咸宁大道", "长江大道", "金桂路", "十六潭路", "贺胜路", "旗鼓大道",
               "双鹤路", "青龙路", "永安大道", "桂花路", "龟山路")
_ROADS = ("人民路", "建设路", "解放路", "新华路", "沿河路", "滨江路", "工业大道", "迎宾大道", "城东路", "城南路",
          "朝阳路", "文化路", "东风路", "和平路")
_RIVERS = {"421200": "淦河", "421202": "淦河", "421221": "长江", "421222": "隽水河", "421223": "陆水河",
           "421224": "富水河", "421281": "陆水河", "422823": "长江"}
_LAND_PREFIX = {"421200": "咸政储", "421202": "咸安土储", "421221": "嘉土储", "421222": "通城土储",
                "421223": "崇土储", "421224": "通山土储", "421281": "赤土储", "422823": "巴土储"}
WAN = 10_000  # yuan
# Project name templates with the award prices (yuan, from-to) they suit, so that a small lot is not a bridge.
_WORKS = (
    ("{place}{road}道路改造工程", 300 * WAN, None),
    ("{place}{road}综合改造工程", 3000 * WAN, None),
    ("{place}{town}至{town2}公路改建工程", 1000 * WAN, None),
    ("{place}{road}大桥新建工程", 2000 * WAN, None),
    ("{place}{river}{town}段堤防加固工程", 500 * WAN, None),
    ("{place}{town}污水处理厂建设工程", 1000 * WAN, None),
    ("{place}人民医院住院综合楼建设工程", 2000 * WAN, None),
    ("{place}{town}还建小区建设工程", 3000 * WAN, None),
    ("{place}{town}廉租住房建设工程", 300 * WAN, 8000 * WAN),
    ("{place}{road}排水管网改造工程", 200 * WAN, 5000 * WAN),
    ("{place}{town}中学教学楼建设工程", 200 * WAN, 3000 * WAN),
    ("{place}{town}泵站更新改造工程", 100 * WAN, 3000 * WAN),
    ("{place}{town}集镇供水工程", 100 * WAN, 2000 * WAN),
    ("{place}{town}土地整理项目", 50 * WAN, 3000 * WAN),
    ("{place}{town}小型水库除险加固工程", 30 * WAN, 1500 * WAN),
    ("{place}{town}卫生院门诊楼建设工程", 30 * WAN, 1500 * WAN),
    ("{place}{town}中心小学综合楼建设工程", 0, 1000 * WAN),
    ("{place}{town}通村公路建设工程", 0, 800 * WAN),
    ("{place}{town}农村饮水安全工程", 0, 800 * WAN),
    ("{place}{road}人行道改造工程", 0, 500 * WAN),
)
# Buyers and what they plausibly buy.
_PURCHASES = {
    "教育局": ("教学设备", "课桌椅", "多媒体教学设备", "学生用书", "校车"),
    "卫生局": ("医疗设备", "救护车", "乡镇卫生院医疗设备"),
    "人民医院": ("医疗设备", "救护车", "物业管理服务", "医用耗材"),
    "中医院": ("医疗设备", "医用耗材", "病房家具"),
    "公安局": ("警用车辆", "电子监控系统", "计算机及网络设备", "警用装备"),
    "第一中学": ("教学设备", "课桌椅", "多媒体教学设备", "学生公寓家具"),
    "实验小学": ("教学设备", "课桌椅", "图书"),
    "交通运输局": ("公务用车", "计算机及网络设备", "路政执法车辆"),
    "农业局": ("农业机械", "动物防疫物资"),
    "国土资源局": ("测绘仪器", "计算机及网络设备"),
    "疾病预防控制中心": ("检验检测设备", "疫苗冷链设备"),
    "机关事务管理局": ("办公家具", "公务用车", "空调设备", "物业管理服务", "印刷服务"),
    "广播电视局": ("数字电视设备", "广播发射设备"),
    "城市管理局": ("环卫车辆", "路灯设备", "垃圾收集设备"),
    "水利局": ("防汛物资", "水文监测设备"),
}
_LAND_USES = ("商住", "住宅", "商业", "工业", "商服", "仓储")
_SIDES = ("以东", "以西", "以南", "以北", "东侧", "西侧", "南侧", "北侧")
_COMPANIES = ("城市建设投资有限公司", "粮食购销有限公司", "汽车运输公司", "物资总公司", "食品公司", "水泥厂",
              "供销合作社", "旅游开发有限公司", "自来水公司", "建筑工程公司")
_PROPERTY = (
    ("{place}{company}国有股权转让", 200 * WAN, None), ("{place}{company}整体产权转让", 200 * WAN, None),
    ("{place}{company}闲置资产转让", 20 * WAN, 2000 * WAN), ("{place}{company}门面房经营权转让", 0, 300 * WAN),
    ("{place}{buyer}报废公务车辆转让", 0, 80 * WAN),
)
_NUMERALS = "一二三四五六七八九十"
_CONTRACT_DAYS = {"construction": (7, 28), "procurement": (5, 25), "land": (3, 10), "property": (2, 15)}
_WORKS_FUNDS = (("财政资金", True), ("财政资金", True), ("中央预算内投资", True), ("国债资金", True),
                ("财政资金和银行贷款", True), ("企业自筹", False), ("地方政府配套资金", True))


@dataclass(frozen=True)
class Scenario:
    """A named set of generated historical lots: Chinese title, what it reproduces, and its generator."""

    name: str
    title_zh: str
    description: str
    generate: Callable[[], list[HistoricalLot]]
    title_en: str = ""


@dataclass
class _Plan:
    """A lot being generated: amounts in fen, the project it belongs to and its award period."""

    trade_type: str
    region: str
    start: dt.date
    end: dt.date
    project: int
    weight: float = 0.0
    award: int = 0
    budget: int | None = None
    starting: int | None = None


def _round_to_total(exact: list[float], total: int) -> list[int]:
    """Round to integers summing to ``total``: floors, then the remainder by largest fractional part."""
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))  # largest fraction first
    remainder = total - sum(parts)
    step = 1 if remainder > 0 else -1
    for k in range(abs(remainder)):
        parts[order[k % len(order)] if step > 0 else order[-1 - k % len(order)]] += step
    return parts


def _allocate(total: int, weights: list[float], unit: int, taken: set[int]) -> list[int]:
    """Split ``total`` fen into positive multiples of ``unit`` by weight, distinct and not in ``taken``."""
    if total % unit:
        raise ValueError(f"{total} fen is not a multiple of {unit}")
    units = total // unit
    scale = units / sum(weights)
    parts = _round_to_total([w * scale for w in weights], units)
    if min(parts) < 1:
        raise ValueError("a part came out empty: weights too uneven")
    big = max(range(len(parts)), key=lambda i: (parts[i], -i))
    for i in range(len(parts)):
        if i == big:
            continue
        while parts[i] * unit in taken:
            parts[i] += 1
            parts[big] -= 1
        taken.add(parts[i] * unit)
    while parts[big] * unit in taken:
        i = min((i for i in range(len(parts)) if i != big and (parts[i] + 1) * unit not in taken),
                key=lambda i: (parts[i], i))
        taken.discard(parts[i] * unit)
        parts[i] += 1
        taken.add(parts[i] * unit)
        parts[big] -= 1
    taken.add(parts[big] * unit)
    return [p * unit for p in parts]


def _fit(bases: list[int], shares: list[float], target: int, unit: int, cap: float) -> list[int]:
    """Amounts ``base * share`` summing to ``target`` fen in ``unit`` steps: positive shares scaled, at most ``cap``."""
    shares = list(shares)
    for _ in range(200):
        fixed = sum(b * q for b, q in zip(bases, shares, strict=True) if q <= 0 or q >= cap)
        free = sum(b * q for b, q in zip(bases, shares, strict=True) if 0 < q < cap)
        if free <= 0:
            raise ValueError("the target cannot be reached under the cap")
        k = (target - fixed) / free
        shares = [min(cap, q * k) if 0 < q < cap else q for q in shares]
        if abs(k - 1) < 1e-13:
            break
    exact = [b * q / unit for b, q in zip(bases, shares, strict=True)]
    return [p * unit for p in _round_to_total(exact, target // unit)]


def _workdays(start: dt.date, end: dt.date) -> list[dt.date]:
    """The working days from ``start`` to ``end`` inclusive (no weekends, no 2010 public holidays)."""
    days = (start + dt.timedelta(n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5 and d not in _HOLIDAYS_2010]


def _plans(rng: random.Random, trade_type: str, region: str, count: int, period: tuple[dt.date, dt.date],
           *, projects: int | None = None, sigma: float = 1.0, scale: float = 1.0,
           first_project: int = 0) -> list[_Plan]:
    """``count`` lots of one kind with lognormal weights, in ``projects`` projects (some get two lots)."""
    projects = count if projects is None else projects
    doubled = set(rng.sample(range(projects), count - projects))
    ids = [p for p in range(projects) for _ in range(2 if p in doubled else 1)]
    return [_Plan(trade_type, region, *period, project=first_project + p, weight=scale * rng.lognormvariate(0, sigma))
            for p in ids]


def _allocate_mixed(plans: list[_Plan], total: int, taken: set[int]) -> None:
    """Give the plans award prices summing to ``total`` fen: land in 万元, the rest in yuan."""
    land = [p for p in plans if p.trade_type == "land"]
    other = [p for p in plans if p.trade_type != "land"]
    land_total = round(total * sum(p.weight for p in land) / sum(p.weight for p in plans) / WAN_YUAN) * WAN_YUAN
    if not other:
        land_total = total
    for group, amount, unit in ((land, land_total, WAN_YUAN), (other, total - land_total, YUAN)):
        if group:
            for plan, award in zip(group, _allocate(amount, [p.weight for p in group], unit, taken), strict=True):
                plan.award = award


def _savings_share(rng: random.Random) -> float:
    """A lot's savings over its award price: 0.4-8 % of the budget, now and then slightly negative."""
    rate = rng.uniform(-0.006, -0.001) if rng.random() < 0.05 else rng.uniform(0.004, 0.08)
    return rate / (1 - rate)


def _budgets(rng: random.Random, plans: list[_Plan], savings: int | None) -> None:
    """Budgets of works and procurement lots, their savings summing to ``savings`` fen when given."""
    shares = [_savings_share(rng) for _ in plans]
    awards = [p.award for p in plans]
    if savings is None:
        amounts = [round(a * q / YUAN) * YUAN for a, q in zip(awards, shares, strict=True)]
    else:
        amounts = _fit(awards, shares, savings, YUAN, cap=0.08 / 0.92)
    for plan, saved in zip(plans, amounts, strict=True):
        plan.budget = plan.award + saved


def _starting_prices(rng: random.Random, plans: list[_Plan], premium: int | None) -> None:
    """Starting prices of land and property lots, premiums summing to ``premium`` fen when given."""
    shares = [rng.uniform(0.02, 0.3) if rng.random() < 0.45 else 0.0 for _ in plans]
    if premium is None:
        amounts = []
        for plan, q in zip(plans, shares, strict=True):
            unit = WAN_YUAN if plan.trade_type == "land" else YUAN
            amounts.append(plan.award - math.ceil(plan.award / (1 + q) / unit) * unit)
    else:
        unit = WAN_YUAN if all(p.trade_type == "land" for p in plans) else YUAN
        amounts = _fit([p.award for p in plans], shares, premium, unit, cap=0.4)
    for plan, extra in zip(plans, amounts, strict=True):
        plan.starting = plan.award - extra


def _method(rng: random.Random, plan: _Plan, project_name: str) -> str:
    """A method of 2010 for the lot (no 竞争性磋商 before 2014; works from 200万元 tendered; 询价 for goods only)."""
    if plan.trade_type == "construction":
        if plan.award >= MUST_TENDER_2010:
            return rng.choices(("open", "invited"), (85, 15))[0]
        return rng.choices(("open", "invited", "negotiation", "single_source"), (55, 25, 15, 5))[0]
    if plan.trade_type == "procurement":
        inquiry = 0 if "服务" in project_name else 15
        return rng.choices(("open", "invited", "negotiation", "inquiry", "single_source"),
                           (55, 5, 20, inquiry, 5))[0]
    if plan.trade_type == "land":
        if plan.starting == plan.award:
            return "listing"
        return rng.choices(("auction", "listing", "tender"), (50, 45, 5))[0]
    return "agreement" if plan.starting == plan.award and rng.random() < 0.5 else "listing"


class _Namer:
    """Chinese project and lot names, unique within a scenario."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name not in self.used:
                break
        else:  # pragma: no cover - the word lists give thousands of names
            raise RuntimeError("ran out of project names")
        self.used.add(name)
        return name

    def project(self, plan: _Plan) -> str:
        """A project name for the plan's trade type and region (land parcels are numbered later)."""
        rng = self.rng
        towns = _TOWNS[plan.region]
        roads = _CITY_ROADS if plan.region == "421200" else _ROADS
        if plan.trade_type == "land":
            return ""

        award = plan.award // FEN_PER_YUAN
        fitting = [t for t, lo, hi in (_WORKS if plan.trade_type == "construction" else _PROPERTY)
                   if lo <= award and (hi is None or award < hi)]

        def make() -> str:
            buyer = rng.choice(sorted(_PURCHASES))
            if plan.trade_type == "procurement":
                template = "{place}{buyer}" + rng.choice(_PURCHASES[buyer]) + "采购项目"
            else:
                template = rng.choice(fitting)
            town, town2 = rng.sample(towns, 2)
            return template.format(place=regions.get(plan.region).name, road=rng.choice(roads), town=town,
                                   town2=town2, river=_RIVERS[plan.region], buyer=buyer,
                                   company=rng.choice(_COMPANIES))

        return self._unique(make)

    def parcel(self, plan: _Plan) -> str:
        """Where a land parcel lies and what it is for, e.g. 温泉路以东商住用地."""
        rng = self.rng
        road = rng.choice(_CITY_ROADS if plan.region == "421200" else _ROADS)
        return f"{rng.choice(_TOWNS[plan.region])}{road}{rng.choice(_SIDES)}{rng.choice(_LAND_USES)}用地"


def _build(rng: random.Random, plans: list[_Plan]) -> list[HistoricalLot]:
    """Dates, names, methods and funding for every plan, as ``HistoricalLot`` records sorted by award date."""
    namer = _Namer(rng)
    projects: dict[tuple[str, int], list[_Plan]] = {}
    for plan in plans:
        projects.setdefault((plan.trade_type, plan.project), []).append(plan)
    lots: list[tuple[_Plan, dict]] = []
    land: list[tuple[dt.date, int, str, dict]] = []
    for (trade_type, _), members in projects.items():
        first = members[0]
        awarded = rng.choice(_workdays(first.start, first.end))
        announced = awarded - dt.timedelta(rng.randint(20, 40))
        name = namer.project(first)
        funding, state = rng.choice(_WORKS_FUNDS) if trade_type == "construction" else ("财政性资金", True)
        for n, plan in enumerate(members):
            if trade_type == "construction":
                lot_name = f"第{_NUMERALS[n]}标段" if len(members) > 1 else rng.choice(("施工", "施工总承包", "一标段"))
            elif trade_type == "procurement":
                lot_name = f"第{_NUMERALS[n]}包" if len(members) > 1 else "第一包"
            elif trade_type == "land":
                lot_name = namer.parcel(plan)
            else:
                lot_name = "1号标的"
            values = {
                "project_name": name, "lot_name": lot_name, "trade_type": trade_type,
                "method": _method(rng, plan, name), "region_code": plan.region,
                "funding_source": funding if trade_type in ("construction", "procurement") else "",
                "state_funded": state if trade_type in ("construction", "procurement") else None,
                "budget": _yuan(plan.budget), "starting_price": _yuan(plan.starting), "award_price": _yuan(plan.award),
                "announced_on": announced, "awarded_on": awarded,
                "contracted_on": awarded + dt.timedelta(rng.randint(*_CONTRACT_DAYS[trade_type])),
            }
            lots.append((plan, values))
            if trade_type == "land":
                land.append((announced, len(land), plan.region, values))
    numbers: dict[str, int] = {}
    for _, _, region, values in sorted(land, key=lambda x: x[:2]):
        numbers[region] = numbers.get(region, 0) + 1
        values["project_name"] = f"{_LAND_PREFIX[region]}(2010){numbers[region]}号地块"
    records = [HistoricalLot(**values) for _, values in lots]
    return sorted(records, key=lambda r: (r.awarded_on, r.region_code, r.trade_type, r.project_name, r.lot_name))


def _yuan(fen: int | None) -> Decimal | None:
    """Fen as Decimal yuan with 2 decimals."""
    return None if fen is None else (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def _yuan_to_fen(yuan: int) -> int:
    """Whole yuan in fen."""
    return yuan * FEN_PER_YUAN


JAN_AUG = (dt.date(2010, 1, 1), dt.date(2010, 8, 31))
JAN_SEP = (dt.date(2010, 1, 1), dt.date(2010, 9, 30))
SEPTEMBER = (dt.date(2010, 9, 1), dt.date(2010, 9, 30))
YEAR_2010 = (dt.date(2010, 1, 1), dt.date(2010, 12, 31))
# Lots of the six counties of 咸宁市, Jan-Sep 2010: 204 of the 214 outside the centre's Jan-Aug figures.
_XIANNING_COUNTIES = {"421202": 40, "421281": 40, "421221": 34, "421223": 32, "421222": 30, "421224": 28}
# The centre's 49 parcels: starting prices and premium as published, so the deals are 1,154,980,000 (statistics).
_LAND_START, _LAND_DEALS = 1_077_000_000, 1_077_000_000 + 77_980_000
_COUNTY_MIX = (("construction", 0.45, 1.0), ("procurement", 0.25, 0.12), ("land", 0.2, 1.3))  # then property


def _xianning_2010() -> list[HistoricalLot]:
    """咸宁市, Jan-Sep 2010: the centre's Jan-Aug figures exactly, and 214 more lots making up the whole city."""
    rng = random.Random(20100930)
    taken: set[int] = set()
    works = _plans(rng, "construction", "421200", 59, JAN_AUG, projects=48, sigma=1.1)
    goods = _plans(rng, "procurement", "421200", 11, JAN_AUG, sigma=0.9, first_project=1000)
    parcels = _plans(rng, "land", "421200", 49, JAN_AUG, sigma=0.9, first_project=2000)
    for group, total in ((works, 4_494_000_000), (goods, 32_137_700), (parcels, _LAND_DEALS)):
        for plan, award in zip(group, _allocate(_yuan_to_fen(total), [p.weight for p in group],
                                                WAN_YUAN if group is parcels else YUAN, taken), strict=True):
            plan.award = award
    _budgets(rng, works + goods, _yuan_to_fen(160_672_600))
    _starting_prices(rng, parcels, _yuan_to_fen(_LAND_DEALS - _LAND_START))

    rest: list[_Plan] = []
    next_project = 3000
    for trade_type, count, scale in (("construction", 5, 1.0), ("procurement", 2, 0.12), ("land", 3, 1.3)):
        rest += _plans(rng, trade_type, "421200", count, SEPTEMBER, scale=scale, first_project=next_project)
        next_project += 100
    for region, count in _XIANNING_COUNTIES.items():
        left = count
        for trade_type, share, scale in _COUNTY_MIX:
            n = round(count * share)
            rest += _plans(rng, trade_type, region, n, JAN_SEP, scale=scale, first_project=next_project)
            next_project += 100
            left -= n
        rest += _plans(rng, "property", region, left, JAN_SEP, scale=0.25, first_project=next_project)
        next_project += 100
    _allocate_mixed(rest, _yuan_to_fen(8_102_000_000 - 4_494_000_000 - 32_137_700 - _LAND_DEALS), taken)
    _budgets(rng, [p for p in rest if p.trade_type in ("construction", "procurement")], None)
    _starting_prices(rng, [p for p in rest if p.trade_type in ("land", "property")], None)
    return _build(rng, works + goods + parcels + rest)


def _badong_2010() -> list[HistoricalLot]:
    """巴东县, 2010: 94 works and procurement lots, 517 m yuan, savings 11,547,600.00, all with budgets."""
    rng = random.Random(20101231)
    taken: set[int] = set()
    lots = (_plans(rng, "construction", "422823", 76, YEAR_2010, sigma=1.0)
            + _plans(rng, "procurement", "422823", 18, YEAR_2010, sigma=0.9, scale=0.15, first_project=1000))
    _allocate_mixed(lots, _yuan_to_fen(517_000_000), taken)
    _budgets(rng, lots, _yuan_to_fen(11_547_600))
    return _build(rng, lots)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "xianning-2010", "咸宁市公共资源交易中心 2010年1-9月",
            "咸宁市 (421200) and its six counties, Jan-Sep 2010: 333 lots, 8,102,000,000.00 yuan. The centre "
            "itself, Jan-Aug: 59 works lots (4,494,000,000.00), 11 procurement lots (32,137,700.00), 49 land "
            "parcels (starting 1,077,000,000.00, deals 1,154,980,000.00, premium 77,980,000.00 = 7.24 %), "
            "savings 160,672,600.00; 119 lots in 108 projects.",
            _xianning_2010, "Xianning public resource trading centre, Jan–Sep 2010",
        ),
        Scenario(
            "badong-2010", "巴东县公共资源交易中心 2010年",
            "巴东县 (422823), 2010: 94 works and procurement lots, 517,000,000.00 yuan, all with budgets; "
            "savings 11,547,600.00 (savings rate 2.18 %; 2.24 % published).",
            _badong_2010, "Badong public resource trading centre, 2010",
        ),
    )
}


def generate(name: str) -> list[HistoricalLot]:
    """The lots of the named scenario; refuses an unknown name, listing the known ones."""
    scenario = SCENARIOS.get(str(name).strip())
    if scenario is None:
        raise DomainError(N_("There is no scenario %(name)s; the scenarios are: %(known)s."), field="name",
                          name=str(name), known=", ".join(sorted(SCENARIOS)))
    return scenario.generate()
