"""The lifecycle of a lot (DESIGN §3) as one table of transitions, and the five stages it passes.

Every row says from which states an action may be taken, where it leads, who may take it, which time
condition it needs (checked on the lot's deadlines and the Clock's ``now``) and which rules it carries out.
``to_state`` None means the action records something without moving the lot (a bid, a request);
``PREVIOUS`` means the state the lot was suspended from, which the caller stores and passes back.
Rows may be limited to methods of some kinds (``rules.Method.kind``: tender, negotiated, listing, auction,
agreement): single source (negotiated) takes sealed bids like a tender, but its one response is negotiated, not
evaluated.
Time conditions: "after_X" holds from the instant X on (now >= X), "before_X" until just before it.
Sets of states (``LIVE``, ``PUBLISHED``, ``DECIDED``, ...) are named here once; nothing else lists a set of states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .calendar import to_local
from .errors import N_, DomainError, Forbidden
from .rules import METHODS, METHODS_BY_TRADE_TYPE, RULES, TRADE_TYPES


@dataclass(frozen=True)
class Stage:
    """One of the five stages (五环节) of the Badong rules."""

    code: int
    name_zh: str
    name_en: str


STAGES: dict[int, Stage] = {
    s.code: s
    for s in (
        Stage(1, "交易条件备案", "filing of trading conditions"),
        Stage(2, "交易方式核准", "approval of the method"),
        Stage(3, "交易流程监管", "supervised trading"),
        Stage(4, "交易结果确认", "confirmation of the result"),
        Stage(5, "后续管理", "follow-up"),
    )
}

# state -> (Chinese name, stage); side states have no stage of their own.
_STATES: dict[str, tuple[str, int | None]] = {
    "draft": ("草稿", 1),
    "filed": ("已备案", 1),
    "certified": ("已发进场交易证明书", 1),
    "method_approved": ("交易方式已核准", 2),
    "announced": ("已公告", 3),
    "opening": ("开标", 3),
    "evaluating": ("评标", 3),
    "listing": ("挂牌", 3),
    "auction": ("竞价", 3),
    "publicity": ("公示", 4),
    "awarded": ("已中标/成交", 4),
    "contracted": ("已签订合同", 5),
    "archived": ("已归档", 5),
    "failed": ("流标", None),
    "cancelled": ("已终止", None),
    "suspended": ("已暂停", None),
}
STATES: dict[str, str] = {state: name for state, (name, _) in _STATES.items()}
STATES_EN: dict[str, str] = {
    "draft": "draft", "filed": "filed", "certified": "entry certificate issued", "method_approved": "method approved",
    "announced": "announced", "opening": "opening", "evaluating": "evaluation", "listing": "listing",
    "auction": "auction", "publicity": "publicity", "awarded": "awarded", "contracted": "contract signed",
    "archived": "archived", "failed": "failed", "cancelled": "cancelled", "suspended": "suspended",
}
SIDE_STATES = frozenset({"failed", "cancelled", "suspended"})

# Named groups of states: wherever the platform asks which lots are in some condition, it asks one of these.
OPEN = frozenset({"announced", "listing", "auction"})  # taking bids (announced) or offers (listing, auction)
RESULT = frozenset({"publicity", "awarded", "contracted", "archived"})  # the result is public
DECIDED = frozenset({"awarded", "contracted", "archived"})  # the award is made
LIVE = OPEN | {"opening", "evaluating", "publicity"}  # in trading: announced, no award yet
PUBLISHED = LIVE | DECIDED | {"failed", "suspended"}  # announced at some point (a cancelled lot: ``published``)
OPENED = RESULT | {"opening", "evaluating", "listing", "auction", "failed"}  # past the bid deadline, or listing
EVALUATING = RESULT | {"evaluating"}  # the evaluation has started (or, for a listing, the result is out)
PAUSED = frozenset({"suspended", "cancelled"})  # they keep the phase of the state they came from (previous_state)
KEYS_IN_USE = frozenset({"announced", "listing", "auction", "opening"})  # bids are (or will be: a property lot's
# sealed round, from its disclosure on) sealed to the opening key, or its shares are released
DRAWING = frozenset({"announced", "opening", "evaluating"})  # a panel may be drawn (or redrawn)
TAKING_DEPOSITS = frozenset({"announced", "listing"})  # deposits are paid into their sub-accounts


def published(state: str, previous: str | None = None) -> bool:
    """Whether a lot in ``state`` (``previous``: the state it was cancelled or suspended from) has been announced:
    a lot cancelled after its announcement was published, one cancelled before it was not."""
    return state in PUBLISHED or (state == "cancelled" and previous in PUBLISHED)

ROLES = frozenset({"admin", "staff", "supervisor", "tenderee", "bidder", "expert", "system"})
PREVIOUS = "previous"  # to_state of ``resume``: back to the state the lot was suspended from


@dataclass(frozen=True)
class TimeCondition:
    """A named check of ``now`` against one of the lot's deadlines."""

    name: str
    deadline: str
    after: bool  # True: allowed from the deadline on; False: allowed only before it


TIME_CONDITIONS: dict[str, TimeCondition] = {
    c.name: c
    for c in (
        TimeCondition("before_bid_deadline", "bid_deadline", False),
        TimeCondition("after_bid_deadline", "bid_deadline", True),
        TimeCondition("after_listing_start", "listing_start", True),
        TimeCondition("before_listing_end", "listing_end", False),
        TimeCondition("after_listing_end", "listing_end", True),
        TimeCondition("after_auction_start", "auction_start", True),
        TimeCondition("before_publicity_end", "publicity_end", False),
        TimeCondition("after_publicity_end", "publicity_end", True),
    )
}
DEADLINES = tuple(dict.fromkeys(c.deadline for c in TIME_CONDITIONS.values()))


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle: from which states, which action, to where, by whom, when, by which rules."""

    from_states: frozenset[str]
    action: str
    to_state: str | None
    roles: frozenset[str]
    time_condition: str | None = None
    rule_ids: tuple[str, ...] = ()
    method_kinds: frozenset[str] | None = None  # None: every method


def _t(from_states: str, action: str, to_state: str | None, roles: str, time_condition: str | None = None,
       rule_ids: tuple[str, ...] = (), kinds: str | None = None) -> Transition:
    """A row written compactly (words separated by spaces); platform.five_stages closes every rule list."""
    return Transition(frozenset(from_states.split()), action, to_state, frozenset(roles.split()),
                      time_condition, rule_ids + ("platform.five_stages",),
                      frozenset(kinds.split()) if kinds else None)


_METHOD = ("construction.methods", "procurement.methods", "land.methods", "property.methods")
_MIN_BIDS = ("construction.min_bids", "procurement.min_suppliers", "procurement.group_min_suppliers",
             "procurement.consultation_min_suppliers", "procurement.single_source_supplier")  # methods.min_bids_rule
_SUPERVISION = ("platform.supervision",)
_SEALED = "tender negotiated"  # the methods that take sealed bids opened online (rules.Method.sealed_bids)
_BEFORE_AWARD = "filed certified method_approved announced opening evaluating listing auction publicity"

TRANSITIONS: tuple[Transition, ...] = (
    # stage 1: filing of trading conditions
    _t("draft", "file", "filed", "tenderee"),
    _t("filed", "return_filing", "draft", "staff"),
    _t("filed", "certify", "certified", "staff", None, ("platform.entry_certificate",)),
    # stage 2: approval of the method; a rejection leaves the lot certified for another request
    _t("certified", "request_method", None, "tenderee", None, _METHOD),
    _t("certified", "approve_method", "method_approved", "supervisor", None, _METHOD + _SUPERVISION),
    _t("certified", "reject_method", None, "supervisor", None, _METHOD + _SUPERVISION),
    # stage 3: supervised trading; tender-type methods: bids, opening, evaluation
    _t("method_approved", "announce", "announced", "tenderee", None,
       ("construction.bid_window", "procurement.tender_window", "land.announcement_period",
        "property.disclosure"),
       "tender negotiated listing auction"),
    _t("announced", "clarify", None, "tenderee", "before_bid_deadline",
       ("construction.clarification", "procurement.consultation_clarification"), _SEALED),
    _t("announced", "submit_bid", None, "bidder", "before_bid_deadline",
       ("electronic.bid_deadline", "electronic.encrypted_bids"), _SEALED),
    _t("announced", "withdraw_bid", None, "bidder", "before_bid_deadline",
       ("construction.deposit_refund_withdrawn", "procurement.deposit_refund"), _SEALED),
    _t("announced", "close_bidding", "opening", "system staff", "after_bid_deadline",
       ("electronic.no_early_decrypt", "electronic.opening_at_deadline"), _SEALED),
    _t("opening", "start_evaluation", "evaluating", "staff", None,
       _MIN_BIDS + ("electronic.decryption_failure",), "tender"),
    _t("evaluating", "score", None, "expert", None,
       ("construction.committee_size", "procurement.evaluation_methods"), "tender"),
    _t("evaluating", "start_publicity", "publicity", "staff tenderee", None,
       ("construction.publicity_publish", "procurement.result_publication"), "tender"),
    # single source (单一来源): instead of an evaluation, the tenderee records the negotiation and the price agreed
    # with the one supplier, and the result is published
    _t("opening", "conclude_negotiation", "publicity", "tenderee", None,
       ("procurement.single_source_record", "procurement.single_source_price"), "negotiated"),
    # stage 3: land and property listing (挂牌), on-site auction (现场竞价) or auction (拍卖)
    _t("announced", "open_listing", "listing", "system staff", "after_listing_start",
       ("land.announcement_period", "property.disclosure"), "listing"),
    _t("listing", "place_offer", None, "bidder", "before_listing_end",
       ("land.increments", "property.competitive_bidding"), "listing"),
    _t("listing", "close_listing", "publicity", "system staff", "after_listing_end",
       ("land.listing_end", "property.disclosure", "property.agreement_price"), "listing"),
    _t("listing", "start_auction", "auction", "system staff", "after_listing_end",
       ("land.listing_end", "property.competitive_bidding", "property.sealed_round"), "listing"),
    _t("announced", "start_auction", "auction", "system staff", "after_auction_start",
       ("land.announcement_period",), "auction"),
    _t("auction", "place_offer", None, "bidder", None, ("land.increments", "property.competitive_bidding")),
    _t("auction", "close_auction", "publicity", "system staff", None,
       ("land.reserve_price", "property.competitive_bidding")),
    # a property lot's one sealed round (一次报价, when its disclosure chose it): its qualified buyers' sealed prices
    # while it is in its bidding stage (auction), until the round's deadline (the lot's bid deadline from then), then
    # the opening (开标) as for a tender, which decides the deal (or the failure) at once
    _t("auction", "submit_bid", None, "bidder", "before_bid_deadline",
       ("property.sealed_period", "property.sealed_round", "electronic.encrypted_bids"), "listing"),
    _t("auction", "close_bidding", "opening", "system", "after_bid_deadline",
       ("property.sealed_period", "electronic.no_early_decrypt"), "listing"),
    _t("opening", "close_auction", "publicity", "system", None,
       ("property.sealed_round", "property.sealed_equal_prices"), "listing"),
    # property transfer by agreement (协议转让) goes straight to the result
    _t("method_approved", "conclude_agreement", "publicity", "staff", None,
       ("property.methods",), "agreement"),
    # failure (流标) and the next round of the same lot
    _t("opening evaluating auction", "fail", "failed", "system staff", None,
       _MIN_BIDS + ("land.reserve_price", "property.competitive_bidding", "property.sealed_round",
                    "property.sealed_price_floor")),
    _t("listing", "fail", "failed", "system staff", "after_listing_end",
       ("land.listing_end", "property.no_buyer_revalue")),
    # a land deal whose winner refuses (or fails in time) to sign the land contract: the result is void (成交无效)
    _t("publicity", "fail", "failed", "system staff", None, ("land.contract_refused",), "listing auction"),
    _t("failed", "retrade", "draft", "tenderee staff", None, _MIN_BIDS + ("property.no_buyer_revalue",)),
    # stage 4: confirmation of the result
    _t("publicity", "object", None, "bidder", "before_publicity_end",
       ("construction.publicity_objection_answer",)),
    _t("publicity", "award", "awarded", "tenderee system", "after_publicity_end",
       ("construction.publicity_period", "procurement.purchaser_decision", "property.result_publicity",
        "land.contract_deadline")),
    # stage 5: follow-up
    _t("awarded", "register_contract", "contracted", "tenderee staff", None,
       ("construction.contract_deadline", "procurement.contract_deadline", "property.payment_days",
        "property.instalment_upfront", "land.contract_deadline")),
    _t("contracted", "archive", "archived", "staff", None,
       ("construction.deposit_refund", "procurement.files_kept", "electronic.logs")),
    # cancellation (tenderee asks, supervisor decides) and suspension
    _t("draft", "cancel", "cancelled", "tenderee supervisor", None, _SUPERVISION),
    _t(_BEFORE_AWARD + " suspended", "request_cancel", None, "tenderee", None, _SUPERVISION),
    _t(_BEFORE_AWARD + " suspended", "cancel", "cancelled", "supervisor", None, _SUPERVISION),
    _t("announced opening evaluating listing auction publicity awarded", "suspend", "suspended", "supervisor",
       None, _SUPERVISION + ("construction.objection_pause", "construction.complaint_suspension",
                             "procurement.complaint_suspension")),
    # the clock resumes a procurement lot suspended on a complaint once the law's longest suspension has run
    _t("suspended", "resume", PREVIOUS, "supervisor system", None,
       _SUPERVISION + ("procurement.complaint_suspension",)),
)
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))
SUSPENDABLE = next(t.from_states for t in TRANSITIONS if t.action == "suspend")


def find_transition(state: str, action: str) -> Transition | None:
    """The row for taking ``action`` in ``state``, or None when the table has none."""
    return next((t for t in TRANSITIONS if t.action == action and state in t.from_states), None)


def rule_for(transition: Transition, trade_type: str) -> str:
    """The first rule of a transition that governs this trade type (the one a refusal names)."""
    return next(r for r in transition.rule_ids if trade_type in RULES[r].trade_types)


def time_condition_met(name: str, deadlines: Mapping[str, datetime | None], now: datetime) -> bool:
    """Whether ``now`` satisfies the named time condition; False when its deadline is not set."""
    condition = TIME_CONDITIONS[name]
    at = deadlines.get(condition.deadline)
    if at is None:
        return False
    return now >= at if condition.after else now < at


def _kinds(trade_type: str, method: str | None) -> set[str]:
    """The method kinds a lot may follow: its method's, or every kind its trade type allows."""
    methods = METHODS_BY_TRADE_TYPE[trade_type] if method is None else (method,)
    return {METHODS[m].kind for m in methods}


def _check(transition: Transition, role: str, now: datetime, deadlines: Mapping[str, datetime | None],
           trade_type: str, method: str | None) -> None:
    """Refuse a matching row for the wrong method, the wrong role, or the wrong time."""
    rule = rule_for(transition, trade_type)
    params = {"action": transition.action, "role": role, "method": method or trade_type}
    if transition.method_kinds is not None and not transition.method_kinds & _kinds(trade_type, method):
        raise DomainError(N_("%(action)s does not apply to a lot traded by %(method)s."), field="action",
                          rule=rule, **params)
    if role not in transition.roles:
        raise Forbidden(N_("The role %(role)s may not %(action)s."), field="action", rule=rule, **params)
    if transition.time_condition is None:
        return
    condition = TIME_CONDITIONS[transition.time_condition]
    at = deadlines.get(condition.deadline)
    if at is None:
        raise DomainError(N_("The lot has no %(deadline)s set, so %(action)s cannot be timed."),
                          field=condition.deadline, rule=rule, deadline=condition.deadline, **params)
    if time_condition_met(condition.name, deadlines, now):
        return
    when = to_local(at).strftime("%Y-%m-%d %H:%M")
    message = (N_("Too early to %(action)s: wait until the %(deadline)s, %(when)s.") if condition.after
               else N_("Too late to %(action)s: the %(deadline)s was %(when)s."))
    raise DomainError(message, field=condition.deadline, rule=rule, deadline=condition.deadline, when=when,
                      at=at, **params)


def _validate(state: str, trade_type: str, method: str | None) -> None:
    """Refuse unknown states, trade types and methods (errors in the caller or in stored data)."""
    if state not in STATES:
        raise ValueError(f"unknown lot state {state!r}")
    if trade_type not in TRADE_TYPES:
        raise ValueError(f"unknown trade type {trade_type!r}")
    if method is not None and method not in METHODS_BY_TRADE_TYPE[trade_type]:
        raise ValueError(f"method {method!r} is not a method of {trade_type!r}")


def apply(state: str, action: str, role: str, now: datetime, deadlines: Mapping[str, datetime | None],
          trade_type: str, *, method: str | None = None, previous: str | None = None) -> str:
    """The lot's state after ``role`` takes ``action`` at ``now``, or a DomainError naming the rule."""
    _validate(state, trade_type, method)
    if action not in ACTIONS:
        raise DomainError(N_("Unknown action %(action)s."), field="action", action=action)
    transition = find_transition(state, action)
    if transition is None:  # out of the order of the stages
        raise DomainError(N_("A lot in the state %(state)s cannot %(action)s."), field="action",
                          rule="platform.five_stages", state=state, action=action)
    _check(transition, role, now, deadlines, trade_type, method)
    if transition.to_state is None:
        return state
    if transition.to_state == PREVIOUS:
        if previous not in SUSPENDABLE:
            raise DomainError(N_("The state before the suspension is unknown (%(previous)s)."),
                              field="previous", rule=rule_for(transition, trade_type), previous=str(previous))
        return previous
    return transition.to_state


def allowed_actions(state: str, role: str, now: datetime, deadlines: Mapping[str, datetime | None],
                    trade_type: str, *, method: str | None = None) -> list[str]:
    """The actions ``role`` may take on a lot in ``state`` at ``now``, in table order (for the UI)."""
    _validate(state, trade_type, method)
    allowed = []
    for transition in TRANSITIONS:
        if state not in transition.from_states:
            continue
        try:
            _check(transition, role, now, deadlines, trade_type, method)
        except DomainError:
            continue
        allowed.append(transition.action)
    return allowed


def open_for_sign_up(state: str, now: datetime, deadlines: Mapping[str, datetime | None]) -> bool:
    """Whether bidders may still sign up for a lot: it is announced (or listing: land and property take
    applications through the listing) and its bid (application) deadline has not passed."""
    return state in ("announced", "listing") and time_condition_met("before_bid_deadline", deadlines, now)


def stage_of(state: str, previous: str | None = None) -> int | None:
    """The stage (1-5) of a state; side states take the stage of ``previous`` (failed happens in stage 3)."""
    if state not in _STATES:
        raise ValueError(f"unknown lot state {state!r}")
    stage = _STATES[state][1]
    if stage is not None:
        return stage
    if previous is not None and previous not in SIDE_STATES:
        return stage_of(previous)
    return 3 if state == "failed" else None
