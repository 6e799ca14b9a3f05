"""Listing offers (挂牌报价) and the online time-limited bidding (网上限时竞价) of a land lot, and the multi-round
online competitive bidding (网络竞价, 多次报价) of a state property lot, which follows the same shape under its
own rules (``RULE_IDS``: every refusal names the rule of the lot's trade type).

Plain functions over plain values: the terms of the lot (starting price, increment, listing period, and the
windows from the rules in force), the offers accepted so far, and ``now``. Each refusal is a ``DomainError`` that
names the field and the rule (``land.*`` in ``rules.py``):

- the increment grid: an offer is valid only at the starting price + n x increment, above the current highest
  by at least one increment; the first offer may equal the starting price (``land.increments``);
- the listing's decision (39号令 Art. 19): the highest offer wins, the earliest of equal offers first
  (``land.equal_offers``); no offer, or a top offer below the reserve, is no deal (``land.listing_end``,
  ``land.reserve_price``);
- the confirmation window after the listing's end: a bidder with at least one valid listing offer may join the
  online bidding within ``land.confirmation_window`` minutes (``land.online_bidding``);
- the countdown: the bidding opens when the window closes; each accepted offer restarts a countdown of
  ``land.countdown`` minutes; the bidding ends when a countdown runs out with no offer; an offer arriving at or
  after the end is refused naming the time it arrived;
- the reserve price: set at the latest ``land.reserve_lead`` minutes before the listing ends and kept sealed as a
  salted SHA-256 commitment that its holder reveals after the end (``commit``, ``check_reveal``).

A property lot takes no offer during its disclosure (信息披露): its qualified buyers bid online once it ends, from
``bidding_start`` (``property.bidding_notice`` after the routing), on the same grid and countdown
(``property.increments``, ``property.countdown``); its listing price is public and is the floor, so it has no
sealed reserve.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from .calendar import local_date, to_local
from .errors import N_, DomainError
from .rules import RuleSet

LISTING, BIDDING, AGREED = "listing", "bidding", "agreed"  # the phases an offer is made in (agreed: property, one
# buyer: the price agreed by the transferor, recorded in the sequence)

# Why a land deal is void when the clock step finds its land contract unsigned after the due day (the reason every
# party reads: ``Auction.void_reason`` holds this message id, its day comes from ``Auction.contract_due``).
CONTRACT_LAPSED = N_("The winner did not sign the land-use rights grant contract by %(day)s (inclusive).")


def contract_last_day(due: datetime) -> date:
    """The last day (Beijing time) to sign a land contract due by ``due`` (the midnight after it)."""
    return local_date(due - timedelta(microseconds=1))

# The rule each check names, by trade type.
RULE_IDS: dict[str, dict[str, str]] = {
    "land": {"increments": "land.increments", "listing_end": "land.listing_end", "own_highest": "land.own_highest",
             "online_bidding": "land.online_bidding", "confirmation_window": "land.confirmation_window",
             "countdown": "land.countdown", "equal_offers": "land.equal_offers", "reserve_price": "land.reserve_price",
             "paddle_numbers": "land.paddle_numbers", "deposit_refund": "land.deposit_refund",
             "deposit_to_price": "land.deposit_to_price", "methods": "land.methods"},
    "property": {"increments": "property.increments", "listing_end": "property.disclosure",
                 "own_highest": "property.own_highest", "online_bidding": "property.competitive_bidding",
                 "confirmation_window": "property.bidding_notice", "countdown": "property.countdown",
                 "equal_offers": "property.competitive_bidding", "reserve_price": "property.listing_price_floor",
                 "paddle_numbers": "property.paddle_numbers", "deposit_refund": "property.deposit_refund",
                 "deposit_to_price": "property.deposit_to_price", "methods": "property.methods"},
}


def rule_of(trade_type: str, name: str) -> str:
    """The rule id a check called ``name`` names for a lot of ``trade_type``."""
    return RULE_IDS[trade_type][name]
DEAL, NO_OFFER, BELOW_RESERVE, NO_BIDDER = "deal", "no_offer", "below_reserve", "no_bidder"  # outcomes


@dataclass(frozen=True)
class Terms:
    """What the announcement and the rules in force fix about a lot's listing and bidding."""

    starting_price: Decimal
    increment: Decimal
    listing_start: datetime
    listing_end: datetime
    confirmation: timedelta  # land.confirmation_window (property: property.bidding_notice)
    countdown: timedelta  # land.countdown (property: property.countdown)
    reserve_lead: timedelta  # land.reserve_lead (property: none)
    trade_type: str = "land"
    bidding_start: datetime | None = None  # property: when its online bidding opens (set at the routing)

    @classmethod
    def of(cls, *, starting_price: Decimal, increment: Decimal, listing_start: datetime, listing_end: datetime,
           rules: RuleSet, trade_type: str = "land", bidding_start: datetime | None = None) -> Terms:
        """The terms of a lot of ``trade_type`` (land, property) under the rules in force."""
        if starting_price is None or starting_price <= 0 or increment is None or increment <= 0:
            raise DomainError(N_("The lot needs a starting price and an increment above zero."), field="increment",
                              rule=rule_of(trade_type, "increments"))
        if trade_type == "property":
            return cls(starting_price, increment, listing_start, listing_end,
                       timedelta(minutes=int(rules.value("property.bidding_notice"))),
                       timedelta(minutes=int(rules.value("property.countdown"))), timedelta(0), trade_type,
                       bidding_start)
        return cls(starting_price, increment, listing_start, listing_end,
                   timedelta(minutes=int(rules.value("land.confirmation_window"))),
                   timedelta(minutes=int(rules.value("land.countdown"))),
                   timedelta(minutes=int(rules.value("land.reserve_lead"))))

    def rule(self, name: str) -> str:
        """The rule id the check ``name`` names for this lot's trade type."""
        return rule_of(self.trade_type, name)

    @property
    def confirmation_end(self) -> datetime:
        """When the window to join the online bidding closes and the bidding's first countdown starts (property:
        when its bidding opens)."""
        if self.bidding_start is not None:
            return self.bidding_start
        return self.listing_end + self.confirmation

    @property
    def reserve_deadline(self) -> datetime:
        """The latest moment the reserve price may be set."""
        return self.listing_end - self.reserve_lead


@dataclass(frozen=True)
class Offer:
    """An accepted offer as the decision sees it: its per-lot sequence, paddle number, amount, time and phase."""

    seq: int
    paddle: str
    amount: Decimal
    at: datetime
    phase: str = LISTING


@dataclass(frozen=True)
class Decision:
    """How a lot's listing or bidding ended: the outcome, the winning offer (for a deal) and the rule that decided."""

    outcome: str
    winner: Offer | None
    rule: str


def _shown(moment: datetime) -> str:
    """A time as the messages show it (Beijing time, to the second)."""
    return to_local(moment).strftime("%Y-%m-%d %H:%M:%S")


def minimum(terms: Terms, highest: Decimal | None) -> Decimal:
    """The lowest valid offer: the starting price while there is none, else the highest plus one increment."""
    return terms.starting_price if highest is None else highest + terms.increment


def check_amount(terms: Terms, amount: Decimal, highest: Decimal | None) -> Decimal:
    """The amount if it is on the increment grid (starting price + n x increment) and at least ``minimum``."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise DomainError(N_("Enter the offer in yuan."), field="amount", rule=terms.rule("increments"))
    least = minimum(terms, highest)
    if amount < least:
        raise DomainError(N_("The offer %(amount)s is below %(least)s: offers start at the starting price and "
                             "then rise by at least one increment (%(increment)s) above the highest."),
                          field="amount", rule=terms.rule("increments"), amount=str(amount), least=str(least),
                          increment=str(terms.increment))
    if (amount - terms.starting_price) % terms.increment != 0:
        below = terms.starting_price + (amount - terms.starting_price) // terms.increment * terms.increment
        raise DomainError(N_("The offer %(amount)s is off the increment grid: offers are the starting price plus "
                             "whole increments of %(increment)s (e.g. %(below)s or %(above)s)."),
                          field="amount", rule=terms.rule("increments"), amount=str(amount),
                          increment=str(terms.increment), below=str(max(below, least)),
                          above=str(max(below + terms.increment, least)))
    return amount


def highest(offers: Sequence[Offer]) -> Offer | None:
    """The highest accepted offer, the earliest (lowest sequence) of equal ones (39号令 Art. 19)."""
    return min(offers, key=lambda o: (-o.amount, o.seq), default=None)


def check_not_own_highest(offers: Sequence[Offer], paddle: str, rule: str = "land.own_highest") -> None:
    """Refuse an offer from the paddle that already holds the highest offer."""
    top = highest(offers)
    if top is not None and top.paddle == paddle:
        raise DomainError(N_("Your offer of %(amount)s is already the highest."), field="amount",
                          rule=rule, amount=str(top.amount))


def check_listing_time(terms: Terms, now: datetime) -> None:
    """Listing offers are taken from the listing's start until just before its end; one arriving after is refused
    naming when it arrived."""
    if now < terms.listing_start:
        raise DomainError(N_("The listing opens at %(start)s; offers are taken from then."), field="amount",
                          rule=terms.rule("increments"), start=_shown(terms.listing_start))
    if now >= terms.listing_end:
        raise DomainError(N_("Your offer arrived at %(arrived)s, after the listing ended at %(end)s."),
                          field="amount", rule=terms.rule("listing_end"), arrived=_shown(now),
                          end=_shown(terms.listing_end))


def may_join(offers: Sequence[Offer], paddle: str) -> bool:
    """Whether the paddle made at least one valid (accepted) offer during the listing."""
    return any(o.paddle == paddle and o.phase == LISTING for o in offers)


def check_join(terms: Terms, offers: Sequence[Offer], paddle: str, now: datetime) -> None:
    """A bidder joins the online bidding within the window after the listing's end, with a valid listing offer."""
    if not may_join(offers, paddle):
        raise DomainError(N_("Only bidders with a valid offer during the listing may join the online bidding."),
                          field="paddle", rule="land.online_bidding")
    if now < terms.listing_end:
        raise DomainError(N_("The online bidding can be joined once the listing ends, at %(end)s."),
                          field="paddle", rule="land.confirmation_window", end=_shown(terms.listing_end))
    if now >= terms.confirmation_end:
        raise DomainError(N_("You confirmed at %(arrived)s, after the window to join closed at %(end)s."),
                          field="paddle", rule="land.confirmation_window", arrived=_shown(now),
                          end=_shown(terms.confirmation_end))


def countdown_end(terms: Terms, offers: Sequence[Offer]) -> datetime:
    """When the bidding's countdown runs out: a countdown from the window's close, restarted by each bidding
    offer."""
    last = max((o.at for o in offers if o.phase == BIDDING), default=terms.confirmation_end)
    return max(last, terms.confirmation_end) + terms.countdown


def check_bidding_time(terms: Terms, offers: Sequence[Offer], now: datetime) -> datetime:
    """An offer in the bidding must arrive after the window closed and before the countdown runs out; returns the
    countdown's end."""
    if now < terms.confirmation_end:
        raise DomainError(N_("The online bidding starts at %(start)s."), field="amount",
                          rule=terms.rule("online_bidding"), start=_shown(terms.confirmation_end))
    ends = countdown_end(terms, offers)
    if now >= ends:
        raise DomainError(N_("Your offer arrived at %(arrived)s, after the countdown ended at %(end)s."),
                          field="amount", rule=terms.rule("countdown"), arrived=_shown(now), end=_shown(ends))
    return ends


def decide(offers: Sequence[Offer], reserve: Decimal | None, trade_type: str = "land") -> Decision:
    """The result from the accepted offers and the revealed reserve (None: no reserve set): the highest offer, the
    earliest of equals, sells if it reaches the reserve (39号令 Art. 19; a property lot's bidding likewise, its
    listing price being the floor every valid offer already meets)."""
    top = highest(offers)
    if top is None:
        return Decision(NO_OFFER, None, rule_of(trade_type, "listing_end"))
    if reserve is not None and top.amount < reserve:
        return Decision(BELOW_RESERVE, None, rule_of(trade_type, "reserve_price"))
    tied = sum(1 for o in offers if o.amount == top.amount) > 1
    if trade_type == "property":
        return Decision(DEAL, top, "property.competitive_bidding")
    return Decision(DEAL, top, "land.equal_offers" if tied else "land.listing_end")


def check_reserve_time(terms: Terms, now: datetime) -> None:
    """The reserve is set at the latest ``land.reserve_lead`` minutes before the listing ends."""
    if now >= terms.reserve_deadline:
        raise DomainError(N_("The reserve price had to be set by %(deadline)s (%(minutes)s minutes before the "
                             "listing ends)."), field="commitment", rule="land.reserve_lead",
                          deadline=_shown(terms.reserve_deadline),
                          minutes=int(terms.reserve_lead.total_seconds() // 60))


def commitment_text(lot_code: str, amount: Decimal, salt: str) -> str:
    """What the commitment hashes: ``reserve|<lot code>|<amount to the fen>|<salt>`` (the page's script and
    ``commit`` compute the same)."""
    return f"reserve|{lot_code}|{amount.quantize(Decimal('0.01'))}|{salt}"


def commit(lot_code: str, amount: Decimal, salt: str) -> str:
    """The sealed reserve: SHA-256 (hex) of ``commitment_text``; the salt keeps the price from being guessed."""
    return hashlib.sha256(commitment_text(lot_code, amount, salt).encode()).hexdigest()


def check_commitment(value: str) -> str:
    """A commitment as stored: 64 lower-case hex characters."""
    value = (value or "").strip().lower()
    if len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
        raise DomainError(N_("The sealed reserve must be a SHA-256 commitment (64 hexadecimal characters)."),
                          field="commitment", rule="land.reserve_price")
    return value


def check_reveal(commitment: str, lot_code: str, amount: Decimal, salt: str) -> Decimal:
    """The reserve if ``amount`` and ``salt`` open the commitment, else refuse."""
    if len((salt or "").strip()) < 16:
        raise DomainError(N_("Enter the salt printed on the reserve slip (at least 16 characters)."), field="salt",
                          rule="land.reserve_price")
    if amount is None or amount <= 0 or not hmac.compare_digest(commit(lot_code, amount, salt.strip()),
                                                                commitment):
        raise DomainError(N_("The price and salt do not open the sealed reserve."), field="amount",
                          rule="land.reserve_price")
    return amount


CONFIRMATION_FORMAT = "trading-deal-confirmation/1"
CONFIRMATION_CONTEXT = b"trading-deal-confirmation/1 signature\x00"


def sign_confirmation(fields: dict, signing_key) -> dict:
    """The 成交确认书's fields (plain JSON values) with the format, the platform key's fingerprint and an Ed25519
    signature (base64) over ``CONFIRMATION_CONTEXT`` + their canonical JSON, as receipts are signed."""
    import base64

    from .sealing.layout import canonical_json, fingerprint

    signed = {**fields, "format": CONFIRMATION_FORMAT,
              "platform_key_fingerprint": fingerprint(signing_key.public_key().public_bytes_raw())}
    signed["signature"] = base64.b64encode(signing_key.sign(CONFIRMATION_CONTEXT + canonical_json(signed))).decode()
    return signed


def verify_confirmation(document: dict, public_key) -> bool:
    """Whether a 成交确认书 carries a valid signature by ``public_key`` (an Ed25519 public key) over its fields."""
    import base64
    import binascii

    from cryptography.exceptions import InvalidSignature

    from .sealing.layout import canonical_json

    fields = {name: value for name, value in document.items() if name != "signature"}
    try:
        public_key.verify(base64.b64decode(document["signature"], validate=True),
                          CONFIRMATION_CONTEXT + canonical_json(fields))
    except (InvalidSignature, KeyError, binascii.Error, ValueError, TypeError):
        return False
    return fields.get("format") == CONFIRMATION_FORMAT
