"""The demo's planted collusion case (issue 19): a greenway landscaping construction lot opened ten days ago whose
three bidders agreed who would win. ``bidder6`` (the landscaping company) wins; ``bidder5`` and ``bidder4``, brought in
to make up the three bids (陪标), cover: one person downloaded the documents for both on one computer, wrote both
technical documents (one author, one program) and uploaded both bids from one address 18 seconds apart, and the
three prices step up by the same 470,000 yuan. (Not bidder1–3: they are the rivals whose names lot 5 keeps secret
before its deadline, which ``tests/security/test_disclosure.py`` checks on every page.) Walked through the
real services (``simulate.screens_bed.walk``: sign-up, download, deposit, sealed bid, opening), so the screens run
at the opening and their signals are stored, waiting for the supervisor's decision on the lot's 串通投标筛查 page.
Created once, after the other demo lots (their ids stay as they were)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from ..domain.screens import LotRecords
from . import lots as walk, screens_bed

OPENED_DAYS_AGO = 10  # the lot was announced 30 days ago and opened about ten days ago
PRICES = {1: Decimal("23460000.00"), 2: Decimal("23930000.00"), 3: Decimal("24400000.00")}  # 470,000 apart
SHARED_PC = ("7f3a9c2e41d84b6a", "10.71.3.25")  # the covers' one computer and its address
BIDDERS = ("bidder6", "bidder5", "bidder4")  # the winner, then the two covers
NOTE = "（串通投标筛查：同一设备、同一作者、18秒内同址上传、等差报价）"

walk.SAMPLES["construction-collusion"] = walk.Sample(
    {**walk.SAMPLES["construction"].project, "name": "咸宁市淦河绿道景观提升工程",
     "approval_number": "咸发改审批〔2026〕44号"},
    {**walk.SAMPLES["construction"].lot, "budget": "25800000.00", "deposit": "500000.00",
     "location": "咸宁市咸安区淦河两岸", "scope": "绿道、园林绿化、景观照明及附属设施工程施工",
     "duration": "240日历天", "qualification": "市政公用工程施工总承包三级及以上资质，具备园林绿化工程施工业绩"},
    walk.SAMPLES["construction"].method)


def planted(announced: datetime) -> screens_bed.BedLot:
    """The case's rows: what each of the three firms did (firms 1, 2, 3 stand for ``BIDDERS`` in that order)."""
    sent = announced + timedelta(days=12, hours=3)
    records = LotRecords(
        prices=PRICES,
        accounts=[(n, f"own-{n}") for n in PRICES],
        downloads=[(1, "c1d0e8a7b2f94e15", "10.71.8.14"), (2, *SHARED_PC), (3, *SHARED_PC)],
        uploads=[(1, "10.71.8.14", sent - timedelta(hours=20)), (2, SHARED_PC[1], sent),
                 (3, SHARED_PC[1], sent + timedelta(seconds=18))],
        documents=[(1, "own-1", "刘敏 / Microsoft Office Word"), (2, "own-2", "张伟 / WPS Office"),
                   (3, "own-3", "张伟 / WPS Office")])
    return screens_bed.BedLot(0, 0, frozenset({"shared_device", "close_uploads", "copied_documents",
                                               "patterned_prices"}), records, 1, Decimal("25800000.00"), sent)


def load(ctx, session, now: datetime) -> list[str]:
    """The case's lot, once; its line."""
    people = walk.cast(session)
    lot = walk.existing(session, "construction-collusion")
    if lot is None:
        announced = now - timedelta(days=OPENED_DAYS_AGO + 20)
        by_name = {u.username: u for u in people.bidders}
        lot, _ids = screens_bed.walk(ctx, session, people, announced, planted(announced), "construction-collusion",
                                     [by_name[name] for name in BIDDERS])
        session.flush()
    return [f"  lot {lot.id:<3} {'construction':<13} {lot.state:<16} {lot.project.name}{NOTE}"]
