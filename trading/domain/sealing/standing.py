"""Which envelope stands for each bidder, derived from what the database cannot forge, and compared with the rows.

Before the opening decrypts anything (issue 13), the audited ``bid.submit`` / ``bid.withdraw`` entries of the lot's
round are replayed in order. An entry counts only if its own hash is intact and the platform's signed receipt of
that submission or withdrawal (kept on the bid it names) points back at it with the same manifest hash: a row can
be edited and the audit chain rewritten by someone with the database, but no receipt can be signed without the
platform's key. The replay gives, per bidder, the one submission that stands. Each row is then compared with it:

- a row marked submitted must be that submission: its receipt valid under the platform key and agreeing with the
  row (lot, bidder, manifest hash, size, audit entry), the entry at the receipt's audit_seq its own ``bid.submit``,
  no later audited submission or withdrawal superseding it, and an envelope named;
- a row marked withdrawn that the replay says stands was suppressed (withdrawn without its audited withdrawal
  or a replacing submission);
- a standing submission with no row at all was removed.

Each mismatch is a ``Finding``; the opening holds those bids (never opens them) and reports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..errors import N_, DomainError
from .receipt import verify_receipt

SUBMIT, WITHDRAW = "bid.submit", "bid.withdraw"


@dataclass(frozen=True)
class BidRow:
    """A bid row of the lot's round as the database holds it (every field may have been edited)."""

    id: int
    bidder_id: int
    bidder_code: str
    status: str
    manifest_hash: str
    size: int
    has_envelope: bool
    receipt: dict | None
    withdraw_receipt: dict | None


@dataclass(frozen=True)
class Event:
    """An audited ``bid.submit`` or ``bid.withdraw`` of the lot; ``intact`` if its hash recomputes from its content."""

    seq: int
    action: str
    payload: dict
    intact: bool


@dataclass(frozen=True)
class Finding:
    """One bid that must not be opened, and why (a message with its parameters)."""

    bid_id: int
    bidder_id: int
    message: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        """The reason in words (English; the interface translates it)."""
        return self.message % self.params if self.params else self.message


@dataclass(frozen=True)
class Verdict:
    """The bids held (by bid id) and the standing submissions whose rows are gone."""

    held: dict[int, Finding]
    missing: list[Finding]

    @property
    def findings(self) -> list[Finding]:
        """Every finding, held rows first."""
        return [*self.held.values(), *self.missing]


def _receipt(data, public_key, kind: str):
    """The verified receipt of ``kind``, or None."""
    if not isinstance(data, dict) or not data:
        return None
    try:
        found = verify_receipt(data, public_key)
    except DomainError:
        return None
    return found if found.kind == kind else None


def _backed(event: Event, rows: dict[int, BidRow], receipts: dict, lot_code: str) -> bool:
    """Whether an entry counts: its hash is intact and a signed receipt on the bid it names points back at it.
    An intact entry whose bid has no row at all still counts, so that the removed row is reported."""
    if not event.intact or not all(isinstance(event.payload.get(name), int) for name in ("bid_id", "bidder_id")):
        return False
    row = rows.get(event.payload["bid_id"])
    if row is None or receipts is None:  # receipts None: the audit chain alone (no platform key at hand)
        return True
    found = receipts[row.id][0 if event.action == SUBMIT else 1]
    return (found is not None and found.audit_seq == event.seq and found.lot_code == lot_code
            and found.bidder_code == row.bidder_code and found.manifest_hash == event.payload.get("manifest_hash")
            and event.payload["bidder_id"] == row.bidder_id)


def _verified(rows: list[BidRow], public_key) -> dict:
    """Each row's submission and withdrawal receipts, verified once: {bid id: (submit or None, withdraw or None)}."""
    return {row.id: (_receipt(row.receipt, public_key, "submit"), _receipt(row.withdraw_receipt, public_key,
                                                                            "withdraw")) for row in rows}


def derive(rows: list[BidRow], events: list[Event], *, lot_code: str, public_key, receipts: dict | None = None
           ) -> dict[int, Event]:
    """The ``bid.submit`` entry that stands for each bidder after replaying the backed entries in order. Without
    ``public_key`` the intact entries are replayed without their receipts (a cheaper, weaker count)."""
    by_id = {row.id: row for row in rows}
    if receipts is None and public_key is not None:
        receipts = _verified(rows, public_key)
    standing: dict[int, Event] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if not _backed(event, by_id, receipts, lot_code):
            continue
        bidder = event.payload["bidder_id"]
        if event.action == SUBMIT:
            standing[bidder] = event
        elif bidder in standing and standing[bidder].payload.get("bid_id") == event.payload.get("bid_id"):
            del standing[bidder]
    return standing


def _row_problem(row: BidRow, found, events: dict[int, Event], standing: dict[int, Event],
                 lot_code: str) -> tuple[str, dict] | None:
    """Why a row marked submitted must not be opened, or None (``found``: its verified submission receipt)."""
    if found is None:
        return N_("The bid's signed receipt is missing or its signature is not valid."), {}
    for name, signed, stored in (("lot", found.lot_code, lot_code), ("bidder", found.bidder_code, row.bidder_code),
                                 ("manifest hash", found.manifest_hash, row.manifest_hash),
                                 ("size", found.envelope_size, row.size)):
        if signed != stored:
            return N_("The bid's row does not match its signed receipt (%(what)s)."), {"what": name}
    event = events.get(found.audit_seq)
    if event is None or event.action != SUBMIT or not event.intact:
        return N_("The audited submission named by the receipt (entry %(seq)s) is missing or altered."), \
            {"seq": found.audit_seq}
    if (event.payload.get("bid_id"), event.payload.get("bidder_id"), event.payload.get("manifest_hash")) != \
            (row.id, row.bidder_id, row.manifest_hash):
        return N_("The receipt belongs to another submission (audit entry %(seq)s), not to this bid."), \
            {"seq": found.audit_seq}
    if standing.get(row.bidder_id) is not event:
        return N_("A later audited submission or withdrawal by the same bidder supersedes this bid."), {}
    if not row.has_envelope:
        return N_("The bid's row names no stored envelope."), {}
    return None


def check(rows: list[BidRow], events: list[Event], *, lot_code: str,
          public_key: Ed25519PublicKey | bytes) -> Verdict:
    """Compare the rows of a lot's round with the submissions that stand by the audit log and the receipts."""
    receipts = _verified(rows, public_key)
    standing = derive(rows, events, lot_code=lot_code, public_key=public_key, receipts=receipts)
    by_seq = {event.seq: event for event in events}
    held: dict[int, Finding] = {}
    for row in rows:
        if row.status == "submitted":
            problem = _row_problem(row, receipts[row.id][0], by_seq, standing, lot_code)
        elif standing.get(row.bidder_id) is not None and standing[row.bidder_id].payload.get("bid_id") == row.id:
            problem = N_("The bid is marked withdrawn without its audited withdrawal or a replacing submission."), {}
        else:
            problem = None
        if problem is not None:
            held[row.id] = Finding(row.id, row.bidder_id, *problem)
    ids = {row.id for row in rows}
    missing = [Finding(event.payload["bid_id"], bidder, N_("The bid that stands by the audit log has no row."))
               for bidder, event in standing.items() if event.payload.get("bid_id") not in ids]
    return Verdict(held, missing)
