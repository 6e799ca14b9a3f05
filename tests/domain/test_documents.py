"""Standard document templates: every trade type's announcement and documents render from a full lot, and a
missing field is refused by name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from trading.domain.documents import (
    TEMPLATE_DIR,
    Criterion,
    DocumentContext,
    KeyNotice,
    LandDetails,
    SpecialtyNeed,
    beijing_time,
    render_announcement,
    render_documents,
)
from trading.domain.errors import DomainError
from trading.domain.rules import DEFAULT_RULES as LAW, METHODS
from trading.domain.schedule import propose

ISSUED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 Beijing time
FINGERPRINT = "SHA256:9f86d081884c7d659a2feaa0c55ad015"

COMMON = dict(
    approval_number="巴发改审批〔2026〕12号", approval_body="巴东县发展和改革局", approval_date=date(2026, 1, 15),
    agency="湖北楚天招标代理有限公司", region="巴东县", contact_name="张明", contact_phone="0718-4321234",
    key_fingerprint=FINGERPRINT,
)
SPECIALTIES = (SpecialtyNeed("A080201", "市政工程", 4), SpecialtyNeed("A0301", "工程造价", 1))


def context(trade_type: str, method: str, **changes) -> DocumentContext:
    """A full context for one trade type and method, as a tenderee would file it."""
    fields = {
        "construction": dict(
            project_name="巴东县城区污水管网改造工程", tenderee="巴东县住房和城乡建设局", lot_name="一标段",
            lot_number="BD-JS-2026-012-01", deal_code="422823-2026-JS-0012",
            price=Decimal("12345678.90"), deposit=Decimal("200000.00"), location="巴东县信陵镇",
            scope="污水管网12.6公里及附属泵站土建、安装工程", duration="180日历天",
            qualification="具备市政公用工程施工总承包三级及以上资质，"
                          "拟派项目经理具备二级注册建造师（市政公用工程）执业资格",
            evaluation_method="comprehensive", specialties=SPECIALTIES,
            criteria=(Criterion("投标报价", Decimal(60), Decimal(60)),
                      Criterion("施工组织设计", Decimal(30), Decimal(30)),
                      Criterion("项目管理机构", Decimal(10), Decimal(10))),
        ),
        "procurement": dict(
            project_name="巴东县人民医院医疗设备采购项目", tenderee="巴东县人民医院",
            lot_name="彩色多普勒超声诊断仪", lot_number="02", deal_code="422823-2026-CG-0045",
            price=Decimal("1800000.00"), deposit=Decimal("36000.00"), category="goods",
            location="巴东县人民医院（巴东县信陵镇）", scope="彩色多普勒超声诊断仪2台，含安装、培训和5年质保",
            duration="合同签订后60日内交货并安装调试完毕",
            qualification="所投产品具有医疗器械注册证，供应商具有医疗器械经营许可证",
            evaluation_method="comprehensive", specialties=(SpecialtyNeed("B0401", "医疗设备", 5),),
            criteria=(Criterion("价格", Decimal(30), Decimal(30)),
                      Criterion("技术参数响应", Decimal(50), Decimal(50)),
                      Criterion("售后服务", Decimal(20), Decimal(20))),
        ),
        "land": dict(
            project_name="2026年第3批次国有建设用地使用权出让", tenderee="巴东县自然资源和规划局",
            approval_body="巴东县人民政府", lot_name="城东新区A-03地块", lot_number="BD2026-03",
            deal_code="422823-2026-TD-0003", price=Decimal("46000000.00"), deposit=Decimal("9200000.00"),
            increment=Decimal("200000.00"), reserve_note="本宗地设有底价",
            land=LandDetails("巴东县信陵镇城东新区东瀼口大道以北", Decimal("23456.78"), "城镇住宅用地", 70,
                             Decimal("1.0"), Decimal("2.5")),
        ),
        "property": dict(
            project_name="巴东县城投置业有限公司股权转让", tenderee="巴东县城市建设投资有限公司",
            approval_body="巴东县国有资产监督管理局", lot_name="巴东县城投置业有限公司100%股权",
            lot_number="BD-CQ-2026-007", deal_code="422823-2026-CQ-0007",
            price=Decimal("31500000.00"), deposit=Decimal("3000000.00"), increment=Decimal("100000.00"),
            location="巴东县信陵镇", scope="巴东县城投置业有限公司100%股权（注册资本5000万元）",
            qualification="意向受让方应为依法设立并有效存续的企业法人，具有良好的财务状况和支付能力",
        ),
    }[trade_type]
    values = dict(COMMON, trade_type=trade_type, method=method, method_name=METHODS[method].name_zh,
                  schedule=propose(trade_type, method, ISSUED, rules=LAW), rules=LAW) | fields
    if trade_type == "land" and method == "tender":
        values |= dict(evaluation_method="highest_price", specialties=SPECIALTIES)
    return DocumentContext(**(values | changes))


# What each announcement must say: its title, the timetable's key time, and the rule behind the 20 days.
ANNOUNCED = [
    ("construction", "open", "招标公告", "2026年3月23日 09时30分", "招标投标法 第二十四条"),
    ("construction", "invited", "投标邀请书", "2026年3月23日 09时30分", "招标投标法 第二十四条"),
    ("construction", "negotiation", "竞争性谈判公告", "2026年3月5日 09时30分", "第74号"),
    ("procurement", "open", "公开招标公告", "2026年3月23日 09时30分", "政府采购法 第三十五条"),
    ("procurement", "consultation", "竞争性磋商公告", "2026年3月12日 09时30分", "财库〔2014〕214号"),
    ("procurement", "inquiry", "询价公告", "2026年3月5日 09时30分", "第74号"),
    ("land", "listing", "国有建设用地使用权挂牌出让公告", "2026年3月23日 09时00分", "第39号） 第八条"),
    ("land", "auction", "国有建设用地使用权拍卖出让公告", "2026年3月23日 09时30分", "第39号） 第八条"),
    ("land", "tender", "国有建设用地使用权招标出让公告", "2026年3月23日 09时30分", "第39号） 第八条"),
    ("property", "listing", "产权转让公告", "2026年3月30日 17时00分", "财政部令第32号"),
]


@pytest.mark.parametrize(("trade_type", "method", "kind", "key_time", "citation"), ANNOUNCED)
def test_announcement_renders_with_every_key_field(trade_type, method, kind, key_time, citation):
    """The announcement names the lot, its deal code, times, deposit, rules, platform and sealing."""
    ctx = context(trade_type, method)
    title, text = render_announcement(ctx)
    assert title.endswith(kind)
    for needed in (ctx.deal_code, ctx.contact_phone, key_time, "2026年3月2日 09时00分", citation,
                   f"{ctx.deposit:,}", "虚拟子账号", "网上银行", "巴东县公共资源交易平台"):
        assert needed in text, needed
    assert "{" not in text and "None" not in text


@pytest.mark.parametrize(("trade_type", "method", "kind", "key_time", "citation"), ANNOUNCED)
def test_documents_render_with_every_chapter(trade_type, method, kind, key_time, citation):
    """The documents carry the key data table, the evaluation, the contract summary and the forms."""
    ctx = context(trade_type, method)
    title, text = render_documents(ctx)
    assert ctx.lot_name in title
    for needed in (ctx.deal_code, "前附表", key_time, citation, "合同", "格式", "虚拟子账号"):
        assert needed in text, needed
    assert ("开标一览表" in text) or ("报价单" in text)
    assert "{" not in text and "None" not in text


@pytest.mark.parametrize(("trade_type", "method"), [("construction", "open"), ("procurement", "open"),
                                                    ("land", "tender")])
def test_sealed_bids_online_opening_and_random_experts(trade_type, method):
    """Tender notices say bids are encrypted, opened online at the deadline, and experts drawn at random."""
    ctx = context(trade_type, method)
    announcement = render_announcement(ctx)[1]
    documents = render_documents(ctx)[1]
    assert "加密" in announcement and "在线" in announcement and FINGERPRINT in announcement
    assert "不见面开标" in announcement + documents
    assert "随机抽取" in announcement + documents
    assert "电子招标投标办法 第二十九条至第三十条" in announcement


def test_construction_documents_cite_the_law():
    """The construction key data table carries the legal numbers with their sources."""
    text = render_documents(context("construction", "open"))[1]
    for needed in ("投标人须知前附表", "发售期不少于5日，招标投标法实施条例 第十六条", "2026年3月8日 23时59分",
                   "2026年3月13日 23时59分", "不超过招标项目估算价的2%（招标投标法实施条例 第二十六条）",
                   "不超过3名", "投标报价｜60%｜60分", "综合评估法", "市政工程（A080201）4名", "履约保证金"):
        assert needed in text, needed


def test_procurement_documents_borrowed_rules_say_so():
    """Numbers procurement takes from construction rules are cited with 参照; goods keep a 30% price weight; the
    documents stay available 5 working days (87号令 Art. 18), a procurement rule of its own."""
    text = render_documents(context("procurement", "open"))[1]
    announcement = render_announcement(context("procurement", "open"))[1]
    assert "不少于5个工作日，政府采购货物和服务招标投标管理办法（财政部令第87号） 第十八条" in announcement
    assert "参照招标投标法实施条例 第十六条" not in announcement
    assert "参照招标投标法 第二十三条" in text
    assert "不低于30%" in text and "综合评分法" in text and "价格｜30%｜30分" in text
    assert "技术复杂项目（" not in text  # not marked complex: the 5-member committee


def test_a_complex_procurement_from_ten_million_yuan_says_seven_members():
    """A lot the tenderee marked complex, with a budget of 10 million yuan or more, announces a committee of 7
    (87号令 Art. 47) with the tenderee's reason; one fen below, the documents keep the general sentence only."""
    marked = dict(complex=True, complex_reason="多学科联合成像系统集成")
    text = render_documents(context("procurement", "open", price=Decimal("10000000.00"), **marked))[1]
    assert "本项目经采购人认定为技术复杂项目（多学科联合成像系统集成），评标委员会由7人以上单数组成" in text
    below = render_documents(context("procurement", "open", price=Decimal("9999999.99"), **marked))[1]
    assert "技术复杂项目（" not in below


@pytest.mark.parametrize(("method", "size", "suppliers"), [
    ("negotiation", "政府采购法 第三十八条、第四十条", "政府采购法 第三十八条、第四十条"),
    ("inquiry", "政府采购法 第三十八条、第四十条", "政府采购法 第三十八条、第四十条"),
    ("consultation", "财库〔2014〕214号） 第十四条", "财库〔2014〕214号） 第六条"),
])
def test_group_methods_state_their_group_and_suppliers(method, size, suppliers):
    """Negotiation and inquiry groups of 3 (采购法 Arts. 38, 40), consultation groups of 3 (214号 Art. 14), each
    with at least 3 suppliers under its own rule."""
    text = render_documents(context("procurement", method, category="goods"))[1]
    line = next(line for line in text.splitlines() if line.startswith("4.2"))
    assert "共3人以上单数组成" in line and size in line
    assert "参加的供应商不少于3家" in line and suppliers in line


def test_single_source_names_its_supplier_and_has_no_committee():
    """The single-source notice publishes the one supplier for 5 working days (采购条例 Art. 38); the documents
    draw no experts and record the negotiation instead (74号令 Art. 42); without the supplier it is refused."""
    ctx = context("procurement", "single_source", suppliers=("武汉华中智联设备有限公司",))
    title, announcement = render_announcement(ctx)
    assert title.endswith("单一来源采购公告")
    assert "拟定唯一供应商：武汉华中智联设备有限公司" in announcement
    assert "公示期不少于5个工作日（政府采购法实施条例 第三十八条）" in announcement
    assert "2026年3月9日 09时30分" in announcement  # the response deadline, 5 working days on
    documents = render_documents(ctx)[1]
    assert "评审专家｜不适用" in documents and "小组由采购人代表" not in documents
    assert "协商情况记录" in documents and "第四十二条" in documents
    with pytest.raises(DomainError) as missing:
        render_announcement(context("procurement", "single_source"))
    assert missing.value.field == "suppliers"


def test_land_announcement_table_and_listing():
    """The land notice has the parcel table, the listing period and the centre's application deadline."""
    text = render_announcement(context("land", "listing"))[1]
    for needed in ("一、挂牌出让地块的基本情况和规划指标要求", "二、竞买人范围", "三、获取挂牌出让文件",
                   "四、挂牌时间地点", "五、竞买保证金", "六、其他", "23,456.78", "城镇住宅用地", "70年", "1–2.5",
                   "4,600.00 万元", "20.00 万元", "920.00 万元",
                   "2026年4月7日 15时00分", "不少于10个工作日", "非法定期限", "本宗地设有底价"):
        assert needed in text, needed


def test_missing_fingerprint_is_to_be_published():
    """Without an opening key yet, the fingerprint is announced as to be published."""
    text = render_announcement(context("construction", "open", key_fingerprint=None))[1]
    assert "待公布" in text and FINGERPRINT not in text


def test_beijing_time():
    """Times are written in Beijing time, hours and minutes zero-padded."""
    assert beijing_time(datetime(2026, 3, 23, 1, 30, tzinfo=UTC)) == "2026年3月23日 09时30分"


@pytest.mark.parametrize(
    ("trade_type", "method", "changes", "field"),
    [
        ("construction", "open", {"deal_code": None}, "deal_code"),
        ("construction", "open", {"project_name": "  "}, "project_name"),
        ("construction", "open", {"scope": None}, "scope"),
        ("procurement", "open", {"category": None}, "category"),
        ("property", "listing", {"qualification": ""}, "qualification"),
        ("land", "listing", {"increment": None}, "increment"),
        ("land", "listing", {"reserve_note": None}, "reserve_note"),
    ],
)
def test_missing_field_in_announcement(trade_type, method, changes, field):
    """A field the announcement needs but the context leaves empty is refused by name."""
    with pytest.raises(DomainError) as caught:
        render_announcement(context(trade_type, method, **changes))
    assert caught.value.field == field
    assert caught.value.params["template"] == f"{trade_type}_announcement.txt"


def test_missing_nested_fields_are_named_with_their_path():
    """Missing parts of the parcel or the timetable are named with a dotted path."""
    ctx = context("land", "listing")
    with pytest.raises(DomainError) as caught:
        render_announcement(replace(ctx, land=replace(ctx.land, plot_ratio_max=None)))
    assert caught.value.field == "land.plot_ratio_max"
    with pytest.raises(DomainError) as caught:
        render_documents(replace(ctx, schedule=replace(ctx.schedule, listing_start=None)))
    assert caught.value.field == "schedule.listing_start"


@pytest.mark.parametrize(
    ("trade_type", "method", "changes", "field"),
    [
        ("construction", "open", {"evaluation_method": None}, "evaluation_method"),
        ("construction", "open", {"criteria": ()}, "criteria"),
        ("procurement", "open", {"specialties": ()}, "specialties"),
        ("land", "tender", {"evaluation_method": None}, "evaluation_method"),
        ("land", "listing", {"land": None}, "land"),
    ],
)
def test_missing_field_in_documents(trade_type, method, changes, field):
    """The documents need the evaluation, the criteria, the experts and the parcel."""
    with pytest.raises(DomainError) as caught:
        render_documents(context(trade_type, method, **changes))
    assert caught.value.field == field


def test_lowest_price_needs_no_criteria():
    """Lowest evaluated price renders without a criteria table."""
    text = render_documents(context("construction", "open", evaluation_method="lowest_price", criteria=()))[1]
    assert "经评审的最低投标价法" in text and "评分因素｜权重" not in text


def test_unknown_evaluation_method_and_agreement_are_refused():
    """Unknown evaluation methods and categories, and 协议转让 (not announced), are refused."""
    with pytest.raises(DomainError) as caught:
        render_documents(context("procurement", "open", evaluation_method="lottery"))
    assert caught.value.field == "evaluation_method"
    with pytest.raises(DomainError) as caught:
        render_announcement(context("procurement", "open", category="furniture"))
    assert caught.value.field == "category"
    ctx = context("property", "listing")
    with pytest.raises(DomainError) as caught:
        render_announcement(replace(ctx, method="agreement", method_name="协议转让"))
    assert caught.value.rule == "property.methods"


def test_one_announcement_and_one_documents_template_per_trade_type():
    """The template folder holds exactly the eight standard templates."""
    names = sorted(path.name for path in TEMPLATE_DIR.glob("*.txt"))
    assert names == sorted(f"{t}_{kind}.txt" for t in ("construction", "procurement", "land", "property")
                           for kind in ("announcement", "documents"))


def test_the_announcement_names_the_platform_keys_page_and_lists_the_fingerprints_it_is_given():
    """Every announcement says where the platform's public keys are; the fingerprints when the publisher gives them."""
    plain = render_announcement(context("property", "listing"))[1]
    assert "“平台公钥”页面（/keys）" in plain and "指纹：" not in plain.split("交易平台公钥")[1][:200]
    given = (KeyNotice("专家抽取随机信标签名公钥", "0a1b 2c3d 4e5f 6071 8293 a4b5 c6d7 e8f9"),)
    for trade_type, method in (("construction", "open"), ("procurement", "open"), ("land", "listing"),
                               ("property", "listing")):
        text = render_announcement(context(trade_type, method, platform_keys=given))[1]
        assert "专家抽取随机信标签名公钥指纹：0a1b 2c3d 4e5f 6071 8293 a4b5 c6d7 e8f9\n" in text
