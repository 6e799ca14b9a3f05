"""Collusion screens (串通投标预警, 招标投标法实施条例 第四十条): signals a supervisor looks into, never findings.

Each screen takes plain data (prices, or who used which device, account, document or person) and the rules in
force, and returns ``Signal``s that carry everything a supervisor needs to check the working by hand: the inputs,
the figures computed from them, the threshold that tripped, the rule and so its legal source. Nothing here decides
that bidders colluded; the supervisor records a decision (dismissed with a reason, or referred).

Price screens (one lot's valid bids, sorted b1 <= ... <= bn, skipped when n < ``screen.min_bids``):

- coefficient of variation CV = s / mean, with s the sample standard deviation (n - 1), as in the Swiss screening
  work (Imhof et al.); suspicious below ``screen.cv_threshold`` (bids huddled together);
- relative distance RD = (b2 - b1) / s(b2..bn), the gap between the two lowest against the spread of the losing
  bids; suspicious above ``screen.rd_threshold`` (the losers huddled together far above the winner: cover bids);
- DIFFP = (b2 - b1) / b1 against the fences Q1 - k IQR and Q3 + k IQR (k = ``screen.diffp_iqr_factor``) of the
  DIFFPs of earlier lots of the same kind (as the Open Contracting red-flag tool Cardinal does; quartiles by linear
  interpolation, at least ``DIFFP_MIN_HISTORY`` earlier lots);
- regular patterns: the successive gaps (arithmetic) or ratios (geometric) of the sorted bids all within
  ``screen.pattern_tolerance`` percent of their mean; equal prices are the degenerate pattern.

Behaviour screens (any trade type): one value (device fingerprint, client address, paying account, document
hash, a person's identity number) used by two or more bidders of the lot; uploads from one address within
``CLOSE_UPLOAD_SECONDS`` of each other by different bidders.

Screens across lots (awarded lots of the same kind, 条例 第三十九条: agreeing who wins or who gives way): rotation (a
group of three bidders meeting again and again, their meetings won by one of them in turn) and cover bidding (a
bidder that keeps losing to the same winner and never wins).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

from .rules import RuleSet

DIFFP_MIN_HISTORY = 8  # earlier lots of the kind needed before their DIFFP fences mean anything
CLOSE_UPLOAD_SECONDS = 60  # uploads by different bidders from one address this close together
PLACES = Decimal("0.0001")  # figures are shown to four places; compared unrounded


@dataclass(frozen=True)
class Signal:
    """One screen that tripped: ``screen`` names it, ``rule`` is the rule (its source is the legal basis),
    ``bidders`` the bidders it points at (ids as given), ``inputs`` what it read, ``working`` the figures computed
    from them, ``threshold`` what they were compared with and how."""

    screen: str
    rule: str
    bidders: tuple = ()
    inputs: Mapping = field(default_factory=dict)
    working: Mapping = field(default_factory=dict)
    threshold: str = ""


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def sample_sd(values: Sequence[Decimal]) -> Decimal:
    """The sample standard deviation (n - 1); 0 for fewer than two values."""
    if len(values) < 2:
        return Decimal(0)
    mean = _mean(values)
    return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / (len(values) - 1)).sqrt()


def quartiles(values: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """Q1 and Q3 by linear interpolation between the closest ranks (numpy's default, Excel's QUARTILE.INC)."""
    ordered = sorted(values)

    def at(q: Decimal) -> Decimal:
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return at(Decimal("0.25")), at(Decimal("0.75"))


def _q(value: Decimal) -> str:
    return str(value.quantize(PLACES, ROUND_HALF_UP))


def diffp(prices: Iterable[Decimal]) -> Decimal | None:
    """(b2 - b1) / b1 of a lot's sorted valid bids; None below two bids or a zero lowest bid."""
    ordered = sorted(prices)
    if len(ordered) < 2 or ordered[0] <= 0:
        return None
    return (ordered[1] - ordered[0]) / ordered[0]


def price_screens(prices: Mapping, rules: RuleSet, history: Sequence[Decimal] = ()) -> list[Signal]:
    """The price screens over one lot's valid bids (``{bidder: price}``); ``history`` is the DIFFP of earlier lots
    of the same kind (``diffp``). Empty below ``screen.min_bids`` bids."""
    if len(prices) < int(rules.value("screen.min_bids")) or any(p <= 0 for p in prices.values()):
        return []
    order = sorted(prices, key=lambda b: (prices[b], str(b)))
    bids = [Decimal(prices[b]) for b in order]
    inputs = {"prices": {str(b): str(prices[b]) for b in order}}
    found: list[Signal] = []
    mean, sd = _mean(bids), sample_sd(bids)
    cv, limit = sd / mean, Decimal(rules.value("screen.cv_threshold"))
    if cv < limit:
        found.append(Signal("cv", "screen.cv_threshold", tuple(order), inputs,
                            {"mean": _q(mean), "sd": _q(sd), "cv": _q(cv)}, f"CV < {limit}"))
    losers_sd = sample_sd(bids[1:])
    gap, limit = bids[1] - bids[0], Decimal(rules.value("screen.rd_threshold"))
    if losers_sd > 0 and gap / losers_sd > limit:
        found.append(Signal("rd", "screen.rd_threshold", tuple(order), inputs,
                            {"b1": str(bids[0]), "b2": str(bids[1]), "sd_losers": _q(losers_sd),
                             "rd": _q(gap / losers_sd)}, f"RD > {limit}"))
    found += _diffp_screen(order, bids, inputs, rules, history)
    found += _pattern_screen(order, bids, inputs, rules)
    return found


def _diffp_screen(order, bids, inputs, rules: RuleSet, history: Sequence[Decimal]) -> list[Signal]:
    if len(history) < DIFFP_MIN_HISTORY:
        return []
    value, k = (bids[1] - bids[0]) / bids[0], Decimal(rules.value("screen.diffp_iqr_factor"))
    q1, q3 = quartiles(list(history))
    low, high = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
    if low <= value <= high:
        return []
    return [Signal("diffp", "screen.diffp_iqr_factor", tuple(order), {**inputs, "history_lots": len(history)},
                   {"diffp": _q(value), "q1": _q(q1), "q3": _q(q3), "lower_fence": _q(low), "upper_fence": _q(high)},
                   f"DIFFP outside [Q1 - {k} IQR, Q3 + {k} IQR]")]


def _within(values: Sequence[Decimal], tolerance: Decimal) -> bool:
    """Every value within ``tolerance`` (a share) of their mean."""
    mean = _mean(values)
    return mean > 0 and all(abs(v - mean) <= tolerance * mean for v in values)


def _pattern_screen(order, bids, inputs, rules: RuleSet) -> list[Signal]:
    tolerance = Decimal(rules.value("screen.pattern_tolerance")) / 100
    gaps = [b - a for a, b in zip(bids, bids[1:], strict=False)]
    steps = [b / a - 1 for a, b in zip(bids, bids[1:], strict=False)]
    threshold = f"every step within {rules.value('screen.pattern_tolerance')}% of their mean"
    if all(g == 0 for g in gaps):
        return [Signal("pattern", "screen.pattern_tolerance", tuple(order), inputs, {"kind": "equal", "gaps": "0"},
                       "equal prices")]
    if _within(gaps, tolerance):
        return [Signal("pattern", "screen.pattern_tolerance", tuple(order), inputs,
                       {"kind": "arithmetic", "gaps": [str(g) for g in gaps], "mean_gap": _q(_mean(gaps))}, threshold)]
    if _within(steps, tolerance):
        return [Signal("pattern", "screen.pattern_tolerance", tuple(order), inputs,
                       {"kind": "geometric", "ratios": [_q(1 + s) for s in steps], "mean_ratio": _q(1 + _mean(steps))},
                       threshold)]
    return []


SHARED = {  # what two bidders should never have in common, and its rule
    "device": "screen.shared_device", "address": "screen.shared_device", "account": "screen.shared_account",
    "document": "screen.identical_documents", "metadata": "screen.document_metadata", "person": "screen.shared_people",
}


def shared_values(kind: str, uses: Iterable[tuple]) -> list[Signal]:
    """One signal per value (``kind``: device, address, account, document, metadata, person) that two or more bidders
    used;
    ``uses`` is ``(bidder, value)`` pairs (a blank value is no evidence and is skipped)."""
    bidders: dict[str, set] = defaultdict(set)
    for bidder, value in uses:
        if value not in (None, ""):
            bidders[str(value)].add(bidder)
    return [Signal(f"shared_{kind}", SHARED[kind], tuple(sorted(found, key=str)), {"kind": kind, "value": value},
                   {"bidders": len(found)}, "used by two or more bidders")
            for value, found in sorted(bidders.items()) if len(found) > 1]


def close_uploads(uploads: Iterable[tuple], seconds: int = CLOSE_UPLOAD_SECONDS) -> list[Signal]:
    """Uploads by different bidders from one address within ``seconds`` of each other; ``uploads`` is
    ``(bidder, address, at)`` triples. One signal per address, naming every bidder in such a pair."""
    by_address: dict[str, list[tuple[datetime, object]]] = defaultdict(list)
    for bidder, address, at in uploads:
        if address:
            by_address[address].append((at, bidder))
    found = []
    for address, rows in sorted(by_address.items()):
        rows.sort(key=lambda r: r[0])
        pairs = [(a, b) for a, b in zip(rows, rows[1:], strict=False)
                 if a[1] != b[1] and (b[0] - a[0]).total_seconds() <= seconds]
        if pairs:
            named = sorted({bidder for pair in pairs for _, bidder in pair}, key=str)
            found.append(Signal("close_uploads", "screen.shared_device", tuple(named), {"address": address},
                                {"pairs": [[str(a[1]), str(b[1]), int((b[0] - a[0]).total_seconds())]
                                           for a, b in pairs]}, f"two bidders within {seconds} s from one address"))
    return found


def all_but_winner_disqualified(valid: Mapping, winner) -> list[Signal]:
    """Every bid but the winner's found invalid (``valid``: ``{bidder: bool}``), with at least two others."""
    others = [b for b in valid if b != winner]
    if winner in valid and valid[winner] and len(others) >= 2 and not any(valid[b] for b in others):
        return [Signal("all_but_winner_disqualified", "screen.all_but_winner_disqualified", (winner, *others),
                       {"valid": {str(b): bool(v) for b, v in valid.items()}}, {"winner": str(winner)},
                       "every other bid disqualified")]
    return []


@dataclass(frozen=True)
class PastLot:
    """An earlier lot of the same kind: who bid and who won (None: no award)."""

    lot: object
    bidders: frozenset
    winner: object = None


def rotation(history: Sequence[PastLot], rules: RuleSet, among: Iterable = ()) -> list[Signal]:
    """Groups of three bidders that won in turn: at least ``screen.rotation_min_lots`` awarded lots they all bid in
    were won by one of them, by at least two different members (the rule: meeting and winning in turn; an outsider
    winning some of their meetings does not end the turns). One signal per group; with ``among``, only the
    groups with a member among those bidders (the lot's)."""
    min_lots = int(rules.value("screen.rotation_min_lots"))
    among = set(among)
    awarded = [p for p in history if p.winner is not None]
    meetings: dict[tuple, list] = defaultdict(list)  # only groups that met at all: the triples of each lot's bidders
    for past in awarded:
        present = sorted(past.bidders, key=str)
        if among and not among & past.bidders:
            continue
        for group in combinations(present, 3):
            if not among or among & set(group):
                meetings[group].append(past)
    found: list[Signal] = []
    for group, all_met in sorted(meetings.items(), key=lambda item: [str(b) for b in item[0]]):
        met = [p for p in all_met if p.winner in group]  # an outsider may win now and then: the turns are the rest
        winners = [p.winner for p in met]
        if len(met) >= min_lots and len(set(winners)) >= 2:
            found.append(Signal("rotation", "screen.rotation_min_lots", tuple(group),
                                {"lots": [str(p.lot) for p in met]}, {"winners": [str(w) for w in winners]},
                                f"met in at least {min_lots} lots, each won by one of them, in turn"))
    return found


def cover_bidding(history: Sequence[PastLot], rules: RuleSet) -> list[Signal]:
    """A bidder that lost at least ``screen.cover_min_losses`` times to the same winner and never won a lot of the
    history."""
    min_losses = int(rules.value("screen.cover_min_losses"))
    winners = {p.winner for p in history if p.winner is not None}
    losses: dict[tuple, list] = defaultdict(list)
    for past in history:
        if past.winner is None:
            continue
        for bidder in past.bidders - {past.winner}:
            losses[(bidder, past.winner)].append(past.lot)
    return [Signal("cover_bidding", "screen.cover_min_losses", (winner, loser), {"lots": [str(lot) for lot in lots]},
                   {"losses_to_winner": len(lots), "wins": 0},
                   f"lost at least {min_losses} times to one winner, never won")
            for (loser, winner), lots in sorted(losses.items(), key=lambda item: (str(item[0][0]), str(item[0][1])))
            if len(lots) >= min_losses and loser not in winners]


def document_facts(name: str, data: bytes) -> tuple[str, str]:
    """What a bid document gives the screens: its SHA-256 and its metadata as "author / creating software" (from a
    .docx's docProps, or a PDF's /Author and /Creator or /Producer; "" when it has neither)."""
    import hashlib
    import re
    import zipfile
    from io import BytesIO

    digest = hashlib.sha256(data).hexdigest()
    author = software = ""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(BytesIO(data)) as book:
                names = set(book.namelist())
                core = book.read("docProps/core.xml").decode("utf-8", "replace") if "docProps/core.xml" in names else ""
                app = book.read("docProps/app.xml").decode("utf-8", "replace") if "docProps/app.xml" in names else ""
        except (zipfile.BadZipFile, KeyError, OSError):
            core = app = ""
        found = re.search(r"<dc:creator>([^<]*)</dc:creator>", core)
        author = found.group(1).strip() if found else ""
        found = re.search(r"<Application>([^<]*)</Application>", app)
        software = found.group(1).strip() if found else ""
    elif data[:5] == b"%PDF-":
        def field(key: bytes) -> str:
            found = re.search(rb"/" + key + rb"\s*\(([^)]*)\)", data)
            return found.group(1).decode("latin-1").strip() if found else ""
        author, software = field(b"Author"), field(b"Creator") or field(b"Producer")
    return digest, f"{author} / {software}" if author and software else ""


@dataclass(frozen=True)
class LotRecords:
    """Everything the screens read about one lot, as plain rows (what ``services.screens.gather`` reads from the
    platform's records, or what ``simulate.screens_bed`` generates): the opened prices ``{bidder: price}``, the
    deposits' paying accounts ``(bidder, account)``, the document downloads ``(bidder, device, address)``, the bid
    uploads ``(bidder, address, at)``, the opened documents ``(bidder, sha256, metadata)``, the DIFFP of earlier
    lots of the same kind and the awarded lots of the same kind its bidders took part in."""

    prices: Mapping = field(default_factory=dict)
    accounts: Sequence = ()
    downloads: Sequence = ()
    uploads: Sequence = ()
    documents: Sequence = ()
    history: Sequence = ()
    past: Sequence = ()


def screen_records(records: LotRecords, rules: RuleSet) -> list[Signal]:
    """Every screen over one lot's records: price screens, shared values, close uploads, and rotation and cover
    bidding over the past lots (only the groups, and the winner and loser, that all bid in this lot: a cover bidder
    that did not bid here covered nothing here)."""
    signals = price_screens(records.prices, rules, records.history)
    signals += shared_values("account", records.accounts)
    signals += shared_values("device", [(b, device) for b, device, _ in records.downloads])
    addresses: dict = defaultdict(set)
    for bidder, _, address in records.downloads:
        addresses[bidder].add(address)
    for bidder, address, _ in records.uploads:
        addresses[bidder].add(address)
    signals += shared_values("address", [(b, a) for b, found in addresses.items() for a in found])
    signals += close_uploads(records.uploads)
    signals += shared_values("document", [(b, digest) for b, digest, _ in records.documents])
    signals += shared_values("metadata", [(b, meta) for b, _, meta in records.documents])
    bidders = set(records.prices)  # a cross-lot signal is about this lot when the bidders it names all bid in it
    signals += [s for s in rotation(records.past, rules, among=bidders) if set(s.bidders) <= bidders]
    signals += [s for s in cover_bidding(records.past, rules) if set(s.bidders) <= bidders]
    return signals
