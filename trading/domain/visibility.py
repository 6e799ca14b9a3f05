"""Who may see which fact about a lot (信息可见规则): one policy for every page, JSON, export, statement, audit
view and error message (DESIGN §3).

The law behind it: 招标投标法 第二十二条 (the tenderee may not disclose the names or the *number* of potential
bidders), 第三十七条 (the committee's names stay secret until the result is decided) and 电子招标投标办法 第二十六条
(nobody may read a bid before the opening). The policy is a table, ``POLICY``: for each fact and each audience,
the first phase of the lot from which that audience may see it (``None``: never, through this fact).

Phases, in order: before the bid deadline; opened (the deadline has passed and the opening is under way or
done); evaluating (the closed evaluation has started); decided (the award is made): the state groups
``lifecycle.OPENED``, ``EVALUATING`` and ``DECIDED``. A land or property lot in its listing or auction
(``LIVE_TRADING``) stays before the deadline whatever its application deadline: bidders see one another by paddle
number (竞买号) alone until the result is out (publicity: EVALUATING). A property lot's one sealed round (一次报价)
runs in ``auction`` too: nobody, staff and supervisor included, learns whether, how many or which buyers submitted a
sealed price (``BIDDERS``) before its deadline, and nobody can read a price, which is sealed to the lot's opening key
(k-of-n shares, released only after the deadline); at its opening (state ``opening``, past the round's deadline,
which is then the lot's bid deadline) it is OPENED as a tender is, and its record names buyers by paddle number.
A lot that was cancelled, suspended or failed keeps the phase it had reached.

Audiences: ``supervisor``, ``staff`` (centre staff), ``admin`` (the system administrator, an operator, not a
supervisor), ``party`` (the project's tenderee or agency), ``bidder`` (a bidder signed up for the lot),
``public`` (anyone else, anonymous visitors included). A bidder always sees the facts about *itself* (its own
sign-up, deposit and bid): callers pass ``own=True`` for those.

Written down, as DESIGN §3 asks: no rule needs anyone, the supervisor included, to know before the deadline
whether, how many or which bidders signed up, paid or bid; so nobody does. The one unavoidable trace is an
objection to the documents (招标投标法实施条例 第二十二条): the tenderee must read and answer it, so it learns that
*some* potential bidder exists, never which (the objector's name is a ``BIDDERS`` fact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

from .lifecycle import DECIDED, EVALUATING, OPENED, PAUSED

LIVE_TRADING = frozenset({"listing", "auction"})  # who takes part stays hidden until the result (land.paddle_numbers)


class Phase(IntEnum):
    """How far a lot has come, as far as disclosure goes."""

    BEFORE_DEADLINE = 0
    OPENED = 1
    EVALUATING = 2
    DECIDED = 3


class Fact(StrEnum):
    """What may be hidden about a lot."""

    BIDDERS = "bidders"  # whether, how many and which bidders signed up, downloaded, objected, paid or bid
    DEPOSITS = "deposits"  # another bidder's deposit: amount, payments, refund
    PANEL_NAMES = "panel_names"  # who the drawn experts are (names, ids, counters that move with the draw)
    DRAW_POOL = "draw_pool"  # a draw's eligible and excluded experts and why (reasons name signed-up bidders, so
    # nobody, the supervisor included, sees them before the deadline)
    BID_STATISTICS = "bid_statistics"  # the opening record's counts (bids received, opened, not opened) and its
    # lowest and highest price, without names: read out at the public opening (招标投标法 第三十六条: 当众拆封、宣读),
    # so published (open data, OCDS bid statistics) once the opening is under way, never before the deadline
    APPLICANTS = "applicants"  # a property lot's intending buyers, to the centre that checks them against the
    # conditions (property.qualification): its staff (and the supervisor watching them) from the start
    QUALIFIED_COUNT = "qualified_count"  # how many buyers the centre qualified for a property lot (never who): the
    # centre from the start; the transferor once the disclosure has ended (``may_count_qualified``)


AUDIENCES = ("supervisor", "staff", "admin", "party", "bidder", "public")

_B, _O, _E, _D = Phase.BEFORE_DEADLINE, Phase.OPENED, Phase.EVALUATING, Phase.DECIDED

POLICY: dict[Fact, dict[str, Phase | None]] = {
    Fact.BIDDERS: {"supervisor": _O, "staff": _O, "admin": _O, "party": _O, "bidder": _O, "public": None},
    Fact.DEPOSITS: {"supervisor": _O, "staff": _O, "admin": _O, "party": _O, "bidder": None, "public": None},
    Fact.PANEL_NAMES: {"supervisor": _B, "staff": _E, "admin": _D, "party": _D, "bidder": _D, "public": _D},
    Fact.DRAW_POOL: {"supervisor": _O, "staff": _O, "admin": _D, "party": _D, "bidder": None, "public": None},
    Fact.BID_STATISTICS: {"supervisor": _O, "staff": _O, "admin": _O, "party": _O, "bidder": _O, "public": _O},
    Fact.APPLICANTS: {"supervisor": _B, "staff": _B, "admin": _E, "party": _E, "bidder": None, "public": None},
    Fact.QUALIFIED_COUNT: {"supervisor": _B, "staff": _B, "admin": _E, "party": _E, "bidder": None, "public": None},
}

# Audit actions that reveal a fact: shown only to those who may see it for the entry's lot.
BIDDER_ACTIONS = frozenset({"registration.sign_up", "registration.pledge", "registration.download", "objection.raise",
                            "deposit.payment", "deposit.refund", "bid.submit", "bid.withdraw", "auction.qualify",
                            "auction.offer", "auction.join", "deposit.applied", "property.qualify", "property.refuse",
                            "property.agreement", "property.sealed_result"})
PANEL_ACTIONS = frozenset({"draw.rank", "draw.call", "draw.answer", "draw.complete", "evaluation.statement",
                           "evaluation.conflict", "evaluation.chair", "evaluation.confirm", "evaluation.report",
                           "evaluation.rate"})
POOL_ACTIONS = frozenset({"draw.commit"})  # its payload counts the eligible and excluded experts


@dataclass(frozen=True)
class Moment:
    """What the policy needs to know about a lot: its state (and the one before a pause) and its deadline."""

    state: str
    previous_state: str | None
    bid_deadline: datetime | None

    def phase(self, now: datetime) -> Phase:
        """The lot's disclosure phase at ``now``."""
        state = self.previous_state if self.state in PAUSED and self.previous_state else self.state
        if state in DECIDED:
            return Phase.DECIDED
        if state in EVALUATING:
            return Phase.EVALUATING
        if state in LIVE_TRADING:  # a listing or an auction under way: bidders are known by paddle number alone
            return Phase.BEFORE_DEADLINE
        passed = self.bid_deadline is not None and now >= self.bid_deadline
        if passed and (state in OPENED or self.state == "announced"):  # announced: the opening is due
            return Phase.OPENED
        return Phase.BEFORE_DEADLINE


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as the policy sees them: roles, and their relation to the lot."""

    roles: frozenset[str]
    party: bool = False  # acts for the project's tenderee or agency
    signed_up: bool = False  # a bidder signed up for the lot's current round

    def audiences(self) -> set[str]:
        """The policy's audiences this viewer belongs to (always ``public``)."""
        found = {role for role in ("supervisor", "staff", "admin") if role in self.roles}
        if self.party:
            found.add("party")
        if self.signed_up and "bidder" in self.roles:
            found.add("bidder")
        found.add("public")
        return found


ANONYMOUS = Viewer(frozenset())


def may_see(fact: Fact, viewer: Viewer, phase: Phase, *, own: bool = False) -> bool:
    """True when ``viewer`` may see ``fact`` about a lot in ``phase``; ``own``: the fact is about the viewer's
    own organisation (its own sign-up, deposit or bid), which a bidder always sees."""
    if own and fact in (Fact.BIDDERS, Fact.DEPOSITS):
        return True
    row = POLICY[fact]
    return any(row[audience] is not None and phase >= row[audience] for audience in viewer.audiences())


ACTIONS: dict[Fact, frozenset[str]] = {Fact.BIDDERS: BIDDER_ACTIONS, Fact.DEPOSITS: frozenset(),
                                       Fact.PANEL_NAMES: PANEL_ACTIONS, Fact.DRAW_POOL: POOL_ACTIONS,
                                       Fact.BID_STATISTICS: frozenset(), Fact.APPLICANTS: frozenset(),
                                       Fact.QUALIFIED_COUNT: frozenset()}


def may_count_qualified(viewer: Viewer, phase: Phase, *, disclosure_over: bool) -> bool:
    """Whether ``viewer`` may know how many buyers the centre qualified for a property lot (``QUALIFIED_COUNT``): the
    table's audiences, and the transferor (``party``) as soon as the disclosure has ended, when the centre reports
    its findings to it (32号令 第十五条) and the routing (agreement with one, bidding among several) tells it anyway.
    Before the end it may not: a count would tell it whether a buyer stands alone (property.paddle_numbers)."""
    if may_see(Fact.QUALIFIED_COUNT, viewer, phase):
        return True
    return disclosure_over and "party" in viewer.audiences()


def actions_of(fact: Fact) -> frozenset[str]:
    """The audit actions that reveal ``fact`` about their lot."""
    return ACTIONS[fact]


def fact_of_action(action: str) -> Fact | None:
    """The fact an audit action reveals about its lot, if any."""
    return next((fact for fact, actions in ACTIONS.items() if action in actions), None)


# The collusion screens' signals and the supervisor's decisions on them (串通投标预警): the supervisor reads and
# decides; the administrator may read them (it runs the platform); nobody else, not the bidders they name, not the
# tenderee, agency or centre of the lot (the signals name bidders and are suspicions, not findings).
SCREEN_READERS = frozenset({"supervisor", "admin"})
# left out of others' lot timelines
SCREEN_ACTIONS = frozenset({"screen.raise", "screen.dismiss", "screen.refer", "screen.run"})


def may_read_screens(roles: frozenset[str]) -> bool:
    """Whether someone with these roles may read a lot's collusion screens, its signals and their decisions."""
    return bool(SCREEN_READERS & set(roles))


def may_decide_screens(roles: frozenset[str]) -> bool:
    """Whether someone with these roles may decide on a signal (dismiss it, refer it)."""
    return "supervisor" in roles


# Correction orders (整改通知): read by the supervisor and by the addressee alone. The roles that may hold an order.
CORRECTION_ROLES = ("supervisor", "staff", "tenderee")


def may_read_correction(roles: frozenset[str], organisation_id: int | None, addressee: str,
                        addressee_organisation: int) -> bool:
    """Whether a viewer (its roles and organisation) may read a correction order to ``addressee`` (tenderee, agency
    or centre, at ``addressee_organisation``): every supervisor; the addressee's people (the tenderee's or the
    agency's tenderee-role users; the centre's staff); nobody else: not another tenderee or agency, not a bidder or
    an expert, not the administrator (an operator, not a supervisor)."""
    if "supervisor" in roles:
        return True
    if organisation_id is None or organisation_id != addressee_organisation:
        return False
    return "staff" in roles if addressee == "centre" else "tenderee" in roles


# Public reports (举报): read by the supervisor alone: never by the parties a report names (tenderee, agency,
# bidders), nor by the centre's staff, the experts or the administrator (an operator, not a supervisor); the
# reporter reads its own report by the token it was given, and nobody else's.
def may_read_report(roles: frozenset[str]) -> bool:
    """Whether a logged-in viewer with ``roles`` may list and read public reports: the supervisor only."""
    return "supervisor" in roles


# The outbox (发件箱): the messages the platform sends to people without an account (a reporter told of its report's
# new status), read by the administrator who runs the gateway, with each address masked: whom a reporter is stays
# with the supervisor, who reads the contact on the report itself.
def may_read_outbox(roles: frozenset[str]) -> bool:
    """Whether a logged-in viewer with ``roles`` may read the outbox: the administrator only."""
    return "admin" in roles


# Procurement questions (质疑, 政府采购法 第五十二条): the purchaser and its agency must answer them, and the supervisor
# watches; a supplier reads its own and nobody else's (another supplier's question names it, before the result too).
def may_read_question(roles: frozenset[str], *, party: bool, own: bool) -> bool:
    """Whether a viewer may read one procurement question: the supervisor, the lot's purchaser or agency
    (``party``), and the supplier that asked it (``own``)."""
    return "supervisor" in roles or party or own


# Complaints (投诉): the supervisor handles them and reads all; the complainant reads its own; a decided complaint is
# published (its decision is public), so everyone reads it then.
def may_read_complaint(roles: frozenset[str], *, own: bool, decided: bool) -> bool:
    """Whether a viewer may read one complaint: the supervisor, its complainant (``own``), anyone once ``decided``."""
    return "supervisor" in roles or own or decided
