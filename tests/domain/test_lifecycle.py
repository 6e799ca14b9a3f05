"""The lot lifecycle: every transition x role x time condition, the stages, and whole paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trading.domain import lifecycle
from trading.domain.errors import DomainError, Forbidden
from trading.domain.lifecycle import (
    ACTIONS,
    DEADLINES,
    PREVIOUS,
    ROLES,
    SIDE_STATES,
    STAGES,
    STATES,
    SUSPENDABLE,
    TIME_CONDITIONS,
    TRANSITIONS,
    allowed_actions,
    apply,
    find_transition,
    stage_of,
    time_condition_met,
)
from trading.domain.rules import RULES

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
HOUR = timedelta(hours=1)
KIND_LOT = {
    "tender": ("construction", "open"),
    "negotiated": ("procurement", "single_source"),
    "listing": ("land", "listing"),
    "auction": ("land", "auction"),
    "agreement": ("property", "agreement"),
}


def lot_for(transition):
    """A (trade type, method) pair the transition applies to."""
    if transition.method_kinds:
        return KIND_LOT[min(transition.method_kinds)]
    return KIND_LOT["listing"] if transition.from_states & {"listing", "auction"} else KIND_LOT["tender"]


def deadlines_meeting(condition):
    """Deadlines under which the named time condition holds at NOW (all others unset)."""
    deadlines = dict.fromkeys(DEADLINES)
    if condition:
        spec = TIME_CONDITIONS[condition]
        deadlines[spec.deadline] = NOW - HOUR if spec.after else NOW + HOUR
    return deadlines


def expected_state(transition, state):
    """Where the transition leads from ``state`` (PREVIOUS is taken to be 'announced')."""
    if transition.to_state is None:
        return state
    return "announced" if transition.to_state == PREVIOUS else transition.to_state


def run(transition, state, role, now=NOW, deadlines=None):
    """Apply one row of the table with arguments it accepts apart from the role and time."""
    trade_type, method = lot_for(transition)
    deadlines = deadlines_meeting(transition.time_condition) if deadlines is None else deadlines
    return apply(state, transition.action, role, now, deadlines, trade_type, method=method,
                 previous="announced")


ROLE_CASES = [
    pytest.param(t, state, role, id=f"{t.action}-{state}-{role}")
    for t in TRANSITIONS
    for state in sorted(t.from_states)
    for role in sorted(ROLES)
]


@pytest.mark.parametrize(("transition", "state", "role"), ROLE_CASES)
def test_every_transition_by_every_role(transition, state, role):
    """Listed roles move the lot as the table says; every other role is refused, naming a rule."""
    if role in transition.roles:
        assert run(transition, state, role) == expected_state(transition, state)
        return
    with pytest.raises(Forbidden) as caught:
        run(transition, state, role)
    assert caught.value.rule in transition.rule_ids
    assert caught.value.params["role"] == role


TIME_CASES = [
    pytest.param(t, state, situation, id=f"{t.action}-{state}-{t.time_condition}-{situation}")
    for t in TRANSITIONS
    if t.time_condition
    for state in sorted(t.from_states)
    for situation in ("before", "at", "after", "missing")
]


@pytest.mark.parametrize(("transition", "state", "situation"), TIME_CASES)
def test_every_time_condition(transition, state, situation):
    """'after_X' holds from the instant X on, 'before_X' until just before it; an unset X refuses."""
    condition = TIME_CONDITIONS[transition.time_condition]
    role = min(transition.roles)
    deadlines = dict.fromkeys(DEADLINES)
    if situation != "missing":
        deadlines[condition.deadline] = NOW
    second = timedelta(seconds=1)
    now = {"before": NOW - second, "at": NOW, "after": NOW + second}.get(situation, NOW)
    allowed = situation != "missing" and (situation != "before") == condition.after
    assert time_condition_met(condition.name, deadlines, now) is allowed
    if allowed:
        assert run(transition, state, role, now, deadlines) == expected_state(transition, state)
        return
    with pytest.raises(DomainError) as caught:
        run(transition, state, role, now, deadlines)
    assert caught.value.field == condition.deadline
    assert caught.value.rule in transition.rule_ids
    if situation != "missing":
        assert ("Too early" if condition.after else "Too late") in caught.value.message
        assert caught.value.params["when"] == "2026-03-02 10:00"


WRONG_STATE_CASES = [
    pytest.param(action, state, id=f"{action}-{state}")
    for action in ACTIONS
    for state in sorted(STATES)
    if find_transition(state, action) is None
]


@pytest.mark.parametrize(("action", "state"), WRONG_STATE_CASES)
def test_actions_refused_in_other_states(action, state):
    """An action the table does not offer in a state is refused, whoever asks and whenever."""
    for role in sorted(ROLES):
        with pytest.raises(DomainError) as caught:
            apply(state, action, role, NOW, deadlines_meeting(None), "construction")
        assert caught.value.params == {"state": state, "action": action}
        assert caught.value.rule == "platform.five_stages"


METHOD_CASES = [
    pytest.param(t, state, id=f"{t.action}-{state}")
    for t in TRANSITIONS
    if t.method_kinds
    for state in sorted(t.from_states)
]


@pytest.mark.parametrize(("transition", "state"), METHOD_CASES)
def test_method_specific_steps_refuse_other_methods(transition, state):
    """Opening is for tender-type methods, listing for 挂牌, and so on."""
    trade_type, method = next(lot for kind, lot in KIND_LOT.items() if kind not in transition.method_kinds)
    role = min(transition.roles)
    with pytest.raises(DomainError, match="does not apply") as caught:
        apply(state, transition.action, role, NOW, deadlines_meeting(transition.time_condition), trade_type,
              method=method)
    assert caught.value.rule in transition.rule_ids


def test_the_table_is_consistent():
    """One row per (state, action); known states, roles, time conditions and rules; no dead ends."""
    for state in STATES:
        for action in ACTIONS:
            assert sum(1 for t in TRANSITIONS if t.action == action and state in t.from_states) <= 1
    for t in TRANSITIONS:
        assert t.from_states <= set(STATES) and t.roles <= ROLES and t.roles
        assert t.to_state in {*STATES, None, PREVIOUS}
        assert t.time_condition is None or t.time_condition in TIME_CONDITIONS
        assert all(rule_id in RULES for rule_id in t.rule_ids)
    exits = {state for t in TRANSITIONS if t.to_state for state in t.from_states}
    assert set(STATES) - exits == {"archived", "cancelled"}


def test_every_state_is_reachable_from_draft():
    """Following the table from draft reaches every state."""
    seen, todo = {"draft"}, ["draft"]
    while todo:
        state = todo.pop()
        for t in TRANSITIONS:
            if state in t.from_states and t.to_state:
                targets = SUSPENDABLE if t.to_state == PREVIOUS else {t.to_state}
                todo.extend(targets - seen)
                seen |= targets
    assert seen == set(STATES)


def walk(steps, trade_type, method, state="draft"):
    """Apply (action, role, deadlines) steps in turn; return the states passed."""
    states = [state]
    for action, role, deadlines in steps:
        state = apply(state, action, role, NOW, deadlines or {}, trade_type, method=method)
        states.append(state)
    return states


def test_construction_open_tender_path():
    """From draft to archive through the five stages, each step by its own role."""
    before, after = {"bid_deadline": NOW + HOUR}, {"bid_deadline": NOW - HOUR}
    steps = [
        ("file", "tenderee", None), ("certify", "staff", None), ("request_method", "tenderee", None),
        ("approve_method", "supervisor", None), ("announce", "tenderee", None),
        ("submit_bid", "bidder", before), ("close_bidding", "system", after),
        ("start_evaluation", "staff", None), ("score", "expert", None), ("start_publicity", "staff", None),
        ("object", "bidder", {"publicity_end": NOW + HOUR}), ("award", "tenderee", {"publicity_end": NOW}),
        ("register_contract", "tenderee", None), ("archive", "staff", None),
    ]
    states = walk(steps, "construction", "open")
    assert states[-1] == "archived"
    assert [stage_of(s) for s in dict.fromkeys(states)] == [1, 1, 1, 2, 3, 3, 3, 4, 4, 5, 5]


def test_land_listing_contested_path():
    """Listing opens after the announcement, several bidders -> on-site auction -> publicity -> award."""
    steps = [
        ("announce", "tenderee", None), ("open_listing", "system", {"listing_start": NOW}),
        ("place_offer", "bidder", {"listing_end": NOW + HOUR}),
        ("start_auction", "system", {"listing_end": NOW}),
        ("place_offer", "bidder", None), ("close_auction", "staff", None),
        ("award", "system", {"publicity_end": NOW - HOUR}),
    ]
    states = walk(steps, "land", "listing", state="method_approved")
    assert states == ["method_approved", "announced", "listing", "listing", "auction", "auction", "publicity",
                      "awarded"]


def test_land_auction_and_uncontested_listing():
    """拍卖 starts at its time; an uncontested 挂牌 closes straight to publicity."""
    assert apply("announced", "start_auction", "system", NOW, {"auction_start": NOW}, "land",
                 method="auction") == "auction"
    assert apply("listing", "close_listing", "system", NOW, {"listing_end": NOW}, "property",
                 method="listing") == "publicity"
    with pytest.raises(DomainError, match="does not apply"):
        apply("announced", "close_bidding", "system", NOW, {"bid_deadline": NOW}, "land", method="listing")


def test_property_agreement_skips_the_announcement():
    """协议转让 goes from the approved method to the result publicity."""
    assert apply("method_approved", "conclude_agreement", "staff", NOW, {}, "property",
                 method="agreement") == "publicity"
    with pytest.raises(DomainError, match="does not apply"):
        apply("method_approved", "announce", "tenderee", NOW, {}, "property", method="agreement")


def test_rejected_method_stays_certified_and_may_be_asked_again():
    """A rejection leaves the lot certified; the tenderee asks again and the supervisor approves."""
    assert walk([("reject_method", "supervisor", None), ("request_method", "tenderee", None),
                 ("approve_method", "supervisor", None)], "procurement", "inquiry", state="certified") == [
        "certified", "certified", "certified", "method_approved"]


def test_failed_lot_is_retraded_as_a_new_round():
    """流标 at the opening, then the same lot goes back to draft for the next round."""
    assert walk([("fail", "system", None), ("retrade", "tenderee", None)], "construction", "open",
                state="opening") == ["opening", "failed", "draft"]
    assert stage_of("failed", previous="opening") == 3


def test_suspend_and_resume_to_the_remembered_state():
    """A supervisor suspends; resume goes back where the lot was; an unknown previous state refuses."""
    assert apply("evaluating", "suspend", "supervisor", NOW, {}, "construction") == "suspended"
    resumed = apply("suspended", "resume", "supervisor", NOW, {}, "construction", previous="evaluating")
    assert resumed == "evaluating"
    for previous in (None, "archived", "suspended"):
        with pytest.raises(DomainError) as caught:
            apply("suspended", "resume", "supervisor", NOW, {}, "construction", previous=previous)
        assert caught.value.field == "previous"
        assert caught.value.rule == "platform.supervision"


def test_cancellation_needs_the_supervisor():
    """The tenderee asks; only the supervisor cancels (a draft the tenderee may drop itself)."""
    assert apply("evaluating", "request_cancel", "tenderee", NOW, {}, "construction") == "evaluating"
    with pytest.raises(Forbidden) as caught:
        apply("evaluating", "cancel", "tenderee", NOW, {}, "construction")
    assert caught.value.rule == "platform.supervision"
    assert apply("evaluating", "cancel", "supervisor", NOW, {}, "construction") == "cancelled"
    assert apply("draft", "cancel", "tenderee", NOW, {}, "construction") == "cancelled"
    with pytest.raises(DomainError, match="cannot"):
        apply("awarded", "cancel", "supervisor", NOW, {}, "construction")


def test_refusals_name_the_rule_of_the_trade_type():
    """The rule a refusal names is the first of the transition's rules that governs the trade type."""
    early = {"bid_deadline": NOW + HOUR}
    with pytest.raises(DomainError) as caught:
        apply("announced", "close_bidding", "system", NOW, early, "construction")
    assert caught.value.rule == "electronic.no_early_decrypt"
    with pytest.raises(DomainError) as caught:
        apply("opening", "start_evaluation", "bidder", NOW, {}, "procurement")
    assert caught.value.rule == "procurement.min_suppliers"
    with pytest.raises(DomainError) as caught:
        apply("method_approved", "announce", "staff", NOW, {}, "land", method="listing")
    assert caught.value.rule == "land.announcement_period"


def test_unknown_inputs():
    """Unknown actions are refused; unknown states, trade types and methods are caller errors."""
    with pytest.raises(DomainError, match="Unknown action"):
        apply("draft", "teleport", "admin", NOW, {}, "construction")
    with pytest.raises(ValueError, match="state"):
        apply("limbo", "file", "tenderee", NOW, {}, "construction")
    with pytest.raises(ValueError, match="trade type"):
        apply("draft", "file", "tenderee", NOW, {}, "fishing")
    with pytest.raises(ValueError, match="method"):
        apply("draft", "file", "tenderee", NOW, {}, "construction", method="listing")


def test_allowed_actions_for_the_ui():
    """What each role may do now, in table order."""
    before, after = {"bid_deadline": NOW + HOUR}, {"bid_deadline": NOW - HOUR}
    assert allowed_actions("draft", "tenderee", NOW, {}, "construction") == ["file", "cancel"]
    assert allowed_actions("announced", "bidder", NOW, before, "construction") == [
        "submit_bid", "withdraw_bid"]
    assert allowed_actions("announced", "bidder", NOW, after, "construction") == []
    assert allowed_actions("announced", "system", NOW, after, "construction") == ["close_bidding"]
    assert allowed_actions("announced", "tenderee", NOW, before, "construction") == [
        "clarify", "request_cancel"]
    assert allowed_actions("announced", "supervisor", NOW, before, "construction") == ["cancel", "suspend"]
    assert allowed_actions("listing", "system", NOW, {"listing_end": NOW}, "land", method="listing") == [
        "close_listing", "start_auction", "fail"]
    assert allowed_actions("archived", "admin", NOW, {}, "construction") == []
    assert allowed_actions("suspended", "supervisor", NOW, {}, "construction") == ["cancel", "resume"]


@pytest.mark.parametrize(
    ("state", "previous", "stage"),
    [
        ("draft", None, 1), ("filed", None, 1), ("certified", None, 1), ("method_approved", None, 2),
        ("announced", None, 3), ("opening", None, 3), ("evaluating", None, 3), ("listing", None, 3),
        ("auction", None, 3), ("publicity", None, 4), ("awarded", None, 4), ("contracted", None, 5),
        ("archived", None, 5), ("failed", None, 3), ("failed", "evaluating", 3),
        ("cancelled", "certified", 1), ("cancelled", "publicity", 4), ("cancelled", None, None),
        ("suspended", "awarded", 4), ("suspended", None, None), ("cancelled", "suspended", None),
    ],
)
def test_stage_of(state, previous, stage):
    """Main states have their stage; side states keep the stage where they happened."""
    assert stage_of(state, previous) == stage


def test_stages_and_states_have_chinese_names():
    """The five stages and every state carry the name shown on screen."""
    assert [STAGES[code].name_zh for code in sorted(STAGES)] == [
        "交易条件备案", "交易方式核准", "交易流程监管", "交易结果确认", "后续管理"]
    assert STATES["failed"] == "流标" and SIDE_STATES == {"failed", "cancelled", "suspended"}
    with pytest.raises(ValueError, match="limbo"):
        stage_of("limbo")


def _from(*actions: str) -> set[str]:
    """The states in which any of the actions may be taken, as the transition table says."""
    return {state for t in TRANSITIONS if t.action in actions for state in t.from_states}


def test_the_named_groups_of_states_say_what_the_transition_table_says():
    """One definition per question about a lot's state, each checked against the table: open is where bids and
    offers are taken; live (in trading) is every state from the announcement to the award, all of which a
    supervisor may suspend; a draw may be made until the evaluation has started; the key holders matter until the
    bids are open; the award leads into the decided states; every state before the announcement, live, decided or
    a side exit is exactly one of them."""
    assert lifecycle.OPEN == _from("submit_bid", "place_offer")
    assert lifecycle.LIVE | {"awarded"} == SUSPENDABLE
    # (a property lot's sealed round takes its bids in auction and draws no panel; its opening key is made at the
    # announcement and stays in use through the disclosure, listing)
    assert lifecycle.DRAWING == _from("close_bidding", "start_evaluation", "score") - {"auction"}
    assert lifecycle.KEYS_IN_USE == _from("submit_bid", "close_bidding", "start_evaluation") | {"listing"}
    assert lifecycle.DECIDED == {find_transition(s, a).to_state for s, a in (
        ("publicity", "award"), ("awarded", "register_contract"), ("contracted", "archive"))}
    before = {"draft", "filed", "certified", "method_approved"}
    parts = [before, lifecycle.LIVE, lifecycle.DECIDED, SIDE_STATES]
    assert set().union(*parts) == set(STATES) and sum(map(len, parts)) == len(STATES)
    assert lifecycle.PUBLISHED == set(STATES) - before - {"cancelled"}
    assert lifecycle.DECIDED < lifecycle.RESULT < lifecycle.EVALUATING < lifecycle.OPENED < lifecycle.PUBLISHED
    assert lifecycle.PAUSED | {"failed"} == SIDE_STATES


@pytest.mark.parametrize(("state", "previous", "published"), [
    ("draft", None, False), ("method_approved", None, False), ("announced", None, True), ("failed", "opening", True),
    ("suspended", "evaluating", True), ("archived", None, True), ("cancelled", "draft", False),
    ("cancelled", "method_approved", False), ("cancelled", "announced", True), ("cancelled", "suspended", True),
])
def test_a_lot_is_published_from_its_announcement_on_cancelled_or_not(state, previous, published):
    """A lot cancelled after its announcement was published (its announcement stays public); one cancelled before
    it never was."""
    assert lifecycle.published(state, previous) is published


@pytest.mark.parametrize("trade_type", ["construction", "procurement"])
def test_a_bid_at_the_deadline_is_refused_naming_the_deadline_rule(trade_type):
    """A microsecond before the deadline a bid is taken; at the deadline it is refused on field ``bid_deadline``
    naming the late-bid rule (招标投标法 第二十八条), not the encryption rule."""
    deadline = NOW + HOUR
    assert apply("announced", "submit_bid", "bidder", deadline - timedelta(microseconds=1),
                 {"bid_deadline": deadline}, trade_type, method="open") == "announced"
    with pytest.raises(DomainError) as late:
        apply("announced", "submit_bid", "bidder", deadline, {"bid_deadline": deadline}, trade_type, method="open")
    assert (late.value.field, late.value.rule) == ("bid_deadline", "electronic.bid_deadline")
