"""Demo organisations and users (``flask demo``): fictional, Chinese names, every role.

Idempotent: an organisation is found by its credit code and a user by login name, so running
it twice changes nothing. Every row is created through the account services, so it is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from stdnum.cn import uscc

from ..models import Organisation, User
from ..services import accounts

DEMO_PASSWORD = "demo2026"
# The demo key holders' key-holder passphrase (server-kept keys, a training set-up): not the login password.
DEMO_KEY_PASSPHRASE = "xianning-open-bids-2026"
DEMO_APPROVER = "supervisor2"  # the second supervisor who approves the demo holders' keys
DEMO_BALANCE = Decimal("80000000.00")  # each bidder company's opening balance at the simulated bank
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def organisation_code(body: str) -> str:
    """The 9-character organisation code (GB 11714-1997): 8 characters plus its check character."""
    total = sum(ORG_CODE_ALPHABET.index(ch) * w for ch, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(kind: str, region: str, body: str) -> str:
    """A valid 统一社会信用代码: kind (e.g. '91' company, '11' public body) + region + org code + check."""
    base = kind + region + organisation_code(body)
    return base + uscc.calc_check_digit(base)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    org_type: str
    kind: str
    region: str
    body: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    org: str
    roles: tuple[str, ...]


ORGS = [
    DemoOrg("centre", "咸宁市公共资源交易中心", "trading_centre", "12", "421200", "MB192031"),
    DemoOrg("supervisor", "咸宁市公共资源交易监督管理局", "supervisory_body", "11", "421200", "01104523"),
    DemoOrg("housing", "咸宁市住房和城乡建设局", "tenderee", "11", "421200", "01103711"),
    DemoOrg("land", "咸宁市自然资源和规划局", "tenderee", "11", "421200", "01105836"),
    DemoOrg("agency", "湖北楚信工程招标代理有限公司", "agency", "91", "421200", "MA48TQ27"),
    DemoOrg("bidder1", "湖北鄂南建筑工程有限公司", "bidder", "91", "421202", "72371265"),
    DemoOrg("bidder2", "咸宁楚天路桥建设有限公司", "bidder", "91", "421202", "MA49BD05"),
    DemoOrg("bidder3", "湖北淦河水利水电工程有限公司", "bidder", "91", "421221", "75700318"),
    DemoOrg("bidder4", "武汉华中智联设备有限公司", "bidder", "91", "420100", "MA4K2P19"),
    DemoOrg("bidder5", "湖北陆水置业发展有限公司", "bidder", "91", "421281", "68563920"),
    DemoOrg("bidder6", "湖北九宫山园林绿化工程有限公司", "bidder", "91", "421224", "MA48RW63"),
    DemoOrg("institute", "咸宁市建筑设计研究院", "expert_employer", "12", "421200", "42010578"),
]

USERS = [
    DemoUser("admin", "系统管理员", "centre", ("admin",)),
    DemoUser("staff", "王敏", "centre", ("staff",)),
    DemoUser("supervisor", "李国强", "supervisor", ("supervisor",)),
    DemoUser("supervisor2", "赵雪梅", "supervisor", ("supervisor",)),
    DemoUser("tenderee1", "张华", "housing", ("tenderee",)),
    DemoUser("tenderee2", "刘芳", "land", ("tenderee",)),
    DemoUser("agency", "陈静", "agency", ("tenderee",)),
    DemoUser("bidder1", "周建军", "bidder1", ("bidder",)),
    DemoUser("bidder2", "吴海涛", "bidder2", ("bidder",)),
    DemoUser("bidder3", "郑志勇", "bidder3", ("bidder",)),
    DemoUser("bidder4", "孙丽", "bidder4", ("bidder",)),
    DemoUser("bidder5", "黄伟", "bidder5", ("bidder",)),
    DemoUser("bidder6", "何晓燕", "bidder6", ("bidder",)),
    DemoUser("expert1", "杨文博", "institute", ("expert",)),
]


def load(session, now, actor="demo") -> list[tuple[DemoUser, str, bool]]:
    """Create whatever demo organisation or user is missing; return (user, org name, created) rows."""
    orgs: dict[str, Organisation] = {}
    for spec in ORGS:
        code = credit_code(spec.kind, spec.region, spec.body)
        org = session.scalar(sa.select(Organisation).where(Organisation.credit_code == code))
        if org is None:
            org = accounts.create_organisation(session, actor, now, name=spec.name, org_type=spec.org_type,
                                               credit_code=code, region_code=spec.region)
        orgs[spec.key] = org
    from ..bank import service as bank

    for org in orgs.values():
        if org.org_type == "bidder":
            bank.open_account(session, org, now, DEMO_BALANCE)
    report = []
    for spec in USERS:
        user = session.scalar(sa.select(User).where(User.username == spec.username))
        created = user is None
        if created:
            accounts.create_user(session, actor, now, username=spec.username, display_name=spec.display_name,
                                 organisation_id=orgs[spec.org].id, roles=spec.roles, password=DEMO_PASSWORD)
        report.append((spec, orgs[spec.org].name, created))
    enrol_holders(session, now)
    return report


def enrol_holders(session, now) -> None:
    """Give the demo key holders (staff, supervisor, the tenderees' representatives) server-kept keys under the
    demo key-holder passphrase, approved by ``supervisor2`` through the same services a centre uses."""
    from ..domain.errors import DomainError
    from ..services import holders

    approver = session.scalar(sa.select(User).where(User.username == DEMO_APPROVER))
    for spec in USERS:
        user = session.scalar(sa.select(User).where(User.username == spec.username))
        if user.id == approver.id or not user.has_role(*holders.HOLDER_ROLES):
            continue
        if holders.state(session, user) in ("none", "legacy"):  # a database from before: replace the old key
            try:
                holders.enrol_server_key(session, user, now, DEMO_KEY_PASSPHRASE, DEMO_KEY_PASSPHRASE, allowed=True)
            except DomainError:  # it still holds an unreleased share sealed to the old key: keep that key
                continue
        if holders.state(session, user) in ("pending", "stale"):
            holders.approve(session, approver, now, user.id)


# The demo's lots: one per trade type, left at different stages so every page has something real.
DEMO_LOTS = (("construction", "announced", 2), ("procurement", "method_approved", 0), ("land", "listing", 2),
             ("property", "filed", 0))
LAND_ANNOUNCED_DAYS_AGO = 25  # the land parcel's listing (which starts 20 days after its announcement) is under way


def load_lots(ctx, session, now) -> list[str]:
    """Create the demo lots that are missing, walked through the services; return one line per lot."""
    from . import lots as walk

    people = walk.cast(session)
    lines = []
    for trade_type, target, signed_up in DEMO_LOTS:
        lot = walk.existing(session, trade_type)
        if lot is None and target == "listing":
            lot = load_listing(ctx, session, people, now, trade_type, signed_up)
        elif lot is None:
            lot = walk.create(ctx, session, people, now, trade_type)
            walk.advance(ctx, session, people, now, lot, target)
            walk.sign_up(session, people, now, lot, signed_up)
            walk.pay_deposits(session, people, now, lot, signed_up)
            session.flush()
        lines.append(f"  lot {lot.id:<3} {trade_type:<13} {lot.state:<16} {lot.project.name}")
    return lines


def load_listing(ctx, session, people, now, trade_type: str, bidders: int):
    """The land parcel in its listing: announced ``LAND_ANNOUNCED_DAYS_AGO`` days ago, the first ``bidders`` demo
    bidders signed up with their deposits paid in full and their paddle numbers (竞买号) issued then, and the clock
    step run now (the listing opened), so bidder1 and bidder2 can offer at once."""
    from datetime import timedelta

    from ..services import auctions, chronograph, deposits
    from . import lots as walk

    then = now - timedelta(days=LAND_ANNOUNCED_DAYS_AGO)
    lot = walk.create(ctx, session, people, then, trade_type)
    walk.advance(ctx, session, people, then, lot, "announced")
    walk.sign_up(session, people, then, lot, bidders)
    for bidder in people.bidders[:bidders]:
        deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
        deposits.pay(session, bidder, then, target_number=deposit.sub_account.number, amount=f"{deposit.required:.2f}",
                     memo="竞买保证金")
        auctions.qualify(ctx, session, bidder, then, lot)
    chronograph.tick(ctx, session, now)
    session.flush()
    return lot


PROPERTY_DISCLOSED_DAYS_AGO = 10  # the property transfer's 20-working-day disclosure is under way


def load_property_lot(ctx, session, now) -> list[str]:
    """The state property transfer in its disclosure (after the lots above, so their ids stay): announced
    ``PROPERTY_DISCLOSED_DAYS_AGO`` days ago, ``bidder5`` and ``bidder6`` signed up with their deposits paid in full,
    ``bidder5`` qualified by the centre's staff (its paddle number issued), ``bidder6`` waiting for the centre's
    review. Created once; returns its line."""
    from datetime import timedelta

    from ..services import chronograph, deposits, pledges, property_trades, registrations
    from . import lots as walk

    people = walk.cast(session)
    lot = walk.existing(session, "property-disclosure")
    if lot is None:
        then = now - timedelta(days=PROPERTY_DISCLOSED_DAYS_AGO)
        lot = walk.create(ctx, session, people, then, "property-disclosure")
        walk.advance(ctx, session, people, then, lot, "announced")
        chronograph.tick(ctx, session, then)  # the disclosure opens at its announcement
        for bidder in people.bidders[4:6]:
            registrations.sign_up(session, bidder, then + timedelta(days=1), lot,
                                  pledge=pledges.accepted(session, lot, bidder))
            deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
            deposits.pay(session, bidder, then + timedelta(days=1), target_number=deposit.sub_account.number,
                         amount=f"{deposit.required:.2f}", memo="交易保证金")
        first = registrations.registration_of(session, lot, people.bidders[4].organisation_id)
        property_trades.qualify(ctx, session, people.staff, then + timedelta(days=2), lot.id, first.id)
        session.flush()
    note = "（信息披露中，1家已确认资格、1家待审核）"
    return [f"  lot {lot.id:<3} {'property':<13} {lot.state:<16} {lot.project.name}{note}"]


PRE_DISCLOSED_DAYS_AGO = 8  # the transfer of control's pre-disclosure is under way
PAID_ANNOUNCED_DAYS_AGO = 75  # the instalment sale: disclosed, agreed, publicised and contracted since


def load_property_followup(ctx, session, now) -> list[str]:
    """The state property follow-up (issue 18), after every other demo lot so their ids stay: a transfer of control
    (``property-control``) accepted by the centre, its method approved and its pre-disclosure published
    ``PRE_DISCLOSED_DAYS_AGO`` days ago (the formal disclosure waits 20 working days); and a transfer
    (``property-paid``) disclosed ``PAID_ANNOUNCED_DAYS_AGO`` days ago, ``bidder4`` its one qualified buyer, the price
    agreed, the contract in instalments signed at the end of the result publicity, the deposit applied and nothing
    else paid, so its part up front is overdue on the supervisor's dashboard. Created once; returns their lines."""
    from datetime import timedelta

    from ..domain import calendar
    from ..domain.property_trade import ContractInput
    from ..services import chronograph, deposits, pledges, pre_disclosures, property_trades, registrations
    from . import lots as walk

    people = walk.cast(session)
    owner = people.land_tenderee
    lines = []
    lot = walk.existing(session, "property-control")
    if lot is None:
        then = now - timedelta(days=PRE_DISCLOSED_DAYS_AGO)
        lot = walk.create(ctx, session, people, then, "property-control")
        walk.advance(ctx, session, people, then, lot, "method_approved")
        pre_disclosures.publish(ctx, session, owner, then, lot.id, "本次转让完成后，咸宁市城市发展集团有限公司不再为"
                                "标的企业控股股东。")
        session.flush()
    lines.append(f"  lot {lot.id:<3} {'property':<13} {lot.state:<16} {lot.project.name}（信息预披露中）")
    lot = walk.existing(session, "property-paid")
    if lot is None:
        then = now - timedelta(days=PAID_ANNOUNCED_DAYS_AGO)
        lot = walk.create(ctx, session, people, then, "property-paid")
        walk.advance(ctx, session, people, then, lot, "announced")
        chronograph.tick(ctx, session, then)
        buyer = people.bidders[3]
        registrations.sign_up(session, buyer, then + timedelta(days=1), lot,
                              pledge=pledges.accepted(session, lot, buyer))
        deposit = deposits.deposit_of(session, lot, buyer.organisation_id)
        deposits.pay(session, buyer, then + timedelta(days=1), target_number=deposit.sub_account.number,
                     amount=f"{deposit.required:.2f}", memo="交易保证金")
        registration = registrations.registration_of(session, lot, buyer.organisation_id)
        property_trades.qualify(ctx, session, people.staff, then + timedelta(days=2), lot.id, registration.id)
        chronograph.tick(ctx, session, lot.listing_end)
        property_trades.record_agreement(ctx, session, owner, lot.listing_end + timedelta(hours=1), lot.id,
                                         "12,300,000")
        signed = calendar.local_date(lot.publicity_end)
        property_trades.register_contract(ctx, session, owner, lot.publicity_end, lot.id, ContractInput(
            number="XN-CQ-2026-009", signed_on=signed, payment="instalments", upfront="3690000",
            balance_due=signed.replace(year=signed.year + 1), interest_rate="3.45",
            guarantee="湖北银行咸宁分行见索即付保函 XNBH-2026-031"))
        session.flush()
    lines.append(f"  lot {lot.id:<3} {'property':<13} {lot.state:<16} {lot.project.name}（分期付款，首期款逾期）")
    return lines


def load_opening_lot(ctx, session, now) -> list[str]:
    """The lot a trainee takes from the opening to the archive (after the expert pool is loaded): three sealed
    bids in, the panel drawn, the bid deadline an hour away; then the lots of the other procurement methods, walked
    to the contract (``simulate.methods``). Each is created once; returns one line per lot. The method lots' panels
    are drawn days ago, before lot 5's of yesterday: the beacon's chain only moves forward."""
    from . import lots as walk, methods

    people = walk.cast(session)
    lot = walk.existing(session, "construction-opening")
    created = lot is None
    if created:
        lot = walk.opening_lot(ctx, session, people, now)
    others = methods.load(ctx, session, now)
    if created:
        walk.draw_opening_panel(ctx, session, people, now, lot)
    line = f"  lot {lot.id:<3} {'construction':<13} {lot.state:<16} {lot.project.name}（3份投标，专家已抽取）"
    return [line, *others]


LAND_PAID_ANNOUNCED_DAYS_AGO = 120  # the land parcel: listed, sold, contracted; its second instalment now overdue


def load_contract_states(ctx, session, now) -> list[str]:
    """The finished states a trainee reads, after every other demo lot so their ids stay (created once; returns their
    lines):

    - ``land-paid``: announced ``LAND_PAID_ANNOUNCED_DAYS_AGO`` days ago, ``bidder5`` its one bidder, sold at its
      listing's end, the land contract registered three days later with a schedule of three instalments (half within
      20 days, a fifth within 60, the rest within 300: 国土资发〔2010〕34号); the deposit applied and the rest of the
      first instalment paid through the bank in time, the second unpaid past its day (overdue on the dashboard);
    - ``property-sealed``: its disclosure chose one sealed round (一次报价); announced so that its 20 working days
      ended at most a day or so before now, ``bidder5`` and ``bidder6`` signed up, paid and qualified, and the clock
      step run now: the sealed round is open until 17:00 on the next working day, and either buyer may seal its
      price."""
    from datetime import timedelta

    from ..domain import calendar
    from ..services import auctions, chronograph, deposits, land_contracts, land_payments
    from . import lots as walk

    people = walk.cast(session)
    buyer = people.bidders[4]
    lines = []
    lot = walk.existing(session, "land-paid")
    if lot is None:
        then = now - timedelta(days=LAND_PAID_ANNOUNCED_DAYS_AGO)
        lot = walk.create(ctx, session, people, then, "land-paid")
        walk.advance(ctx, session, people, then, lot, "announced")
        registrations_of(session, lot, [buyer], then)
        auctions.qualify(ctx, session, buyer, then, lot)
        chronograph.tick(ctx, session, lot.listing_start)
        auctions.place_offer(ctx, session, buyer, lot.listing_start + timedelta(hours=1), lot.id,
                             f"{lot.starting_price + lot.increment:.2f}")
        chronograph.tick(ctx, session, lot.listing_end)
        state = auctions.auction_of(session, lot)
        at = state.decided_at + timedelta(days=3)
        day = calendar.local_date(at)
        half = (state.price / 2).quantize(Decimal("0.01"))
        fifth = (state.price / 5).quantize(Decimal("0.01"))
        plan = [land_payments.InstalmentInput(f"{half:.2f}", day + timedelta(days=20)),
                land_payments.InstalmentInput(f"{fifth:.2f}", day + timedelta(days=60)),
                land_payments.InstalmentInput(f"{state.price - half - fifth:.2f}", day + timedelta(days=300))]
        contract = land_contracts.register(ctx, session, people.land_tenderee, at, lot.id, "咸土出〔2026〕3号", day,
                                           plan)
        applied = deposits.deposit_of(session, lot, buyer.organisation_id).received
        deposits.pay(session, buyer, at + timedelta(days=10), target_number=contract.terms["account"],
                     amount=f"{half - applied:.2f}", memo="第1期土地出让价款")
        session.flush()
    note = "（出让合同已登记，第1期已缴清，第2期逾期）"
    lines.append(f"  lot {lot.id:<3} {'land':<13} {lot.state:<16} {lot.project.name}{note}")
    lot = walk.existing(session, "property-sealed")
    if lot is None:
        lot = load_sealed_round(ctx, session, people, now)
    note = "（一次报价进行中，2家已确认资格）"
    lines.append(f"  lot {lot.id:<3} {'property':<13} {lot.state:<16} {lot.project.name}{note}")
    return lines


def registrations_of(session, lot, bidders, at) -> None:
    """``bidders`` sign up for ``lot`` at ``at`` and pay their deposits in full in the online bank."""
    from ..services import deposits, pledges, registrations

    for bidder in bidders:
        registrations.sign_up(session, bidder, at, lot, pledge=pledges.accepted(session, lot, bidder))
        deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
        deposits.pay(session, bidder, at, target_number=deposit.sub_account.number, amount=f"{deposit.required:.2f}",
                     memo="保证金")


def load_sealed_round(ctx, session, people, now):
    """The property lot whose one sealed round is open now: announced on the latest day whose 20-working-day
    disclosure has ended by ``now`` (so the round opens close to the disclosure's end), its two buyers qualified the
    day after the announcement; the clock step run now opens the round."""
    from datetime import timedelta

    from ..services import announcements, chronograph, property_trades, registrations
    from . import lots as walk

    start = now - timedelta(days=60)
    lot = walk.create(ctx, session, people, start, "property-sealed")
    walk.advance(ctx, session, people, start, lot, "method_approved")
    then = next(now - timedelta(days=back) for back in range(20, 60)
                if announcements.propose(ctx, lot, now - timedelta(days=back)).listing_end <= now)
    announcements.publish(ctx, session, people.land_tenderee, then, lot, announcements.propose(ctx, lot, then))
    chronograph.tick(ctx, session, then)  # the disclosure opens at its announcement
    buyers = people.bidders[4:6]
    registrations_of(session, lot, buyers, then + timedelta(days=1))
    for bidder in buyers:
        registration = registrations.registration_of(session, lot, bidder.organisation_id)
        property_trades.qualify(ctx, session, people.staff, then + timedelta(days=1, hours=2), lot.id,
                                registration.id)
    chronograph.tick(ctx, session, now)  # the disclosure has ended: the sealed round opens
    session.flush()
    return lot
