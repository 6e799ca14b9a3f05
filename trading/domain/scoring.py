"""Closed evaluation (评标), pure: anonymised labels, both methods and the report (DESIGN §7); the committee check
is in ``committee`` (re-exported here).

Decisions:
* Compliance (lowest evaluated price): every member votes on every bid; a bid passes on a strict majority,
  ``yes * 2 > members``; a tie (2 of 4) fails, as the committee has not found the bid compliant.
* Price score = lowest valid price / bid price × price weight (87号令 Art. 55, rule
  ``procurement.price_score_formula``; the same formula for construction). The weight is in points out of
  100, so × weight already contains the rule's "× 100". "Valid" means compliant and not rejected.
* Rounding: every score shown (price score, each aggregated criterion, total) is rounded to 2 decimals,
  ``ROUND_HALF_UP``, from unrounded values; the total is the rounded sum of the unrounded parts, so it may
  differ by 0.01 from the sum of the rounded parts shown. Intermediate values use 34 significant digits.
* Ranking (comprehensive) is by the rounded total, the one published, descending; equal totals go to the
  lower price, then to the earlier receipt (the input order). Lowest price: by price, then receipt.
* Abnormally low: price below ``share`` × the mean of the valid prices (rule
  ``construction.abnormally_low_price``), compared as ``price × n < share × sum``, exactly.
* At most ``construction.max_candidates`` (3) candidates; ``Report.ranking`` keeps every valid bid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import NamedTuple

from .committee import KINDS, Member, check_committee  # noqa: F401 - the committee as scoring takes it
from .errors import N_, DomainError
from .rules import PROCUREMENT_CATEGORIES, RuleSet

EVALUATION_METHODS = {"lowest_price": "经评审的最低投标价法", "comprehensive": "综合评估法"}

METHODS, AGGREGATIONS = ("lowest_price", "comprehensive"), ("mean", "trimmed_mean")
DECISIONS = ("accepted", "rejected")
LABEL_PREFIX = "投标人"
TRIM_MINIMUM = 5  # one highest and one lowest dropped: at least 3 scores remain
FORMULA_RULE, LOW_PRICE_RULE = "procurement.price_score_formula", "construction.abnormally_low_price"
CANDIDATES_RULE = "construction.max_candidates"
POINT, _CONTEXT = Decimal("0.01"), Context(prec=34)


class BidPrice(NamedTuple):
    """A bid as opened: its id and price in yuan; a list of them is in receipt order."""

    bid_id: str
    price: Decimal


class Criterion(NamedTuple):
    """A scoring criterion of the documents: name, weight in points (of 100), and whether it is the price."""

    name: str
    weight: Decimal
    price: bool = False


@dataclass(frozen=True)
class Reason:
    """Why a bid was rejected (否决): an English msgid with its parameters and rule, like a DomainError."""

    message: str
    rule: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, translate=None) -> str:
        """The reason with its parameters filled in, translated by ``translate`` if given."""
        text = translate(self.message) if translate else self.message
        try:
            return text % dict(self.params) if self.params else text
        except (KeyError, ValueError, TypeError):
            return text

    def __str__(self) -> str:
        """The English reason."""
        return self.render()


class Rejection(NamedTuple):
    """A rejected bid and the reason."""

    bid_id: str
    reason: Reason


class Candidate(NamedTuple):
    """A ranked bid: rank from 1, price, and total score (None for the lowest evaluated price method)."""

    rank: int
    bid_id: str
    price: Decimal
    total: Decimal | None


@dataclass(frozen=True)
class BidScore:
    """One bid's rounded scores: the price score, each aggregated criterion and the total."""

    price_score: Decimal
    criteria: Mapping[str, Decimal]
    total: Decimal


@dataclass(frozen=True)
class Report:
    """The evaluation report (评标报告): candidates, every valid bid ranked, rejections, members' scores, working.

    ``per_member``: ``{member: {bid: vote}}`` (lowest price) or ``{member: {bid: {criterion: score}}}``;
    ``working``: ``{bid: {"compliance" | "price" | criterion | "total": formula with numbers}}`` (compliance: the
    members voting compliant / the members, of whom more than half are needed).
    """

    method: str
    candidates: tuple[Candidate, ...]
    ranking: tuple[Candidate, ...]
    rejected: tuple[Rejection, ...]
    per_member: Mapping[str, Mapping]
    working: Mapping[str, Mapping[str, str]]
    scores: Mapping[str, BidScore] = field(default_factory=dict)


class Confirmation(NamedTuple):
    """Whether every member confirmed the report, and who has not (in committee order)."""

    complete: bool
    missing: tuple[str, ...]


def _round(value: Decimal) -> Decimal:
    """Half up to 2 decimals (the published score)."""
    return value.quantize(POINT, rounding=ROUND_HALF_UP) + 0


def labels(bid_ids: Iterable[str]) -> dict[str, str]:
    """Anonymous names in opening order: 投标人A … 投标人Z, 投标人AA, 投标人AB …."""
    result: dict[str, str] = {}
    for index, bid_id in enumerate(bid_ids, start=1):
        if bid_id in result:
            raise DomainError(N_("Bid %(bid)s appears twice."), field="bids", bid=bid_id)
        letters, n = "", index
        while n:
            n, digit = divmod(n - 1, 26)
            letters = chr(ord("A") + digit) + letters
        result[bid_id] = LABEL_PREFIX + letters
    return result


def _check_bids(bids: list[BidPrice]) -> dict[str, Decimal]:
    """``{bid: price}`` in receipt order; refuse duplicates and prices that are not above zero."""
    prices: dict[str, Decimal] = {}
    for bid in bids:
        if bid.bid_id in prices:
            raise DomainError(N_("Bid %(bid)s appears twice."), field="bids", bid=bid.bid_id)
        if not isinstance(bid.price, Decimal) or not bid.price.is_finite() or bid.price <= 0:
            raise DomainError(N_("The price of bid %(bid)s must be an amount above zero."), field="price",
                              bid=bid.bid_id)
        prices[bid.bid_id] = bid.price
    return prices


def compliant_bids(bids: list[BidPrice], votes: Mapping[str, Mapping[str, bool]]) -> set[str]:
    """The bids a strict majority of the members voted compliant (every member votes on every bid)."""
    return {bid_id for bid_id, yes in _tally(_check_bids(bids), votes).items() if yes * 2 > len(votes)}


def _tally(prices: Mapping[str, Decimal], votes: Mapping[str, Mapping[str, bool]]) -> dict[str, int]:
    """``{bid: compliant votes}``; refuse an empty committee, a missing vote or a vote on an unknown bid."""
    if not votes:
        raise DomainError(N_("No member has voted."), field="votes")
    for member, ballot in votes.items():
        for bid_id in ballot:
            if bid_id not in prices:
                raise DomainError(N_("Member %(member)s voted on unknown bid %(bid)s."), field="votes",
                                  member=member, bid=bid_id)
        for bid_id in prices:
            if not isinstance(ballot.get(bid_id), bool):
                raise DomainError(N_("Member %(member)s has not voted on bid %(bid)s."), field="votes",
                                  member=member, bid=bid_id)
    return {bid_id: sum(1 for ballot in votes.values() if ballot[bid_id]) for bid_id in prices}


def _known(prices: Mapping[str, Decimal], bid_ids: Iterable[str], field: str) -> None:
    """Refuse a bid id that is not among the opened bids."""
    for bid_id in (b for b in bid_ids if b not in prices):
        raise DomainError(N_("Unknown bid %(bid)s."), field=field, bid=bid_id)


def _excluded(prices: Mapping[str, Decimal], rejections: Iterable[Rejection]) -> dict[str, Reason]:
    """``{bid: reason}`` of the given rejections (the first per bid); refuse one about an unknown bid."""
    result: dict[str, Reason] = {}
    for bid_id, reason in rejections:
        _known(prices, [bid_id], "rejections")
        result.setdefault(bid_id, reason)
    return result


def lowest_price(bids: list[BidPrice], votes: Mapping[str, Mapping[str, bool]], *,
                 rejections: Iterable[Rejection] = (), rules: RuleSet) -> Report:
    """经评审的最低投标价法: majority compliance, then price ascending, ties by receipt; at most 3 candidates."""
    prices = _check_bids(bids)
    tally, members = _tally(prices, votes), len(votes)
    excluded = _excluded(prices, rejections)
    rejected, valid, working = [], [], {}
    for bid_id, yes in tally.items():
        working[bid_id] = {"compliance": f"{yes} / {members}", "price": f"{_round(prices[bid_id]):,.2f}"}
        if yes * 2 <= members:
            rejected.append(Rejection(bid_id, Reason(
                N_("Failed the compliance review: %(yes)s of %(members)s members voted compliant; a strict "
                   "majority is needed."), params={"yes": yes, "members": members})))
        elif bid_id in excluded:
            rejected.append(Rejection(bid_id, excluded[bid_id]))
        else:
            valid.append(bid_id)
    order = {bid_id: i for i, bid_id in enumerate(prices)}
    valid.sort(key=lambda b: (prices[b], order[b]))
    ranking = tuple(Candidate(i, b, prices[b], None) for i, b in enumerate(valid, start=1))
    return Report("lowest_price", ranking[:rules.value(CANDIDATES_RULE)], ranking, tuple(rejected),
                  {m: dict(ballot) for m, ballot in votes.items()}, working)


def check_criteria(criteria: list[Criterion]) -> Criterion:
    """The price criterion, once the criteria have unique names, positive weights summing to 100, one price."""
    if len({c.name for c in criteria}) != len(criteria):
        raise DomainError(N_("Two criteria have the same name."), field="criteria")
    for c in criteria:
        if not isinstance(c.weight, Decimal) or not c.weight.is_finite() or c.weight <= 0:
            raise DomainError(N_("Criterion %(criterion)s needs a weight above zero."), field="criteria",
                              criterion=c.name)
    if sum(c.weight for c in criteria) != 100:
        raise DomainError(N_("The weights of the criteria must add up to 100."), field="criteria")
    price = [c for c in criteria if c.price]
    if len(price) != 1:
        raise DomainError(N_("Comprehensive scoring needs exactly one price criterion."), field="criteria",
                          rule=FORMULA_RULE)
    return price[0]


def _check_scores(scores: Mapping, prices: Mapping[str, Decimal], others: list[Criterion], valid: list[str]):
    """Refuse unknown bids or criteria, scores outside [0, weight], and missing scores of valid bids."""
    if not scores:
        raise DomainError(N_("No member has scored."), field="scores")
    weights = {c.name: c.weight for c in others}
    for member, by_bid in scores.items():
        for bid_id, by_criterion in by_bid.items():
            if bid_id not in prices:
                raise DomainError(N_("Member %(member)s scored unknown bid %(bid)s."), field="scores",
                                  member=member, bid=bid_id)
            for name, score in by_criterion.items():
                if name not in weights:
                    raise DomainError(N_("Member %(member)s scored %(criterion)s, which is not a scored "
                                         "criterion."), field="scores", member=member, criterion=name)
                if not isinstance(score, Decimal) or not score.is_finite() or not 0 <= score <= weights[name]:
                    raise DomainError(
                        N_("Member %(member)s gave bid %(bid)s %(score)s for %(criterion)s; the score must be "
                           "from 0 to %(maximum)s."), field="scores", member=member, bid=bid_id,
                        criterion=name, score=str(score), maximum=str(weights[name]))
        for bid_id in valid:
            for name in weights:
                if name not in by_bid.get(bid_id, {}):
                    raise DomainError(N_("Member %(member)s has not scored bid %(bid)s for %(criterion)s."),
                                      field="scores", member=member, bid=bid_id, criterion=name)


def _aggregate(values: list[Decimal], aggregation: str) -> tuple[Decimal, str]:
    """The mean (or the mean without one highest and one lowest) and its working."""
    trim = aggregation == "trimmed_mean"
    kept = sorted(values)[1:-1] if trim else values
    value = sum(kept) / len(kept)
    terms = " + ".join(str(v) for v in values) + (f" − {max(values)} − {min(values)}" if trim else "")
    return value, f"({terms}) / {len(kept)} = {_round(value)}"


def comprehensive(bids: list[BidPrice], criteria: list[Criterion],
                  scores: Mapping[str, Mapping[str, Mapping[str, Decimal]]], aggregation: str,
                  compliant: Iterable[str], *, rejections: Iterable[Rejection] = (),
                  rules: RuleSet) -> Report:
    """综合评估法: price score by formula plus aggregated members' scores; rank by total; at most 3 candidates."""
    prices = _check_bids(bids)
    price_criterion = check_criteria(criteria)
    others = [c for c in criteria if not c.price]
    if aggregation not in AGGREGATIONS:
        raise DomainError(N_("Unknown aggregation %(aggregation)s."), field="aggregation", aggregation=aggregation)
    if aggregation == "trimmed_mean" and len(scores) < TRIM_MINIMUM:
        raise DomainError(N_("Dropping the highest and lowest scores needs at least %(minimum)s members, not "
                             "%(members)s."), field="aggregation", minimum=TRIM_MINIMUM, members=len(scores))
    compliant = set(compliant)
    _known(prices, sorted(compliant), "compliant")
    excluded = _excluded(prices, rejections)
    rejected, valid = [], []
    for bid_id in prices:
        if bid_id not in compliant:
            rejected.append(Rejection(bid_id, Reason(N_("Failed the compliance review."))))
        elif bid_id in excluded:
            rejected.append(Rejection(bid_id, excluded[bid_id]))
        else:
            valid.append(bid_id)
    _check_scores(scores, prices, others, valid)
    working, results = {}, {}
    with localcontext(_CONTEXT):
        lowest = min((prices[b] for b in valid), default=None)
        for bid_id in valid:
            price_score = lowest / prices[bid_id] * price_criterion.weight
            lines = {price_criterion.name: f"{_round(lowest):,.2f} / {_round(prices[bid_id]):,.2f} × "
                                           f"{price_criterion.weight} = {_round(price_score)}"}
            parts = {}
            for c in others:
                parts[c.name], lines[c.name] = _aggregate([s[bid_id][c.name] for s in scores.values()], aggregation)
            total = price_score + sum(parts.values())
            shown = [_round(price_score), *(_round(v) for v in parts.values())]
            lines["total"] = f"{' + '.join(str(v) for v in shown)} = {_round(total)}"
            working[bid_id] = lines
            results[bid_id] = BidScore(_round(price_score), {n: _round(v) for n, v in parts.items()}, _round(total))
    order = {bid_id: i for i, bid_id in enumerate(prices)}
    valid.sort(key=lambda b: (-results[b].total, prices[b], order[b]))
    ranking = tuple(Candidate(i, b, prices[b], results[b].total) for i, b in enumerate(valid, start=1))
    per_member = {m: {b: dict(by_c) for b, by_c in by_bid.items()} for m, by_bid in scores.items()}
    return Report("comprehensive", ranking[:rules.value(CANDIDATES_RULE)], ranking, tuple(rejected), per_member,
                  working, results)


def abnormally_low(bids: list[BidPrice], compliant: Iterable[str], share: Decimal = Decimal("0.85")) -> list[str]:
    """Valid bids priced below ``share`` × the mean of the valid bids' prices, in receipt order."""
    if not isinstance(share, Decimal) or not share.is_finite() or not 0 < share <= 1:
        raise DomainError(N_("The abnormally low price share must be above 0 and at most 1."), field="share",
                          rule=LOW_PRICE_RULE)
    prices = _check_bids(bids)
    compliant = set(compliant)
    valid = [b for b in prices if b in compliant]
    total, n = sum(prices[b] for b in valid), len(valid)
    return [b for b in valid if prices[b] * n < share * total]


def apply_explanations(flags: Iterable[str], decisions: Mapping[str, tuple[str, str]]) -> list[Rejection]:
    """The rejections of flagged bids; refuse when a flagged bid has no recorded committee decision."""
    flags = list(flags)
    for bid_id in (b for b in decisions if b not in flags):
        raise DomainError(N_("Bid %(bid)s was not flagged as abnormally low."), field="decisions",
                          rule=LOW_PRICE_RULE, bid=bid_id)
    rejected = []
    for bid_id in flags:
        decision, reason = decisions.get(bid_id, (None, ""))
        if decision not in DECISIONS or not (reason or "").strip():
            raise DomainError(N_("The committee must record its decision, with the reason, on the explanation "
                                 "of abnormally low bid %(bid)s."), field="decisions", rule=LOW_PRICE_RULE,
                              bid=bid_id)
        if decision == "rejected":
            rejected.append(Rejection(bid_id, Reason(
                N_("Abnormally low price not reasonably explained: %(reason)s"), LOW_PRICE_RULE,
                {"reason": reason.strip()})))
    return rejected


def confirm(report: Report, member_ids_confirmed: Iterable[str], members: list[Member]) -> Confirmation:
    """Complete when every committee member confirmed the report; otherwise who is missing."""
    ids = [m.member_id for m in members]
    confirmed = set(member_ids_confirmed)
    for stranger in sorted((confirmed | set(report.per_member)) - set(ids))[:1]:
        raise DomainError(N_("%(member)s is not a member of this committee."), field="members", member=stranger)
    missing = tuple(m for m in ids if m not in confirmed)
    return Confirmation(not missing, missing)


def clean_criteria(in_force: RuleSet, trade_type: str, category: str | None, method: str | None,
                   criteria: list[dict]) -> list[dict]:
    """The evaluation criteria a tenderee files, cleaned: weights in percent summing to 100 for comprehensive
    scoring, exactly one price criterion, and for procurement goods and services a price weight of at least the
    rule set ``in_force``'s (87号令 Art. 55); refused naming the field and the rule."""
    if method is None:
        return []
    if method not in EVALUATION_METHODS:
        raise DomainError(N_("Choose the evaluation method."), field="evaluation_method")
    cleaned = []
    for index, item in enumerate(criteria or []):
        name = (item.get("name") or "").strip()
        if not name:
            continue
        try:
            weight = Decimal(str(item.get("weight")))
        except (ArithmeticError, ValueError, TypeError):
            raise DomainError(N_("Criterion %(n)s needs a weight in percent."), field="criteria", n=index + 1) from None
        if weight <= 0 or weight > 100:
            raise DomainError(N_("Criterion %(n)s needs a weight between 0 and 100."), field="criteria", n=index + 1)
        cleaned.append({"name": name[:50], "weight": str(weight), "price": bool(item.get("price"))})
    if method == "comprehensive":
        if sum(Decimal(c["weight"]) for c in cleaned) != 100:
            raise DomainError(N_("The weights of the criteria must add up to 100."), field="criteria")
        prices = [c for c in cleaned if c["price"]]
        if len(prices) != 1:
            raise DomainError(N_("Comprehensive scoring needs exactly one price criterion."), field="criteria")
        if trade_type == "procurement" and category in ("goods", "services"):
            rule_id = f"procurement.price_weight_{category}"
            minimum = in_force.value(rule_id)
            if Decimal(prices[0]["weight"]) < minimum:
                raise DomainError(N_("The price weight must be at least %(min)s%% for %(category)s."),
                                  field="criteria", rule=rule_id, min=minimum,
                                  category=PROCUREMENT_CATEGORIES[category])
    return cleaned
