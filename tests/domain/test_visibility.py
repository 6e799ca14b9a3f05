"""The visibility policy as a table: role x fact x lot state (DESIGN §3; 招标投标法 第二十二条、第三十七条)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trading.domain.visibility import (
    POLICY,
    Fact,
    Moment,
    Phase,
    Viewer,
    fact_of_action,
    may_read_complaint,
    may_read_question,
    may_see,
)

DEADLINE = datetime(2026, 3, 20, 1, 0, tzinfo=UTC)
BEFORE, AFTER = DEADLINE - timedelta(minutes=1), DEADLINE

VIEWERS = {
    "supervisor": Viewer(frozenset({"supervisor"})),
    "staff": Viewer(frozenset({"staff"})),
    "admin": Viewer(frozenset({"admin"})),
    "tenderee": Viewer(frozenset({"tenderee"}), party=True),
    "other tenderee": Viewer(frozenset({"tenderee"})),
    "bidder": Viewer(frozenset({"bidder"}), signed_up=True),
    "outside bidder": Viewer(frozenset({"bidder"})),
    "expert": Viewer(frozenset({"expert"})),
    "anonymous": Viewer(frozenset()),
}
# (state, time) -> phase name, the columns of the table below
MOMENTS = {
    "announced, before the deadline": (Moment("announced", None, DEADLINE), BEFORE),
    "announced, deadline passed": (Moment("announced", None, DEADLINE), AFTER),
    "opening": (Moment("opening", None, DEADLINE), AFTER),
    "evaluating": (Moment("evaluating", None, DEADLINE), AFTER),
    "publicity": (Moment("publicity", None, DEADLINE), AFTER),
    "awarded": (Moment("awarded", None, DEADLINE), AFTER),
    "suspended while announced, deadline passed": (Moment("suspended", "announced", DEADLINE), AFTER),
    "cancelled before the deadline": (Moment("cancelled", "announced", DEADLINE), AFTER),
    "suspended while evaluating": (Moment("suspended", "evaluating", DEADLINE), AFTER),
}
COLUMNS = list(MOMENTS)

# Who sees it, per moment (columns in MOMENTS' order): 1 yes, 0 no.
TABLE = {
    Fact.BIDDERS: {
        "supervisor":     [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "staff":          [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "admin":          [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "tenderee":       [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "other tenderee": [0, 0, 0, 0, 0, 0, 0, 0, 0],
        "bidder":         [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "outside bidder": [0, 0, 0, 0, 0, 0, 0, 0, 0],
        "expert":         [0, 0, 0, 0, 0, 0, 0, 0, 0],
        "anonymous":      [0, 0, 0, 0, 0, 0, 0, 0, 0],
    },
    Fact.DEPOSITS: {
        "supervisor":     [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "staff":          [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "tenderee":       [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "bidder":         [0, 0, 0, 0, 0, 0, 0, 0, 0],
        "anonymous":      [0, 0, 0, 0, 0, 0, 0, 0, 0],
    },
    Fact.PANEL_NAMES: {
        "supervisor":     [1, 1, 1, 1, 1, 1, 1, 1, 1],
        "staff":          [0, 0, 0, 1, 1, 1, 0, 0, 1],
        "admin":          [0, 0, 0, 0, 0, 1, 0, 0, 0],
        "tenderee":       [0, 0, 0, 0, 0, 1, 0, 0, 0],
        "bidder":         [0, 0, 0, 0, 0, 1, 0, 0, 0],
        "expert":         [0, 0, 0, 0, 0, 1, 0, 0, 0],
        "anonymous":      [0, 0, 0, 0, 0, 1, 0, 0, 0],
    },
    Fact.DRAW_POOL: {  # the reasons name signed-up bidders: the supervisor too waits for the deadline
        "supervisor":     [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "staff":          [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "tenderee":       [0, 0, 0, 0, 0, 1, 0, 0, 0],
        "bidder":         [0, 0, 0, 0, 0, 0, 0, 0, 0],
    },
    Fact.BID_STATISTICS: {  # read out at the public opening (招标投标法 第三十六条): for anyone once it is under way
        "supervisor":     [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "tenderee":       [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "outside bidder": [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "expert":         [0, 1, 1, 1, 1, 1, 0, 0, 1],
        "anonymous":      [0, 1, 1, 1, 1, 1, 0, 0, 1],
    },
}

CASES = [(fact, who, column, bool(row[i])) for fact, rows in TABLE.items() for who, row in rows.items()
         for i, column in enumerate(COLUMNS)]


@pytest.mark.parametrize(("fact", "who", "column", "expected"), CASES,
                         ids=[f"{f.value}-{w}-{c}" for f, w, c, _ in CASES])
def test_the_policy_table(fact, who, column, expected):
    moment, now = MOMENTS[column]
    assert may_see(fact, VIEWERS[who], moment.phase(now)) is expected


def test_nobody_at_all_learns_who_bid_before_the_deadline():
    """The promise of 法 Art. 22 as one line: no audience of the policy is let in before the deadline."""
    assert all(row[audience] is None or row[audience] > Phase.BEFORE_DEADLINE
               for fact, row in POLICY.items() if fact in (Fact.BIDDERS, Fact.DEPOSITS) for audience in row)


def test_a_bidder_always_sees_its_own_sign_up_deposit_and_bid_and_never_a_rivals_deposit():
    before = MOMENTS["announced, before the deadline"][0].phase(BEFORE)
    bidder = VIEWERS["bidder"]
    assert may_see(Fact.BIDDERS, bidder, before, own=True) and may_see(Fact.DEPOSITS, bidder, before, own=True)
    assert not may_see(Fact.DEPOSITS, bidder, Phase.DECIDED)
    assert not may_see(Fact.PANEL_NAMES, bidder, before, own=True)  # "own" is about the bidder itself only


def test_audit_actions_map_to_the_fact_they_reveal():
    assert fact_of_action("bid.submit") is Fact.BIDDERS and fact_of_action("deposit.payment") is Fact.BIDDERS
    assert fact_of_action("deposit.refund") is Fact.BIDDERS  # a refund before the deadline means a withdrawal
    assert fact_of_action("evaluation.statement") is Fact.PANEL_NAMES
    assert fact_of_action("lot.announce") is None


def test_a_procurement_question_is_read_by_its_supplier_the_purchaser_side_and_the_supervisor_only():
    """Another supplier, the centre's staff, an expert or the administrator never read a supplier's 质疑."""
    assert may_read_question(frozenset({"supervisor"}), party=False, own=False)
    assert may_read_question(frozenset({"tenderee"}), party=True, own=False)
    assert may_read_question(frozenset({"bidder"}), party=False, own=True)
    for roles in ({"bidder"}, {"staff"}, {"expert"}, {"admin"}, {"tenderee"}, set()):
        assert not may_read_question(frozenset(roles), party=False, own=False), roles


def test_a_complaint_is_read_by_the_supervisor_and_its_complainant_until_its_decision_is_published():
    for roles in ({"bidder"}, {"staff"}, {"tenderee"}, {"admin"}, set()):
        assert not may_read_complaint(frozenset(roles), own=False, decided=False), roles
        assert may_read_complaint(frozenset(roles), own=False, decided=True), roles
    assert may_read_complaint(frozenset({"supervisor"}), own=False, decided=False)
    assert may_read_complaint(frozenset({"bidder"}), own=True, decided=False)
