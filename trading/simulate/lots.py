"""Sample projects and lots walked through stages 1–3 by the real services (demo data and tests).

Every step is the same service call a person makes in the browser, so every rule is checked and audited.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..domain import calendar, filing
from ..models import Lot, Organisation, Project, User
from ..services import announcements, certification, methods, pledges, projects, registrations

ORDER = ["draft", "filed", "certified", "method_approved", "announced"]


@dataclass
class Cast:
    """The demo users who act in a walk-through."""

    tenderee: User  # 住建局 (construction, procurement)
    land_tenderee: User  # 自然资源和规划局 (land, property)
    staff: User
    supervisor: User
    bidders: list[User]


def cast(session) -> Cast:
    """The demo users by login name (load the demo accounts first)."""
    user = {u.username: u for u in session.scalars(sa.select(User))}
    return Cast(user["tenderee1"], user["tenderee2"], user["staff"], user["supervisor"],
                [user[f"bidder{i}"] for i in range(1, 7)])


@dataclass(frozen=True)
class Sample:
    """A sample project and lot of one trade type, the method it asks for, why, and the demo bidders the method
    names (invited tender, single source)."""

    project: dict
    lot: dict
    method: str
    justification: str = ""
    invited: tuple[str, ...] = ()


SAMPLES = {
    "construction": Sample(
        {"name": "咸宁市温泉路（淦河大桥至银泉大道）改造工程", "region_code": "421202",
         "approval_number": "咸发改审批〔2026〕18号",
         "approving_body": "咸宁市发展和改革委员会", "funding_source": "市级财政资金", "state_funded": True,
         "contact_name": "张华", "contact_phone": "0715-8123456"},
        {"name": "施工一标段", "budget": "38600000.00", "deposit": "700000.00", "evaluation_method": "comprehensive",
         "criteria": [{"name": "投标报价", "weight": "60", "price": True}, {"name": "施工组织设计", "weight": "30"},
                      {"name": "项目管理机构", "weight": "10"}],
         "specialties": {"A080201": 4, "A0601": 1}, "location": "咸宁市咸安区温泉路",
         "scope": "道路、排水、照明及交通工程施工", "duration": "360日历天",
         "qualification": "市政公用工程施工总承包二级及以上资质，项目经理具备市政公用工程一级注册建造师"},
        "open"),
    "procurement": Sample(
        {"name": "咸宁市中心医院医疗设备采购项目", "region_code": "421200",
         "approval_number": "咸财采计〔2026〕0107号",
         "approving_body": "咸宁市财政局", "funding_source": "财政预算资金", "state_funded": True,
         "contact_name": "陈静", "contact_phone": "0715-8256789"},
        {"name": "第一包：彩色多普勒超声诊断系统", "budget": "4800000.00", "deposit": "90000.00", "category": "goods",
         "evaluation_method": "comprehensive",
         "criteria": [{"name": "价格", "weight": "30", "price": True}, {"name": "技术参数响应", "weight": "50"},
                      {"name": "售后服务", "weight": "20"}],
         "specialties": {"B014803": 4, "B081607": 1}, "location": "咸宁市中心医院", "duration": "合同签订后60日内交货",
         "scope": "彩色多普勒超声诊断系统2台及安装、培训", "qualification": "具备医疗器械经营许可证"},
        "open"),
    "land": Sample(
        {"name": "咸宁市咸安区2026-07号地块国有建设用地使用权出让", "region_code": "421202",
         "approval_number": "咸政土批〔2026〕7号", "approving_body": "咸宁市人民政府", "funding_source": "土地出让收入",
         "state_funded": True, "contact_name": "刘芳", "contact_phone": "0715-8234567"},
        {"name": "咸安区2026-07号地块", "starting_price": "61200000.00", "deposit": "12240000.00",
         "increment": "500000.00", "location": "咸安区贺胜路以东、旗鼓大道以北",
         "land_details": {"area": "30600", "use": "城镇住宅用地", "term_years": "70", "plot_ratio_min": "1.0",
                          "plot_ratio_max": "2.5"}},
        "listing"),
    "property": Sample(
        {"name": "咸宁市城市建设投资有限公司所持咸宁温泉宾馆有限公司100%股权转让", "region_code": "421200",
         "approval_number": "咸国资产权〔2026〕3号", "approving_body": "咸宁市人民政府国有资产监督管理委员会",
         "funding_source": "国有产权转让", "state_funded": True, "contact_name": "刘芳",
         "contact_phone": "0715-8234567"},
        {"name": "咸宁温泉宾馆有限公司100%股权", "starting_price": "25800000.00", "valuation": "25800000.00",
         "deposit": "2000000.00", "payment": "instalments", "upfront_percent": "30", "balance_months": "12",
         "increment": "100000.00", "location": "咸宁市温泉路",
         "scope": "咸宁温泉宾馆有限公司100%股权（含土地使用权及地上建筑物）", "qualification": "依法存续的企业法人"},
        "listing"),
}
# The lot the demo leaves at its opening: another road of the same kind as the construction sample.
SAMPLES["construction-opening"] = Sample(
    {**SAMPLES["construction"].project, "name": "咸宁市永安大道东延线道路工程",
     "approval_number": "咸发改审批〔2026〕31号"},
    {**SAMPLES["construction"].lot, "budget": "24800000.00", "deposit": "480000.00",
     "location": "咸宁市咸安区永安大道", "scope": "道路、桥涵、排水及照明工程施工", "duration": "300日历天"},
    SAMPLES["construction"].method)


# The state property transfer the demo leaves in its disclosure (issue 18): another equity stake, its buyers qualified
# by the centre (simulate/demo.py load_property_lot).
SAMPLES["property-disclosure"] = Sample(
    {**SAMPLES["property"].project, "name": "咸宁市交通投资集团有限公司所持咸宁港务有限公司40%股权转让",
     "approval_number": "咸国资产权〔2026〕11号"},
    {"name": "咸宁港务有限公司40%股权", "starting_price": "18600000.00", "valuation": "18600000.00",
     "deposit": "1500000.00", "payment": "lump_sum", "increment": "100000.00", "location": "咸宁市咸安区长江路",
     "scope": "咸宁港务有限公司40%股权（含港区码头经营权益）",
     "qualification": "依法存续的企业法人，近三年无重大违法记录"},
    "listing")

# The state property follow-up (issue 18; simulate/demo.py load_property_followup): a transfer of control pre-disclosed
# before its formal disclosure, and a transfer sold to one buyer and paid in instalments under its contract.
SAMPLES["property-control"] = Sample(
    {**SAMPLES["property"].project, "name": "咸宁市城市发展集团有限公司所持咸宁市城区停车管理有限公司51%股权转让",
     "approval_number": "咸国资产权〔2026〕17号"},
    {"name": "咸宁市城区停车管理有限公司51%股权", "starting_price": "9600000.00", "valuation": "9600000.00",
     "deposit": "800000.00", "payment": "lump_sum", "increment": "50000.00", "location": "咸宁市咸安区银泉大道",
     "scope": "咸宁市城区停车管理有限公司51%股权（转让后标的企业实际控制人变更）",
     "qualification": "依法存续的企业法人", "control_change": True},
    "listing")
SAMPLES["property-paid"] = Sample(
    {**SAMPLES["property"].project, "name": "咸宁市文化旅游投资有限公司所持咸宁九宫山索道有限公司30%股权转让",
     "approval_number": "咸国资产权〔2026〕5号"},
    {"name": "咸宁九宫山索道有限公司30%股权", "starting_price": "12000000.00", "valuation": "12000000.00",
     "deposit": "1000000.00", "payment": "instalments", "upfront_percent": "30", "balance_months": "12",
     "increment": "50000.00", "location": "通山县九宫山镇", "scope": "咸宁九宫山索道有限公司30%股权",
     "qualification": "依法存续的企业法人"},
    "listing")

# The finished states a trainee reads (simulate/demo.py load_contract_states): a land parcel sold, its land contract
# registered with its payment schedule, one instalment paid through the bank and one overdue; and a state property
# transfer whose disclosure chose one sealed round (一次报价), its qualified buyers in the round, which is open.
SAMPLES["land-paid"] = Sample(
    {**SAMPLES["land"].project, "name": "咸宁市咸安区2026-03号地块国有建设用地使用权出让",
     "approval_number": "咸政土批〔2026〕3号"},
    {"name": "咸安区2026-03号地块", "starting_price": "48600000.00", "deposit": "9720000.00",
     "increment": "300000.00", "location": "咸安区永安大道以南、银泉大道以西",
     "land_details": {"area": "24300", "use": "商服用地", "term_years": "40", "plot_ratio_min": "1.0",
                      "plot_ratio_max": "3.0"}},
    "listing")
SAMPLES["property-sealed"] = Sample(
    {**SAMPLES["property"].project, "name": "咸宁市国有资本投资运营集团有限公司所持咸宁市汽车客运有限公司35%股权转让",
     "approval_number": "咸国资产权〔2026〕23号"},
    {"name": "咸宁市汽车客运有限公司35%股权", "starting_price": "15600000.00", "valuation": "15600000.00",
     "deposit": "1200000.00", "payment": "lump_sum", "increment": "100000.00", "location": "咸宁市咸安区温泉路",
     "scope": "咸宁市汽车客运有限公司35%股权（含客运站经营权益）", "qualification": "依法存续的企业法人",
     "bidding_form": "sealed"},
    "listing")

# Two lots of the non-tender procurement methods (the demo walks them to the contract: simulate/methods.py).
SAMPLES["procurement-single-source"] = Sample(
    {**SAMPLES["procurement"].project, "name": "咸宁市中心医院磁共振成像系统原厂维保项目",
     "approval_number": "咸财采计〔2026〕0188号"},
    {"name": "3.0T磁共振成像系统原厂维保服务（三年）", "budget": "2400000.00", "deposit": "40000.00",
     "category": "services", "evaluation_method": "lowest_price", "criteria": [], "specialties": {"B081607": 1},
     "location": "咸宁市中心医院影像科", "duration": "三年", "scope": "3.0T磁共振成像系统三年原厂维保、软件升级和备件",
     "qualification": "设备原厂或其授权的唯一维保服务商"},
    "single_source",
    "该设备的维保涉及原厂专有技术和软件授权，只能由原厂授权的唯一服务商提供（政府采购法第三十一条第一项）。",
    ("bidder4",))
SAMPLES["procurement-negotiation"] = Sample(
    {**SAMPLES["procurement"].project, "name": "咸宁市妇幼保健院医疗设备采购项目",
     "approval_number": "咸财采计〔2026〕0215号"},
    {"name": "第一包：便携式彩色超声诊断仪", "budget": "1260000.00", "deposit": "20000.00", "category": "goods",
     "evaluation_method": "lowest_price", "criteria": [], "specialties": {"B014803": 2, "B081607": 1},
     "location": "咸宁市妇幼保健院", "duration": "合同签订后30日内交货", "scope": "便携式彩色超声诊断仪3台及安装、培训",
     "qualification": "具备医疗器械经营许可证"},
    "negotiation", "公开招标后没有供应商投标，经批准改用竞争性谈判（政府采购法第三十条第一项）。")

# The demo's supervision case (simulate/supervision.py): two single-source packages awarded without a contract, one
# past its 30 days, the other due today.
SAMPLES["procurement-late-contract"] = Sample(
    {**SAMPLES["procurement"].project, "name": "咸宁市中心医院直线加速器原厂维保项目",
     "approval_number": "咸财采计〔2026〕0231号"},
    {**SAMPLES["procurement-single-source"].lot, "name": "医用直线加速器原厂维保服务（两年）",
     "budget": "1980000.00", "deposit": "30000.00",
     "scope": "医用直线加速器两年原厂维保、软件升级和备件", "duration": "两年"},
    "single_source", SAMPLES["procurement-single-source"].justification, ("bidder4",))
SAMPLES["procurement-contract-due"] = Sample(
    {**SAMPLES["procurement"].project, "name": "咸宁市妇幼保健院新生儿监护系统原厂维保项目",
     "approval_number": "咸财采计〔2026〕0236号"},
    {**SAMPLES["procurement-single-source"].lot, "name": "新生儿监护系统原厂维保服务（三年）",
     "budget": "860000.00", "deposit": "15000.00",
     "scope": "新生儿监护系统三年原厂维保、软件升级和备件", "duration": "三年"},
    "single_source", SAMPLES["procurement-single-source"].justification, ("bidder5",))


def sample_of(lot: Lot) -> Sample:
    """The sample a demo lot was made from (by its project's name), else its trade type's."""
    return next((s for s in SAMPLES.values() if s.project["name"] == lot.project.name),
                SAMPLES[lot.project.trade_type])


def _owner(people: Cast, trade_type: str) -> User:
    """Which demo tenderee registers a sample of this trade type."""
    return people.land_tenderee if trade_type in ("land", "property") else people.tenderee


def create(ctx, session, people: Cast, now: datetime, sample_name: str) -> Lot:
    """Register a sample project (named by its trade type, or "construction-opening") and its lot, as a draft."""
    sample = SAMPLES[sample_name]
    trade_type = sample_name.split("-")[0]
    approved = calendar.local_date(now) - timedelta(days=30)
    data = projects.ProjectInput(trade_type=trade_type, approval_date=date(approved.year, approved.month, approved.day),
                                 **sample.project)
    project = projects.register_project(session, _owner(people, trade_type), now, data)
    return projects.add_lot(ctx, session, _owner(people, trade_type), now, project, projects.LotInput(**sample.lot))


def advance(ctx, session, people: Cast, now: datetime, lot: Lot, target: str) -> Lot:
    """Walk a lot forward through the services until it reaches ``target`` (one of ORDER)."""
    owner = _owner(people, lot.project.trade_type)
    trade_type = lot.project.trade_type
    while ORDER.index(lot.state) < ORDER.index(target):
        if lot.state == "draft":
            for kind in filing.kinds(trade_type):
                body = f"{kind.name_zh}（演示文件，模拟平台生成）\n{lot.project.name}\n".encode()
                projects.attach(ctx, session, owner, now, lot, kind.code, f"{kind.name_zh}.txt", "text/plain",
                                io.BytesIO(body), 2**20)
            projects.file_lot(session, owner, now, lot)
        elif lot.state == "filed":
            certification.certify(session, people.staff, now, lot)
        elif lot.state == "certified":
            sample = sample_of(lot)
            invited = [bidder_org(session, name).id for name in sample.invited]
            request = methods.request_method(ctx, session, owner, now, lot, sample.method, sample.justification,
                                             invited)
            methods.decide_method(ctx, session, people.supervisor, now, request.id, True, "符合法定条件，同意。")
        elif lot.state == "method_approved":
            announcements.publish(ctx, session, owner, now, lot, announcements.propose(ctx, lot, now))
    return lot


def sign_up(session, people: Cast, now: datetime, lot: Lot, count: int) -> None:
    """Sign the first ``count`` demo bidders up for an announced lot."""
    for bidder in people.bidders[:count]:
        registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))


def pay_deposits(session, people: Cast, now: datetime, lot: Lot, count: int) -> None:
    """The first ``count`` signed-up demo bidders pay their deposits in the online bank (the last one short)."""
    from ..services import deposits

    for number, bidder in enumerate(people.bidders[:count], start=1):
        deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
        if deposit is None:
            continue
        amount = deposit.required if number < count or count == 1 else deposit.required / 2
        deposits.pay(session, bidder, now, target_number=deposit.sub_account.number, amount=f"{amount:.2f}",
                     memo="投标保证金")


def existing(session, sample_name: str) -> Lot | None:
    """A sample's lot if the demo already created it."""
    name = SAMPLES[sample_name].project["name"]
    return session.scalar(sa.select(Lot).join(Project).where(Project.name == name))


def bidder_org(session, username: str) -> Organisation:
    """The organisation of a demo bidder."""
    return session.scalar(sa.select(User).where(User.username == username)).organisation


def submit_bids(ctx, session, people: Cast, now: datetime, lot: Lot, prices: list[str], *,
                documents: bytes = b"", bidders: list[User] | None = None) -> list:
    """The first ``len(prices)`` demo bidders (of ``bidders``, by default all six in order) sign up, pay in full, get
    a certificate, seal a bid with that price and a technical document on their own side (as the bidder's tool
    does), and submit it."""
    from ..domain import pki
    from ..domain.sealing import envelope
    from ..services import bids, deposits, keys

    ctx = ctx.at(now)  # each bid received at ``now``
    made = []
    for bidder, price in zip(bidders or people.bidders, prices, strict=False):
        if registrations.registration_of(session, lot, bidder.organisation_id) is None:
            registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
        deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
        missing = deposit.required - deposit.received if deposit is not None else 0
        if missing > 0:
            deposits.pay(session, bidder, now, target_number=deposits.sub_account(session, deposit).number,
                         amount=f"{missing:.2f}", memo="投标保证金")
        key_file, pem = keys.issue_certificate(ctx, session, bidder, now, "keypass2026")
        out = io.BytesIO()
        body = documents or f"{bidder.organisation.name} 技术标：施工组织设计与项目管理机构\n".encode() * 200
        envelope.seal(out, lot_code=lot.deal_code, bidder_code=bidder.organisation.credit_code,
                      lot_public_key=keys.opening_key_of(session, lot).public_key,
                      price_form={"price": price, "duration": "300日历天", "质量标准": "合格",
                                  "项目经理": "一级注册建造师"},
                      files=[("技术标.txt", io.BytesIO(body))],
                      signer=pki.load_private_key(key_file, "keypass2026"), certificate_pem=pem)
        made.append(bids.submit(ctx, session, bidder, lot, io.BytesIO(out.getvalue())))
    session.flush()
    return made


OPENING_PRICES = ["24180000.00", "23650000.00", "24420000.00"]


def ready_to_open(ctx, session, people: Cast, now: datetime) -> Lot:
    """The demo lot that a trainee opens, evaluates and awards: announced 25 days ago, three sealed bids in
    (bidder1–3, the construction companies, deposits paid), the panel drawn yesterday by the simulated phone
    (4 road engineers and a cost engineer, a backup each), and its bid deadline an hour from now, so advancing
    the clock opens it."""
    lot = opening_lot(ctx, session, people, now)
    draw_opening_panel(ctx, session, people, now, lot)
    return lot


def opening_lot(ctx, session, people: Cast, now: datetime) -> Lot:
    """``ready_to_open``'s lot without its panel: announced 25 days ago, three sealed bids in."""
    from ..domain import schedule

    start = now - timedelta(days=25)
    lot = create(ctx, session, people, start, "construction-opening")
    advance(ctx, session, people, start, lot, "method_approved")
    deadline = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    timetable = announcements.complete(ctx, lot, schedule.Schedule(issued_at=start, bid_deadline=deadline))
    announcements.publish(ctx, session, _owner(people, "construction"), start, lot, timetable)
    submit_bids(ctx, session, people, start + timedelta(days=1), lot, OPENING_PRICES)
    return lot


def draw_opening_panel(ctx, session, people: Cast, now: datetime, lot: Lot) -> None:
    """``ready_to_open``'s panel, drawn yesterday by the simulated phone (the beacon's chain only moves forward: a
    draw at an earlier time must come before this one)."""
    from ..services import draws

    deadline = lot.bid_deadline
    at = now - timedelta(days=1)
    for attempt in range(3):  # a ranking can run out before the seats fill (rarely): the supervisor draws again
        actor, reason = (people.staff, "") if attempt == 0 else (people.supervisor, "首次抽取人数不足，重新抽取。")
        draw = draws.create(ctx, session, actor, at, lot, wanted=[("A080201", 4, 1), ("A0601", 1, 1)],
                            exclude_same_region=False, evaluation_at=deadline + timedelta(hours=1),
                            place="咸宁市公共资源交易中心封闭评标室3", reason=reason)
        while draw.status != "complete" and at < now:
            draws.advance(ctx, session, at, draw)
            at += timedelta(seconds=20)
        if not any(draws.panel(draw).open.values()):
            break
    session.flush()
