"""A labelled test bed for the collusion screens (issue 19): lots with honest bidders and lots with planted collusion
of each kind the screens look for, each lot labelled with the kinds planted in it.

**Two ways, one set of rows.** The screens read, for one lot, the rows ``domain.screens.LotRecords`` holds: the
opened prices, the deposits' paying accounts, the documents' downloads (device and address), the bid uploads
(address and time), the opened documents (fingerprint and metadata), the price figures of earlier lots of the same
kind and the awarded lots of the same kind its bidders took part in. ``services.screens.gather`` reads exactly these
rows from the platform's records (the documents' from the opening's decryption pass). Walking one lot through the
real services (sign-up, bank, download, sealed bid, key ceremony, opening, award) takes about a second and a half
here (the envelopes are sealed and opened with real cryptography), so 2,000 lots with their history would take most
of an hour of this shared 2-core machine. So:

- ``market`` generates the rows themselves for the bulk (``benchmarks/screens.py``: thousands of lots in seconds);
- ``walk`` takes a generated lot through the real services (``simulate.lots``: sign-up, download with the lot's
  device and address, the deposit through the simulated bank, the sealed bid with its document uploaded from the
  lot's address at the lot's time, the opening) and ``tests/services/test_screens_bed.py`` checks that the signals
  the opening stored are those the screens give over the generated rows.

**As published.** ``published_facts`` gives a generated lot, once awarded, as the facts the platform publishes
(``services.open_data.lot_facts``' shape), which ``domain.ocds`` maps to OCDS releases: ``benchmarks/cardinal.py``
hands them to the red-flag tool ocdscardinal (docs/OPEN_DATA.md).

One thing the real services cannot plant: a paying account shared by two bidders. The simulated bank accepts a
deposit only from the bidder's own registered account (``bank.accepts``), so ``walk`` records the shared account
on the payment row afterwards, as a deposit paid from outside the platform's bank page would arrive.

**The market** (fixed before the screens were measured, never tuned to them): each market is one kind of lot (one
trade type and category, so DIFFP's fences and the cross-lot screens read the same history) with its own firms.
An honest firm prices its own cost: the engineer's estimate times a firm efficiency (normal, sd 4 %) times a
lot-specific draw (normal, sd 6 %), plus a markup of 2–10 %; it downloads and uploads from its own office address
with one of its own devices, or now and then from a mobile network (carrier-grade NAT: an address drawn from a pool
of 5,000), pays from its own account, and writes its own documents (metadata: its own staff member, one of a few
common office suites). Collusion, each kind planted in its own lots:

- ``cover_bidding``: a ring of a winner and 2–3 covers that never win; the winner prices honestly, the covers bid
  3–12 % above it; 0–2 honest outsiders may still beat the winner;
- ``rotation``: a ring of three firms taking turns to win the lots they all bid for, the others covering;
- ``shared_account``: one ring member's account pays another's deposit;
- ``shared_device``: two ring members download (and upload) from one machine (one device, one address);
- ``copied_documents``: two ring members submit one document (same hash) or documents written by one person with one
  program (same metadata);
- ``patterned_prices``: the ring's prices in an arithmetic or geometric series (rounded to 1,000 yuan) or equal;
- ``close_uploads``: one member uploads the ring's bids from one address seconds apart (so one address is shared
  as well: the lot is labelled ``shared_device`` too).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..domain.screens import LotRecords, PastLot, figures

KINDS = ("cover_bidding", "rotation", "shared_account", "shared_device", "copied_documents", "patterned_prices",
         "close_uploads")
# Which screens speak for each kind (a lot is "flagged for a kind" when one of them signals).
SCREENS_OF = {
    "cover_bidding": {"cover_bidding", "rd", "diffp"},
    "rotation": {"rotation"},
    "shared_account": {"shared_account"},
    "shared_device": {"shared_device", "shared_address"},
    "copied_documents": {"shared_document", "shared_metadata"},
    "patterned_prices": {"pattern", "cv", "identical_prices"},
    "close_uploads": {"close_uploads"},
}
HONEST_SHARE = 0.5  # half the lots honest
SUITES = ("WPS Office", "Microsoft Office Word", "永中Office")
START = datetime(2025, 1, 6, 1, 0)


@dataclass
class BedLot:
    """One generated lot: its id, its market, the kinds planted (empty: honest), its rows and its award."""

    lot: int
    market: int
    kinds: frozenset
    records: LotRecords
    winner: int
    budget: Decimal
    at: datetime


@dataclass
class _Firm:
    id: int
    efficiency: float
    devices: list
    office: str
    staff: list = field(default_factory=list)


def _money(value: float) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


class Market:
    """One market: its firms and the lots generated so far (the history the next lot's screens read)."""

    def __init__(self, number: int, rng: random.Random, firms: int = 60):
        self.number, self.rng = number, rng
        base = number * 10_000
        self.firms = [_Firm(base + i, rng.gauss(1.0, 0.04), [f"dev{base + i}-{d}" for d in range(rng.randint(1, 3))],
                            f"10.{number}.{i // 250}.{i % 250 + 1}", [f"员工{base + i}-{s}" for s in range(3)])
                      for i in range(firms)]
        self.lots: list[BedLot] = []
        self.figures: list = []  # the price figures of the lots so far (the fences of the kind)
        self.rings: dict[str, list] = {}
        self.turn: dict[str, int] = {}
        self.next_firm = base + firms

    def _new_ring(self, size: int) -> list[_Firm]:
        ring = []
        for _ in range(size):
            firm = _Firm(self.next_firm, self.rng.gauss(1.0, 0.04),
                         [f"dev{self.next_firm}-{d}" for d in range(self.rng.randint(1, 2))],
                         f"10.{self.number}.{200 + (self.next_firm % 50)}.{self.next_firm % 250 + 1}",
                         [f"员工{self.next_firm}-{s}" for s in range(3)])
            self.next_firm += 1
            ring.append(firm)
        return ring

    def ring(self, kind: str) -> list[_Firm]:
        """The market's ring for a kind, renewed now and then (a ring runs for 8 to 20 lots)."""
        found = self.rings.get(kind)
        if found is None or self.turn.get(kind + "/left", 0) <= 0:
            size = 3 if kind == "rotation" else self.rng.randint(3, 4)
            found = self.rings[kind] = self._new_ring(size)
            self.turn[kind + "/left"] = self.rng.randint(8, 20)
            self.turn[kind] = 0
        self.turn[kind + "/left"] -= 1
        return found

    def _address(self, firm: _Firm) -> str:
        if self.rng.random() < 0.2:  # a mobile network: carrier-grade NAT, shared with many strangers
            return f"100.64.{self.rng.randrange(20)}.{self.rng.randrange(250)}"
        return firm.office

    def _honest_price(self, firm: _Firm, estimate: float) -> float:
        return estimate * firm.efficiency * self.rng.gauss(1.0, 0.06) * (1 + self.rng.uniform(0.02, 0.10))

    def lot(self, number: int, kind: str | None) -> BedLot:
        """Generate the market's next lot: honest (``kind`` None) or with that kind of collusion planted."""
        rng = self.rng
        at = START + timedelta(days=len(self.lots) * 2, minutes=rng.randrange(600))
        estimate = rng.uniform(2e6, 5e7)
        honest = rng.sample(self.firms, rng.randint(3, 7) if kind is None else rng.randint(0, 2))
        prices = {f.id: self._honest_price(f, estimate) for f in honest}
        ring: list[_Firm] = []
        kinds = set()
        if kind is not None:
            kinds.add(kind)
            ring = self.ring(kind)
            if kind in ("cover_bidding", "rotation"):
                winner = ring[0] if kind == "cover_bidding" else ring[self.turn[kind] % len(ring)]
                self.turn[kind] += 1
                low = self._honest_price(winner, estimate)
                prices[winner.id] = low
                for firm in ring:
                    if firm is not winner:
                        prices[firm.id] = low * (1 + rng.uniform(0.03, 0.12))
            elif kind == "patterned_prices":
                low = self._honest_price(ring[0], estimate)
                shape, step = rng.choice(("arithmetic", "geometric", "equal")), rng.uniform(0.01, 0.04)
                for n, firm in enumerate(ring):
                    value = {"arithmetic": low * (1 + step * n), "geometric": low * (1 + step) ** n,
                             "equal": low}[shape]
                    prices[firm.id] = round(value / 1000) * 1000
            else:  # the other kinds: the members price as honest firms do (the collusion is in the other rows)
                for firm in ring:
                    prices[firm.id] = self._honest_price(firm, estimate)
            if kind == "close_uploads":
                kinds.add("shared_device")
        firms = honest + ring
        prices = {b: _money(p) for b, p in prices.items()}
        accounts = [(f.id, f"6222{f.id:012d}") for f in firms]
        downloads = [(f.id, rng.choice(f.devices), self._address(f)) for f in firms]
        uploads = [(f.id, self._address(f), at - timedelta(hours=rng.uniform(1, 200))) for f in firms]
        documents = [(f.id, f"{rng.getrandbits(128):032x}", f"{rng.choice(f.staff)} / {rng.choice(SUITES)}")
                     for f in firms]
        if ring:
            a, b = ring[0].id, ring[1].id
            if kind == "shared_account":
                accounts = [(f, acc if f != b else f"6222{a:012d}") for f, acc in accounts]
            elif kind == "shared_device":
                shared = next(d for d in downloads if d[0] == a)
                downloads = [(f, *shared[1:]) if f == b else (f, d, ad) for f, d, ad in downloads]
                uploads = [(f, shared[2], t) if f == b else (f, ad, t) for f, ad, t in uploads]
            elif kind == "copied_documents":
                source = next(d for d in documents if d[0] == a)
                same_hash = rng.random() < 0.5
                documents = [(f, source[1] if same_hash else h, source[2]) if f == b else (f, h, m)
                             for f, h, m in documents]
            elif kind == "close_uploads":
                sent = at - timedelta(hours=rng.uniform(1, 48))
                address = ring[0].office
                members = {f.id for f in ring}
                others = [u for u in uploads if u[0] not in members]
                uploads = others + [(f.id, address, sent + timedelta(seconds=rng.randint(5, 50) * n))
                                    for n, f in enumerate(ring)]
        winner = min(prices, key=lambda bidder: (prices[bidder], bidder))
        bidders = set(prices)
        past = [PastLot(p.lot, frozenset(p.records.prices), p.winner) for p in self.lots
                if bidders & set(p.records.prices)]
        records = LotRecords(prices=prices, accounts=accounts, downloads=downloads, uploads=uploads,
                             documents=documents, history=list(self.figures), past=past)
        made = BedLot(number, self.number, frozenset(kinds), records, winner, _money(estimate), at)
        self.lots.append(made)
        self.figures.append(figures(prices.values()))
        return made


def generate(lots: int = 2100, seed: int = 19, markets: int = 6):
    """Yield ``lots`` lots over ``markets`` markets in turn: half honest, the rest planted with each kind in turn."""
    rng = random.Random(seed)
    places = [Market(n + 1, random.Random(rng.getrandbits(64))) for n in range(markets)]
    for number in range(1, lots + 1):
        kind = None if rng.random() < HONEST_SHARE else rng.choice(KINDS)
        yield places[number % markets].lot(number, kind)


# -- the bed as published (OCDS) -----------------------------------------------------------------------------------

REGIONS = ("421202", "421221", "421222", "421223", "421224", "421281")  # one county of 咸宁市 per market
OPENING_TO_PUBLICITY = timedelta(days=2)  # evaluation, report, then the publicity (at most 3 days: the rule)
PUBLICITY_TO_AWARD = timedelta(days=4)  # the publicity lasts at least 3 days (construction.publicity_period)


def region_of(market: int) -> str:
    return REGIONS[(market - 1) % len(REGIONS)]


def organisation(firm: int, market: int) -> dict:
    """A generated firm as the platform publishes an organisation: its name and a valid 统一社会信用代码."""
    from .demo import credit_code

    return {"name": f"咸宁市第{firm}号建设工程有限公司",
            "credit_code": credit_code("91", region_of(market), f"{firm:08d}")}


def tenderee(market: int) -> dict:
    """The market's tenderee (every lot of a market is one kind of lot, tendered by one public body)."""
    from ..domain import regions
    from .demo import credit_code

    county = regions.name(region_of(market)).removeprefix("湖北省咸宁市")
    return {"name": f"{county}交通运输局",
            "credit_code": credit_code("11", region_of(market), f"9{market:07d}")}


def candidates(made: BedLot, rules) -> list[dict]:
    """The lot's ranked candidates as the evaluation (经评审的最低投标价法, ``domain.scoring.lowest_price``) gives
    them from its opened prices: every bid compliant, at most ``construction.max_candidates``; the bed's rule for
    equal prices (the lower firm id first) stands for the receipt order."""
    from ..domain import scoring

    bids = [scoring.BidPrice(str(firm), price) for firm, price in sorted(made.records.prices.items())]
    ballot = {"1": {bid.bid_id: True for bid in bids}}
    report = scoring.lowest_price(bids, ballot, rules=rules)
    return [{"rank": c.rank, "bidder": int(c.bid_id), "price": c.price} for c in report.candidates]


def published_facts(made: BedLot, rules) -> dict:
    """What the platform publishes about a bed lot once its award is made, in the shape of
    ``services.open_data.lot_facts`` (so ``domain.ocds`` maps it as it maps a real lot): a construction lot, open
    tender, lowest evaluated price, the engineer's estimate as its budget, the documents issued the legal minimum
    (``construction.bid_window``) before the deadline, opened at the deadline; the opening record's counts; the
    candidates' publicity; the award to the lowest bid. No bidder but the candidates and the winner is named, as
    on the platform (``visibility.Fact.BIDDERS``)."""
    from ..domain import dealcode, lifecycle, regions

    utc = made.at.replace(tzinfo=UTC) if made.at.tzinfo is None else made.at
    issued = utc - timedelta(days=int(rules.value("construction.bid_window")))
    prices = made.records.prices
    ranked = candidates(made, rules)
    assert ranked[0]["bidder"] == made.winner, "the evaluation's first candidate is the bed's winner"
    publicity_at = utc + OPENING_TO_PUBLICITY
    award_at = publicity_at + PUBLICITY_TO_AWARD
    region = region_of(made.market)
    code = dealcode.format_code(region, utc.year, "construction", made.lot)
    return {
        "id": made.lot, "deal_code": code, "name": "施工标段", "number": 1, "round": 1, "state": "awarded",
        "stage": lifecycle.stage_of("awarded", None),
        "project": {"name": f"测试床第{made.market}类道路工程第{made.lot}号", "trade_type": "construction",
                    "region_code": region, "region_name": regions.name(region),
                    "approval_number": f"咸发改审批〔{utc.year}〕{made.lot}号",
                    "approving_body": "咸宁市发展和改革委员会", "funding_source": "财政资金",
                    "tenderee": tenderee(made.market), "agency": None},
        "method": "open", "category": None, "evaluation_method": "lowest_price", "budget": made.budget,
        "starting_price": None, "deposit": None, "increment": None, "location": None, "scope": None,
        "duration": None, "qualification": None, "issued_at": issued, "documents_until": None, "bid_deadline": utc,
        "opening_at": utc, "listing_start": None, "listing_end": None, "auction_start": None,
        "updated_at": award_at, "property_terms": None,
        "announcement": {"id": made.lot, "lot_id": made.lot, "round": 1, "title": "招标公告", "published_at": issued,
                         "deal_code": code, "trade_type": "construction", "region_code": region},
        "bid_statistics": {"received": len(prices), "opened": len(prices), "not_opened": 0,
                           "lowest_price": min(prices.values()), "highest_price": max(prices.values()),
                           "opened_at": utc},
        "publicity": {"published_at": publicity_at, "ends_at": publicity_at + timedelta(days=3),
                      "rule": "construction.publicity_period",
                      "candidates": [{"rank": c["rank"], **organisation(c["bidder"], made.market), "price": c["price"],
                                      "total": None} for c in ranked]},
        "award": {"id": made.lot, "bidder": organisation(made.winner, made.market), "rank": 1,
                  "price": prices[made.winner], "issued_at": award_at},
        "contract": None,
    }


def document(body: str, metadata: str) -> bytes:
    """A small .docx-shaped document (a zip with docProps) carrying ``metadata`` ("author / creating software")."""
    import io
    import zipfile

    author, _, software = metadata.partition(" / ")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for name, text in (
                ("docProps/core.xml", f'<cp:coreProperties xmlns:dc="http://purl.org/dc/elements/1.1/" '
                                      f'xmlns:cp="x"><dc:creator>{author}</dc:creator></cp:coreProperties>'),
                ("docProps/app.xml", f"<Properties><Application>{software}</Application></Properties>"),
                ("word/document.xml", f"<w:document>{body}</w:document>")):
            info = zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0))  # fixed times: equal bodies make equal files
            book.writestr(info, text)
    return out.getvalue()


def walk(ctx, session, people, now: datetime, made: BedLot, sample: str = "construction", bidders=None):
    """Take a generated lot (at most six bidders: the demo's) through the real services as a lot of ``sample``
    (``simulate.lots.SAMPLES``), announced at ``now``, and open it at its deadline: the demo bidders (``bidders``, by
    default all six in order) stand for its firms in price order; each signs up, downloads the documents with its
    device and address, pays its deposit, and uploads a sealed bid with its price and its document (same hash, same
    metadata where the lot has them) from its upload address, its uploads in the lot's order and at the lot's gaps.
    Returns the opened lot and ``{generated firm: organisation id}``."""
    import io

    import sqlalchemy as sa

    from ..domain import pki
    from ..domain.sealing import envelope
    from ..models import Deposit, DepositPayment
    from ..services import bids, deposits, keys, pledges, registrations
    from . import lots as walk_lots, methods

    records = made.records
    firms = sorted(records.prices, key=lambda b: (records.prices[b], b))
    assert len(firms) <= len(people.bidders), "the demo has six bidders"
    stand_in = dict(zip(firms, bidders or people.bidders, strict=False))
    lot = walk_lots.create(ctx, session, people, now, sample)
    walk_lots.advance(ctx, session, people, now, lot, "announced")
    downloads = {f: (d, a) for f, d, a in records.downloads}
    for firm, bidder in stand_in.items():
        registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
        device, address = downloads[firm]
        registrations.record_download(session, bidder, now, lot, address=address, fingerprint=device, user_agent="")
        deposit = deposits.deposit_of(session, lot, bidder.organisation_id)
        deposits.pay(session, bidder, now, target_number=deposits.sub_account(session, deposit).number,
                     amount=f"{deposit.required:.2f}", memo="投标保证金")
    account = dict(records.accounts)
    for firm, bidder in stand_in.items():  # a deposit paid from another bidder's account (see the module's note)
        payer = next((stand_in[f] for f in firms[:firms.index(firm)] if account[f] == account[firm]), None)
        if payer is not None:
            row = session.scalar(sa.select(DepositPayment).join(Deposit).where(
                Deposit.lot_id == lot.id, Deposit.bidder_id == bidder.organisation_id))
            row.payer_account = session.scalar(sa.select(DepositPayment.payer_account).join(Deposit).where(
                Deposit.lot_id == lot.id, Deposit.bidder_id == payer.organisation_id))
    session.commit()
    uploads = sorted(records.uploads, key=lambda u: (u[2], u[0]))
    first = uploads[0][2]
    start = now + timedelta(days=1)
    docs = {f: (h, m) for f, h, m in records.documents}
    bodies: dict = {}
    for firm, address, at in uploads:
        bidder = stand_in[firm]
        digest, metadata = docs[firm]
        body = bodies.setdefault(digest, f"{bidder.organisation.name} 技术标 {digest}")
        key_file, pem = keys.issue_certificate(ctx, session, bidder, now, "keypass2026")
        out = io.BytesIO()
        envelope.seal(out, lot_code=lot.deal_code, bidder_code=bidder.organisation.credit_code,
                      lot_public_key=keys.opening_key_of(session, lot).public_key,
                      price_form={"price": str(records.prices[firm]), "duration": "300日历天", "质量标准": "合格",
                                  "项目经理": "一级注册建造师"},
                      files=[("技术标.docx", io.BytesIO(document(body, metadata)))],
                      signer=pki.load_private_key(key_file, "keypass2026"), certificate_pem=pem)
        bids.submit(ctx.at(start + (at - first)), session, bidder, lot, io.BytesIO(out.getvalue()), address=address)
    methods._open(ctx, session, people, lot)
    session.flush()
    return lot, {firm: bidder.organisation_id for firm, bidder in stand_in.items()}
