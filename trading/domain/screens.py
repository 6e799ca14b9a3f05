"""Collusion screens (串通投标预警, 招标投标法实施条例 第四十条): signals a supervisor looks into, never findings.

Each screen takes plain data (prices, or who used which device, account, document or person) and the rules in
force, and returns ``Signal``s that carry everything a supervisor needs to check the working by hand: the inputs,
the figures computed from them, the threshold that tripped, the rule and so its legal source. Nothing here decides
that bidders colluded; the supervisor records a decision (dismissed with a reason, or referred).

Price screens (one lot's valid bids, sorted b1 <= ... <= bn, skipped when n < ``screen.min_bids``), each figure
measured against its benchmark in RULES.md and against the lots of the same kind (``price_figures``):

- coefficient of variation CV = s / mean, with s the sample standard deviation (n - 1), as in the Swiss screening
  work (Imhof et al.); signals when below ``screen.cv_threshold`` (bids huddled together) and below the lower fence
  of the kind's CVs;
- relative distance RD = (b2 - b1) / s(b2..bn), the gap between the two lowest against the spread of the losing
  bids; signals when above ``screen.rd_threshold`` (the losers huddled together far above the winner: cover bids)
  and above the upper fence of the kind's RDs;
- DIFFP = (b2 - b1) / b1 against the fences Q1 - k IQR and Q3 + k IQR (k = ``screen.diffp_iqr_factor``) of the
  DIFFPs of earlier lots of the same kind (as the Open Contracting red-flag tool Cardinal does; quartiles by linear
  interpolation);
- the fences of CV and RD are Tukey's (k = ``screen.fence_iqr_factor``) on their logarithm; all fences need at
  least ``screen.fence_min_lots`` earlier lots of the kind, and until then the figures are shown, not signalled;
- regular patterns: the successive gaps (arithmetic) or ratios (geometric) of the sorted bids all within
  ``screen.pattern_tolerance`` percent of their mean; equal prices are the degenerate pattern;
- identical prices: two or more bidders at one price while others bid otherwise (``screen.identical_prices``).

Behaviour screens (any trade type): one value (the device fingerprint or client address of a sign-up, a download or
an upload, a paying account, a document hash, the registration number of the project manager a bid names) used by
two or more bidders of the lot; uploads from one address within ``CLOSE_UPLOAD_SECONDS`` of each other by different
bidders.

Screens across lots (awarded lots of the same kind, 条例 第三十九条: agreeing who wins or who gives way): rotation (a
group of three bidders meeting again and again, their meetings won by one of them in turn), cover bidding (a
bidder that keeps losing to the same winner and never wins) and bid suppression (a bidder that keeps signing up and
not bidding where the same winner wins, and never wins).

After the evaluation (条例 第四十条): every bid but the committee's first candidate's disqualified.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

from .rules import RuleSet

ROTATION_POOL = 30  # rotation: past lots where more of the bidders considered met are left out
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


def quartiles(values: Sequence[Decimal], transform=None) -> tuple[Decimal, Decimal]:
    """Q1 and Q3 by linear interpolation between the closest ranks (numpy's default, Excel's QUARTILE.INC), of the
    values or, with ``transform`` (increasing, e.g. ``Decimal.ln``), of the transformed values: the ranks are the
    same, so only the four neighbours are transformed."""
    ordered = sorted(values)

    def at(q: Decimal) -> Decimal:
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        below, above = (ordered[low], ordered[high]) if transform is None else \
            (transform(ordered[low]), transform(ordered[high]))
        return below + (above - below) * (position - low)

    return at(Decimal("0.25")), at(Decimal("0.75"))


def _q(value: Decimal) -> str:
    return str(value.quantize(PLACES, ROUND_HALF_UP))


def diffp(prices: Iterable[Decimal]) -> Decimal | None:
    """(b2 - b1) / b1 of a lot's sorted valid bids; None below two bids or a zero lowest bid."""
    ordered = sorted(prices)
    if len(ordered) < 2 or ordered[0] <= 0:
        return None
    return (ordered[1] - ordered[0]) / ordered[0]


@dataclass(frozen=True)
class Figures:
    """One lot's price figures (what the lots of its kind are measured by): CV and RD from three bids on, DIFFP from
    two; None where a figure is not defined (too few bids, a zero lowest bid, losing bids all equal for RD)."""

    cv: Decimal | None = None
    rd: Decimal | None = None
    diffp: Decimal | None = None


def figures(prices: Iterable[Decimal]) -> Figures:
    """The price figures of one lot's valid bids."""
    bids = sorted(Decimal(p) for p in prices)
    if len(bids) < 3 or bids[0] <= 0:
        return Figures(diffp=diffp(bids))
    losers_sd = sample_sd(bids[1:])
    return Figures(cv=sample_sd(bids) / _mean(bids), rd=(bids[1] - bids[0]) / losers_sd if losers_sd > 0 else None,
                   diffp=diffp(bids))


@dataclass(frozen=True)
class Fences:
    """Tukey's fences of one figure over the earlier lots of the kind: ``lots`` how many, ``q1`` and ``q3`` and the
    fences ``low`` and ``high`` in the figure's own units (for CV and RD computed on its logarithm and taken back)."""

    lots: int
    q1: Decimal
    q3: Decimal
    low: Decimal
    high: Decimal


def fences(values: Sequence[Decimal], k: Decimal, *, log: bool = False) -> Fences:
    """Q1 - k IQR and Q3 + k IQR of ``values`` (on their natural logarithm with ``log``: a figure that is a ratio
    of spreads, bounded below by 0 and skewed to the right, whose raw lower fence falls below 0)."""
    if log:
        q1, q3 = quartiles(values, Decimal.ln)
        low, high = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
        return Fences(len(values), q1.exp(), q3.exp(), low.exp(), high.exp())
    q1, q3 = quartiles(list(values))
    return Fences(len(values), q1, q3, q1 - k * (q3 - q1), q3 + k * (q3 - q1))


@dataclass(frozen=True)
class PriceFigure:
    """One price figure of a lot as the page shows it and the screen judges it: its value, the benchmark of RULES.md
    it is compared with (None: DIFFP has none) and whether it is past it, the fences of the kind (None: fewer than
    ``screen.fence_min_lots`` earlier lots, or not defined) and whether it is outside them on the suspicious
    side, and so whether it signals."""

    name: str
    rule: str
    value: Decimal | None
    benchmark: str
    past_benchmark: bool
    fences: Fences | None
    outside: bool

    @property
    def signals(self) -> bool:
        return self.value is not None and self.past_benchmark and self.fences is not None and self.outside


def price_figures(prices: Mapping, rules: RuleSet, history: Sequence[Figures] = ()) -> list[PriceFigure]:
    """CV, RD and DIFFP of one lot's valid bids, each judged against its benchmark and against the lots of its kind
    (``history``: the ``Figures`` of earlier lots of the same kind). Empty below ``screen.min_bids`` bids.

    The decision rule (docs/SUPERVISION.md): a figure signals only when it is past its benchmark in RULES.md (CV
    below ``screen.cv_threshold``, RD above ``screen.rd_threshold``) and outside the fences of the kind on the same
    side (CV below the lower fence, RD above the upper one; Tukey's fences with k = ``screen.fence_iqr_factor`` on
    the logarithm); DIFFP outside either fence of the kind (k = ``screen.diffp_iqr_factor`` on its value, as
    RULES.md gives it). Fences need ``screen.fence_min_lots`` earlier lots: before that the figures are shown, never
    signalled. One lot's CV or RD alone is no signal: the screening literature separates cartel and competitive
    tenders by these figures over groups of tenders, and one lot of three to seven honest bids lands past the
    benchmarks often (the test bed: CV below 0.06 in 37 % of honest lots, RD above 1 in 42 %)."""
    if len(prices) < int(rules.value("screen.min_bids")) or any(p <= 0 for p in prices.values()):
        return []
    own = figures(prices.values())
    min_lots = int(rules.value("screen.fence_min_lots"))
    k_log, k_diffp = Decimal(rules.value("screen.fence_iqr_factor")), Decimal(rules.value("screen.diffp_iqr_factor"))
    cv_limit, rd_limit = Decimal(rules.value("screen.cv_threshold")), Decimal(rules.value("screen.rd_threshold"))

    def kind(values, k, log):
        values = [v for v in values if v is not None and (v > 0 or not log)]
        return fences(values, k, log=log) if len(values) >= min_lots else None

    cv_fences = kind([h.cv for h in history], k_log, True)
    rd_fences = kind([h.rd for h in history], k_log, True)
    diffp_fences = kind([h.diffp for h in history], k_diffp, False)
    found = [PriceFigure("cv", "screen.cv_threshold", own.cv, f"CV < {cv_limit}", own.cv < cv_limit, cv_fences,
                         cv_fences is not None and own.cv < cv_fences.low)]
    found.append(PriceFigure("rd", "screen.rd_threshold", own.rd, f"RD > {rd_limit}",
                             own.rd is not None and own.rd > rd_limit, rd_fences,
                             rd_fences is not None and own.rd is not None and own.rd > rd_fences.high))
    found.append(PriceFigure("diffp", "screen.diffp_iqr_factor", own.diffp, "", True, diffp_fences,
                             diffp_fences is not None and not diffp_fences.low <= own.diffp <= diffp_fences.high))
    return found


def price_screens(prices: Mapping, rules: RuleSet, history: Sequence[Figures] = ()) -> list[Signal]:
    """The price screens over one lot's valid bids (``{bidder: price}``): CV, RD and DIFFP where ``price_figures``
    says they signal, and regular patterns; ``history`` is the ``Figures`` of earlier lots of the same kind. Empty
    below ``screen.min_bids`` bids."""
    judged = price_figures(prices, rules, history)
    if not judged:
        return []
    order = sorted(prices, key=lambda b: (prices[b], str(b)))
    bids = [Decimal(prices[b]) for b in order]
    inputs = {"prices": {str(b): str(prices[b]) for b in order}}
    found: list[Signal] = []
    for figure in judged:
        if not figure.signals:
            continue
        fence = figure.fences
        spread = {"history_lots": fence.lots, "q1": _q(fence.q1), "q3": _q(fence.q3)}
        if figure.name == "cv":
            mean, sd = _mean(bids), sample_sd(bids)
            found.append(Signal("cv", figure.rule, tuple(order), inputs,
                                {"mean": _q(mean), "sd": _q(sd), "cv": _q(figure.value), **spread,
                                 "lower_fence": _q(fence.low)},
                                f"{figure.benchmark} and below the lower fence of the kind (log scale)"))
        elif figure.name == "rd":
            found.append(Signal("rd", figure.rule, tuple(order), inputs,
                                {"b1": str(bids[0]), "b2": str(bids[1]), "sd_losers": _q(sample_sd(bids[1:])),
                                 "rd": _q(figure.value), **spread, "upper_fence": _q(fence.high)},
                                f"{figure.benchmark} and above the upper fence of the kind (log scale)"))
        else:
            k = rules.value("screen.diffp_iqr_factor")
            found.append(Signal("diffp", figure.rule, tuple(order), {**inputs, "history_lots": fence.lots},
                                {"diffp": _q(figure.value), "q1": _q(fence.q1), "q3": _q(fence.q3),
                                 "lower_fence": _q(fence.low), "upper_fence": _q(fence.high)},
                                f"DIFFP outside [Q1 - {k} IQR, Q3 + {k} IQR]"))
    found += _pattern_screen(order, bids, inputs, rules)
    return found


def identical_prices(prices: Mapping, rules: RuleSet) -> list[Signal]:
    """Two or more bidders at exactly one price while others bid otherwise (条例 第四十条第四项: 报价异常一致): one
    signal per shared price. Every bid equal is the pattern screen's (``_pattern_screen``); an honest outsider
    bidding otherwise does not hide the pair here. Skipped below ``screen.min_bids`` bids."""
    if len(prices) < int(rules.value("screen.min_bids")):
        return []
    by_price: dict = defaultdict(list)
    for bidder, price in prices.items():
        by_price[Decimal(price)].append(bidder)
    if len(by_price) == 1:
        return []
    return [Signal("identical_prices", "screen.identical_prices", tuple(sorted(found, key=str)),
                   {"price": str(price), "bids": len(prices)}, {"bidders": len(found)},
                   "one price from two or more bidders, others bidding otherwise")
            for price, found in sorted(by_price.items()) if len(found) > 1]


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


MANAGER, MANAGER_NUMBER = "项目经理", "项目经理注册编号"  # the price form's fields that name the project manager
PEOPLE_FIELDS = (MANAGER_NUMBER,)  # the fields that identify a person (a public registration number, not a name)


def people_named(fields: Mapping) -> list[str]:
    """The people a bid's declared fields (the opening record's ``fields``) identify: each registration number,
    spaces removed and in capitals, so that one person written two ways is one value."""
    found = []
    for name in PEOPLE_FIELDS:
        value = fields.get(name) if isinstance(fields, Mapping) else None
        if isinstance(value, str) and "".join(value.split()):
            found.append("".join(value.split()).upper())
    return found


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
    """An earlier lot of the same kind: who bid, who won (None: no award) and who signed up for it without a bid
    that was opened (``stood_back``)."""

    lot: object
    bidders: frozenset
    winner: object = None
    stood_back: frozenset = frozenset()


def rotation(history: Sequence[PastLot], rules: RuleSet, among: Iterable = ()) -> list[Signal]:
    """Groups of three bidders that won in turn: at least ``screen.rotation_min_lots`` awarded lots they all bid in
    were won by one of them, by at least two different members (the rule: meeting and winning in turn; an outsider
    winning some of their meetings does not end the turns). One signal per group; with ``among``, only the
    groups all of whose members are among those bidders (the lot's). A past lot where more than
    ``ROTATION_POOL`` of the bidders considered met is left out: three of them meeting there says nothing of turns,
    and its triples would be too many to count."""
    min_lots = int(rules.value("screen.rotation_min_lots"))
    among = set(among)
    awarded = [p for p in history if p.winner is not None]
    meetings: dict[tuple, list] = defaultdict(list)  # only groups that met at all: the triples of each lot's bidders
    for past in awarded:
        present = sorted(past.bidders & among if among else past.bidders, key=str)
        if len(present) > ROTATION_POOL:
            continue
        for group in combinations(present, 3):
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


def _under_winners(history: Sequence[PastLot], others) -> tuple[set, list]:
    """The winners of ``history``, and for each (bidder, winner), in order, the awarded lots that winner won in which
    ``others(past)`` names the bidder."""
    winners = {p.winner for p in history if p.winner is not None}
    found: dict[tuple, list] = defaultdict(list)
    for past in history:
        if past.winner is None:
            continue
        for bidder in others(past) - {past.winner}:
            found[(bidder, past.winner)].append(past.lot)
    return winners, sorted(found.items(), key=lambda item: (str(item[0][0]), str(item[0][1])))


def cover_bidding(history: Sequence[PastLot], rules: RuleSet) -> list[Signal]:
    """A bidder that lost at least ``screen.cover_min_losses`` times to the same winner and never won a lot of the
    history."""
    min_losses = int(rules.value("screen.cover_min_losses"))
    winners, losses = _under_winners(history, lambda past: past.bidders)
    return [Signal("cover_bidding", "screen.cover_min_losses", (winner, loser), {"lots": [str(lot) for lot in lots]},
                   {"losses_to_winner": len(lots), "wins": 0},
                   f"lost at least {min_losses} times to one winner, never won")
            for (loser, winner), lots in losses if len(lots) >= min_losses and loser not in winners]


def bid_suppression(history: Sequence[PastLot], rules: RuleSet, stood_back: Iterable = (),
                    bidders: Iterable = ()) -> list[Signal]:
    """Bid suppression (约定部分投标人放弃投标, 条例 第三十九条): a bidder that signed up and then did not bid in at
    least ``screen.suppression_min_lots`` awarded lots of the kind that the same winner won, and never won one
    itself. About this lot only where it stood back here too (``stood_back``) while that winner bid here
    (``bidders``). One signal per (winner, bidder)."""
    min_lots = int(rules.value("screen.suppression_min_lots"))
    stood_back, bidders = set(stood_back), set(bidders)
    winners, gave_way = _under_winners(history, lambda past: past.stood_back)
    return [Signal("bid_suppression", "screen.suppression_min_lots", (winner, bidder),
                   {"lots": [str(lot) for lot in lots]}, {"stood_back_for_winner": len(lots), "wins": 0},
                   f"signed up and did not bid in at least {min_lots} lots the same bidder won, never won, and "
                   "stood back here while it bids")
            for (bidder, winner), lots in gave_way
            if len(lots) >= min_lots and bidder not in winners and bidder in stood_back and winner in bidders]


FINGERPRINT_BYTES = 64 * 1024  # a document's fingerprint: its size, its first and its last this many bytes
METADATA_BYTES = 64 * 1024  # the part of a document kept (at each end) while it is opened, to read its metadata


class DocumentFacts:
    """What the collusion screens need of one bid document, collected while the opening decrypts it (the opening's
    sink for the document, ``domain.sealing.opener``: one decryption pass, nothing written anywhere): its size, its
    first and last ``METADATA_BYTES`` (bounded memory, whatever the document's size), then ``facts()``.

    The fingerprint is the SHA-256 of the size and the first and last ``FINGERPRINT_BYTES`` (of the whole document
    when it is no longer than ``METADATA_BYTES``), not of every byte: a full SHA-256 of every document would add
    about 0.6 ms per MiB to the opening's 1.3 ms per bid, this about 0.1 ms per document (``docs/SUPERVISION.md``).
    Two copies of one file have one fingerprint; documents written separately differ in size or at their ends (a
    zip's central directory, a PDF's trailer and cross-reference table are at the end). The metadata is read from
    the kept ends: the ``docProps`` of a .docx and the document information of a PDF are small and, as word
    processors write them, near one end.
    """

    def __init__(self):
        self.size = 0
        self.head = bytearray()
        self.tail = b""

    def write(self, data) -> int:
        data = memoryview(data).cast("B")
        if len(self.head) < METADATA_BYTES:
            self.head += data[:METADATA_BYTES - len(self.head)]
        self.tail = bytes(data[-METADATA_BYTES:]) if len(data) >= METADATA_BYTES \
            else (self.tail + bytes(data))[-METADATA_BYTES:]
        self.size += len(data)
        return len(data)

    def fingerprint(self) -> str:
        if self.size <= len(self.head):  # all of it kept
            return hashlib.sha256(bytes(self.head)).hexdigest()
        return hashlib.sha256(self.size.to_bytes(8, "big") + bytes(self.head[:FINGERPRINT_BYTES])
                              + self.tail[-FINGERPRINT_BYTES:]).hexdigest()

    def metadata(self) -> str:
        """"author / creating software" from a .docx's docProps (core.xml's dc:creator, app.xml's Application) or a
        PDF's /Author and /Creator (or /Producer); "" when it has neither or they lie in the middle of a document
        larger than the two kept ends."""
        whole = self.size <= len(self.head)
        head = bytes(self.head)
        author = software = ""
        if head[:4] == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(io.BytesIO(head) if whole else _Ends(head, self.tail, self.size)) as book:
                    names = set(book.namelist())
                    core = book.read("docProps/core.xml").decode("utf-8", "replace") \
                        if "docProps/core.xml" in names else ""
                    app = book.read("docProps/app.xml").decode("utf-8", "replace") \
                        if "docProps/app.xml" in names else ""
            except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, zlib.error,
                    NotImplementedError, RuntimeError):
                core = app = ""
            found = re.search(r"<dc:creator>([^<]*)</dc:creator>", core)
            author = found.group(1).strip() if found else ""
            found = re.search(r"<Application>([^<]*)</Application>", app)
            software = found.group(1).strip() if found else ""
        elif head[:5] == b"%PDF-":
            ends = head if whole else head + b"\n" + self.tail

            def field(key: bytes) -> str:
                found = re.search(rb"/" + key + rb"\s*\(([^)]*)\)", ends)
                return found.group(1).decode("latin-1").strip() if found else ""

            author, software = field(b"Author"), field(b"Creator") or field(b"Producer")
        return f"{author} / {software}" if author and software else ""

    def facts(self) -> tuple[str, str]:
        """(fingerprint, metadata)."""
        return self.fingerprint(), self.metadata()


class _Ends(io.RawIOBase):
    """A document of ``size`` bytes of which only its first and last parts are kept: reading the middle fails
    (``OSError``), so a zip whose docProps lie there has no metadata here."""

    def __init__(self, head: bytes, tail: bytes, size: int):
        self.head, self.tail, self.size, self.at = head, tail, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.at = {0: offset, 1: self.at + offset, 2: self.size + offset}[whence]
        return self.at

    def tell(self) -> int:
        return self.at

    def readinto(self, buffer) -> int:
        end = min(self.at + len(buffer), self.size)
        if end <= self.at:
            return 0
        tail_from = self.size - len(self.tail)
        if end <= len(self.head):
            part = self.head[self.at:end]
        elif self.at >= tail_from:
            part = self.tail[self.at - tail_from:end - tail_from]
        else:
            raise OSError("the middle of the document is not kept")
        buffer[:len(part)] = part
        self.at += len(part)
        return len(part)


def document_facts(data: bytes) -> tuple[str, str]:
    """(fingerprint, metadata) of a whole document held in memory, as the opening collects them
    (``DocumentFacts``)."""
    sink = DocumentFacts()
    sink.write(data)
    return sink.facts()


@dataclass(frozen=True)
class LotRecords:
    """Everything the screens read about one lot, as plain rows (what ``services.screens.gather`` reads from the
    platform's records, or what ``simulate.screens_bed`` generates): the opened prices ``{bidder: price}``, the
    deposits' paying accounts ``(bidder, account)``, the sign-ups and the document downloads ``(bidder, device,
    address)``, the bid
    uploads ``(bidder, address, at)``, the opened documents ``(bidder, fingerprint, metadata)`` (``DocumentFacts``),
    the price figures (``Figures``) of earlier lots of the same kind, the awarded lots of the same kind its bidders
    took part in, the bidders that signed up and have no opened bid (``stood_back``), the people the opened bids name
    ``(bidder, registration number)`` (``people_named``) and, once the committee reported,
    which opened bids it found valid (``valid``: ``{bidder: bool}``) and its first candidate (``winner``)."""

    prices: Mapping = field(default_factory=dict)
    accounts: Sequence = ()
    downloads: Sequence = ()
    uploads: Sequence = ()
    documents: Sequence = ()
    history: Sequence = ()
    past: Sequence = ()
    sign_ups: Sequence = ()
    stood_back: Sequence = ()
    people: Sequence = ()
    valid: Mapping = field(default_factory=dict)
    winner: object = None


def screen_records(records: LotRecords, rules: RuleSet) -> list[Signal]:
    """Every screen over one lot's records: price screens, shared values, close uploads, rotation, cover bidding and
    bid suppression over the past lots (only the groups, and the winner and loser, that all bid in this lot: a cover
    bidder that did not bid here covered nothing here; a suppressing one stood back here), and once the committee
    reported, every bid but the first candidate's disqualified."""
    signals = price_screens(records.prices, rules, records.history)
    signals += identical_prices(records.prices, rules)
    signals += shared_values("account", records.accounts)
    signals += shared_values("device", [(b, device) for b, device, _ in [*records.sign_ups, *records.downloads]])
    addresses: dict = defaultdict(set)
    for bidder, _, address in [*records.sign_ups, *records.downloads]:
        addresses[bidder].add(address)
    for bidder, address, _ in records.uploads:
        addresses[bidder].add(address)
    signals += shared_values("address", [(b, a) for b, found in addresses.items() for a in found])
    signals += close_uploads(records.uploads)
    signals += shared_values("document", [(b, digest) for b, digest, _ in records.documents])
    signals += shared_values("metadata", [(b, meta) for b, _, meta in records.documents])
    signals += shared_values("person", records.people)
    bidders = set(records.prices)  # a cross-lot signal is about this lot when the bidders it names all bid in it
    if bidders:
        signals += rotation(records.past, rules, among=bidders)
    signals += [s for s in cover_bidding(records.past, rules) if set(s.bidders) <= bidders]
    signals += bid_suppression(records.past, rules, records.stood_back, bidders)
    if records.winner is not None:
        signals += all_but_winner_disqualified(records.valid, records.winner)
    return signals
