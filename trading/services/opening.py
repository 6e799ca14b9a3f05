"""开标 (DESIGN §4 step 4, §7): too few bids fail the lot; key holders release their shares after the deadline;
with k shares the opening key is rebuilt and checked, every standing bid is decrypted and checked, and the
opening record is published. Failures follow 电子招标投标办法 Art. 31: the bidder's fault revokes the bid (撤销),
the platform's fault deems it withdrawn (撤回) with the reason recorded; the opening goes on with the rest."""

from __future__ import annotations

import os
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import live
from ..domain import audit as chain, methods, money
from ..domain.errors import N_, DomainError, Forbidden
from ..domain.sealing import ceremony, envelope, holderkeys, opener, sharefiles, standing
from ..models import (
    AuditEntry,
    Bid,
    HolderKey,
    KeyShare,
    Lot,
    OpeningEntry,
    OpeningKey,
    OpeningObjection,
    Organisation,
    Registration,
    ReleasedShare,
)
from . import audit, holders, keys, rulebook
from .lots import transition

OPENING_HELPERS = min(7, (os.cpu_count() or 1) - 1)  # helper processes beside this one at a large opening
HELPERS_FROM = 64 * 2**20  # stored bytes from which an opening starts them (their start-up costs about 0.15 s)
RELEASED_SHARE = "released-share"  # the at-rest purpose that keeps released shares until the archive


def min_bids_rule(lot: Lot) -> str:
    """The rule that sets the fewest bids an opening needs for the lot's trade type and method (single source: its
    one supplier; ``domain.methods``)."""
    return methods.min_bids_rule(lot.project.trade_type, lot.method)


def _standing(lot: Lot):
    """Which bids stand at the deadline: the lot's current round, still submitted."""
    return sa.and_(Bid.lot_id == lot.id, Bid.round == lot.round, Bid.status == "submitted")


def standing_bids(session, lot: Lot) -> list[Bid]:
    """The bids that stand at the deadline, in the order they were received (with their bidders loaded)."""
    return list(session.scalars(sa.select(Bid).where(_standing(lot)).order_by(Bid.received_at)
                                .options(selectinload(Bid.bidder))))


def check_quorum(ctx, session, now: datetime, lot: Lot) -> bool:
    """Right after the deadline: fewer bids than the rule's minimum (in force) fail the lot (流标) unopened. True if
    it failed."""
    rule_id = min_bids_rule(lot)
    needed = int(rulebook.of_lot(ctx, session, lot).value(rule_id))
    count = len(standing_bids(session, lot))
    if count < needed:  # unless the audit log says more bids stand: then rows were altered, and the opening holds them
        ids = set(session.scalars(sa.select(Bid.id).where(Bid.lot_id == lot.id, Bid.round == lot.round)))
        count = max(count, len(standing.derive([], _events(session, lot, ids), lot_code=lot.deal_code,
                                               public_key=None)))
    if count >= needed:
        return False
    transition(session, lot, "fail", None, "system", now, payload={"bids": count, "needed": needed, "rule": rule_id},
               rule=rule_id)
    return True


def _my_share(session, actor, now: datetime, lot: Lot, field: str) -> tuple:
    """(opening key, the actor's share) at the opening, after the deadline only, not yet released nor revoked."""
    if lot.state != "opening" or lot.bid_deadline is None or now < lot.bid_deadline:
        raise DomainError(N_("Shares are released only at the opening, after the bid deadline."), field=field,
                          rule="electronic.no_early_decrypt")
    opening_key = session.scalar(sa.select(OpeningKey).where(OpeningKey.lot_id == lot.id, OpeningKey.round == lot.round)
                                 .with_for_update())
    if opening_key is not None and is_opened(session, lot):
        raise DomainError(N_("The bids are already open: no further share is needed."), field=field)
    share = opening_key and session.scalar(sa.select(KeyShare).where(
        KeyShare.opening_key_id == opening_key.id, KeyShare.holder_id == getattr(actor, "id", None))
        .execution_options(populate_existing=True))
    if share is None:
        raise Forbidden(N_("You hold no share of this lot's opening key."), field=field)
    if share.revoked_at is not None:
        raise DomainError(N_("Your share of this lot was revoked when its key holder was changed."), field=field,
                          rule="electronic.no_early_decrypt")
    if share.released_at is not None:
        raise DomainError(N_("You have already released your share."), field=field)
    return opening_key, share


def _sealed(share: KeyShare) -> ceremony.SealedShare:
    return ceremony.SealedShare(str(share.holder_id), share.role, share.index, share.sealed, share.share_hash)


def sealed_share_file(session, actor, now: datetime, lot: Lot) -> bytes:
    """The holder's sealed share as a file, for a key kept on the holder's own computer (after the deadline; the
    file alone opens nothing without the holder's key file and passphrase)."""
    opening_key, share = _my_share(session, actor, now, lot, "share")
    return sharefiles.sealed_share_file(_sealed(share), lot.deal_code, opening_key.fingerprint)


def release_share(ctx, session, actor, now: datetime, lot: Lot, passphrase: str, *,
                  open_at_once: bool = True) -> ReleasedShare:
    """A key holder whose key is kept on the server releases its share with its key-holder passphrase (a legacy
    key: the login password it was made under), after the deadline only; with k shares the bids open at once.
    Releases of one lot are serialised on its opening-key row (locked until the caller commits), so the k-th
    release opens the bids exactly once, whatever the timing; a release after that is refused. With
    ``open_at_once=False`` the k-th release only releases: the opening job (``open_if_ready``) opens them after the
    commit (the web pages)."""
    opening_key, share = _my_share(session, actor, now, lot, "passphrase")
    row = session.get(HolderKey, actor.id)
    if row is None or row.mode == "own":
        raise DomainError(N_("Your key is on your own computer: download your sealed share, open it with the "
                             "sealing tool (release-share) and upload the released file."), field="passphrase")
    if row.mode == "server":
        private = holderkeys.unlock_server_key(holders.server_blob(row), actor.id, passphrase)
    else:  # legacy: scrypt under the login password of the time
        try:
            private = holderkeys.unlock(keys.blob_of(row), actor.id, passphrase)
        except DomainError as error:
            raise DomainError(error.message, field="passphrase") from None
    return _accept(ctx, session, actor, now, lot, opening_key, share,
                   ceremony.open_share(_sealed(share), lot.deal_code, private), open_at_once=open_at_once)


def release_uploaded_share(ctx, session, actor, now: datetime, lot: Lot, data: bytes, *,
                           open_at_once: bool = True) -> ReleasedShare:
    """A key holder uploads the released-share file the sealing tool wrote; it must be the share issued to it
    and match the hash logged at the ceremony, after the deadline only."""
    opening_key, share = _my_share(session, actor, now, lot, "released")
    opened = sharefiles.read_released_share(data or b"", lot_code=lot.deal_code, holder_id=str(share.holder_id),
                                            index=share.index, share_hash=share.share_hash)
    return _accept(ctx, session, actor, now, lot, opening_key, share, opened, open_at_once=open_at_once)


def _accept(ctx, session, actor, now: datetime, lot: Lot, opening_key, share: KeyShare, opened, *,
            open_at_once: bool) -> ReleasedShare:
    """Keep an opened share sealed at rest, audit it, and open the bids once k shares are in."""
    row = ReleasedShare(key_share_id=share.id, released_by_id=actor.id, released_at=now,
                        sealed=keys.seal_at_rest(ctx, RELEASED_SHARE, bytes([opened.index]) + opened.share,
                                                 lot.deal_code))
    share.released_at = now
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "opening.release_share", object_type="lot", object_id=lot.id,
                 rule="electronic.no_early_decrypt", payload={"index": share.index, "hash": share.share_hash})
    tell(ctx, session, lot, "share")
    if open_at_once and _released(session, opening_key) >= opening_key.k:
        open_bids(ctx, session, now, lot)
    return row


def _released(session, opening_key) -> int:
    """How many shares of the key are released (a revoked one does not count)."""
    return session.scalar(sa.select(sa.func.count(KeyShare.id)).where(KeyShare.opening_key_id == opening_key.id,
                                                                      KeyShare.released_at.is_not(None),
                                                                      KeyShare.revoked_at.is_(None)))


def open_if_ready(ctx, session, now: datetime, lot: Lot, *, wait: bool = True) -> bool:
    """Open the bids of a lot at its opening if k shares are in and they are not open yet (the opening job after
    the k-th release, and the clock step after a job that died); True if this call opened them. It takes the
    opening-key row as the releases do (``wait=False``: skips a lot another step or job holds), so the bids open
    once however many jobs run."""
    if lot.state != "opening":
        return False
    opening_key = session.scalar(sa.select(OpeningKey).where(OpeningKey.lot_id == lot.id, OpeningKey.round == lot.round)
                                 .with_for_update(skip_locked=not wait))
    if opening_key is None or is_opened(session, lot) or _released(session, opening_key) < opening_key.k:
        return False
    open_bids(ctx, session, now, lot)
    return True


def progress_name(lot: Lot) -> str:
    """Where the opening job notes its progress (``ctx.jobs.report``)."""
    return f"opening:{lot.id}:{lot.round}"


def progress(ctx, session, lot: Lot) -> dict | None:
    """How far the opening is, for the page that follows it: None unless k shares are in and the record is not
    written yet; else ``{"done": n, "total": m}`` from the opening job's last note (``total`` None while the job
    waits for a worker)."""
    if lot.state != "opening" or is_opened(session, lot):
        return None
    opening_key = keys.opening_key_of(session, lot)
    if opening_key is None or _released(session, opening_key) < opening_key.k:
        return None
    note = ctx.jobs.reported(progress_name(lot)) if ctx.jobs is not None else None
    return {"done": int(note.get("done", 0)), "total": int(note.get("total", 0))} if note else {"done": 0,
                                                                                            "total": None}


def is_opened(session, lot: Lot) -> bool:
    """Whether the opening record of the lot's current round has been written."""
    return session.scalar(sa.select(OpeningEntry.id).where(OpeningEntry.lot_id == lot.id,
                                                           OpeningEntry.round == lot.round).limit(1)) is not None


def _rebuild(ctx, session, now: datetime, lot: Lot):
    """The opening key from the released shares (checked against the published public key)."""
    opening_key = keys.opening_key_of(session, lot)
    opened, hashes = [], {}
    for share in opening_key.shares:
        if share.revoked_at is not None:  # a replaced holder's share neither opens nor counts
            continue
        hashes[share.index] = share.share_hash
        row = session.scalar(sa.select(ReleasedShare).where(ReleasedShare.key_share_id == share.id))
        if row is not None and row.sealed:
            plain = keys.open_at_rest(ctx, RELEASED_SHARE, row.sealed, lot.deal_code)
            opened.append(ceremony.OpenedShare(plain[0], plain[1:]))
    return ceremony.reconstruct(lot.deal_code, opened, k=opening_key.k, expected_public_key=opening_key.public_key,
                                share_hashes=hashes, now=now, deadline=lot.bid_deadline)


def check_standing(ctx, session, lot: Lot) -> standing.Verdict:
    """Before any decryption: the lot's bid rows against the platform's signed receipts and the audited submissions
    and withdrawals (``domain.sealing.standing``): which bids must be held as tampered with."""
    rows = session.execute(sa.select(Bid.id, Bid.bidder_id, Organisation.credit_code, Bid.status, Bid.manifest_hash,
                                     Bid.size, Bid.blob_key, Bid.receipt, Bid.withdraw_receipt)
                           .join(Organisation, Organisation.id == Bid.bidder_id)
                           .where(Bid.lot_id == lot.id, Bid.round == lot.round)).all()
    events = _events(session, lot, {row.id for row in rows})
    return standing.check([standing.BidRow(row.id, row.bidder_id, row.credit_code, row.status, row.manifest_hash,
                                           row.size, bool(row.blob_key), row.receipt, row.withdraw_receipt)
                           for row in rows], events, lot_code=lot.deal_code,
                          public_key=ctx.keyring.receipt_key.public_key())


def _events(session, lot: Lot, ids: set[int]) -> list[standing.Event]:
    """The audited submissions and withdrawals of the lot's current round, each with whether its hash is intact
    (``ids``: the round's bid rows, which place the entries written before issue 13, which carry no round)."""
    events = []
    for entry in session.scalars(sa.select(AuditEntry).where(
            AuditEntry.object_type == "lot", AuditEntry.object_id == str(lot.id),
            AuditEntry.action.in_((standing.SUBMIT, standing.WITHDRAW))).order_by(AuditEntry.seq)):
        payload = entry.payload if isinstance(entry.payload, dict) else {}
        if payload.get("round", lot.round if payload.get("bid_id") in ids else None) != lot.round:
            continue
        events.append(standing.Event(entry.seq, entry.action, payload,
                                     chain.entry_hash(entry.content(), entry.prev_hash) == entry.hash))
    return events


def priced(found: dict) -> dict:
    """An opened envelope's columns with its price parsed, once, for everything after the opening: ``price`` the
    Decimal yuan, ``price_text`` the price as read from the bid's price form, kept for the record."""
    text = found.get("price")
    return {**found, "price_text": text, "price": None if text is None else money.parse_yuan(text, "price")}


def open_bids(ctx, session, now: datetime, lot: Lot) -> list[OpeningEntry]:
    """Check every bid row against its receipt and audited submission, decrypt and check every standing bid that
    passes, and write the opening record; once only (a second call returns the record).

    A bid whose row does not match (``check_standing``) is not decrypted: it is recorded as held (疑似篡改，暂不开启)
    with the reason, audited as ``opening.tampering`` and shown to the supervisor as a warning; the opening goes
    on with the rest. The documents are decrypted and every hash, tag and signature checked, but the plaintext is
    not kept: the sealed envelope stays the one stored copy, and the committee's documents are decrypted again
    when opened (``read_document``), from the released shares, which stay sealed at rest until the archive. The
    collusion screens then run and their signals are stored (``screens.record``), the documents screened from the
    fingerprints and metadata this same pass collected (``domain.screens.DocumentFacts``): never decrypted again."""
    if is_opened(session, lot):
        return record(session, lot)
    bids = session.execute(sa.select(Bid.id, Bid.bidder_id, Bid.status, Bid.blob_key, Bid.manifest_hash, Bid.size,
                                     Organisation.credit_code).join(Organisation, Organisation.id == Bid.bidder_id)
                           .where(Bid.lot_id == lot.id, Bid.round == lot.round)
                           .order_by(Bid.received_at, Bid.id)).all()
    store = ctx.store
    submitted = [bid for bid in bids if bid.status == "submitted" and bid.blob_key]
    local = all(store.local_path(bid.blob_key) is not None for bid in submitted)  # files here: helpers read them
    large = local and sum(bid.size or 0 for bid in submitted) >= HELPERS_FROM
    with opener.Helpers(OPENING_HELPERS if large else 0) as helpers:  # they start while the rows are checked
        verdict = check_standing(ctx, session, lot)
        bids = [bid for bid in bids if bid.id in verdict.held or bid.status == "submitted"]
        opened = [bid for bid in bids if bid.id not in verdict.held]
        jobs = [opener.Job(str(store.local_path(bid.blob_key)) if local else bid.blob_key, bid.credit_code,
                           bid.manifest_hash) for bid in opened]
        results = dict(zip((bid.id for bid in opened),
                           helpers.check_all(jobs, _rebuild(ctx, session, now, lot), lot.deal_code,
                                             open_blob=None if local else store.open,
                                             progress=_reporter(ctx, lot)),
                           strict=True))
    # each opened document's fingerprint and metadata, collected in the decryption pass above for the collusion
    # screens, and not stored with the record (an unsalted fingerprint would tell equal files apart from the record)
    documents = [(bid.bidder_id, facts["fingerprint"], facts["metadata"]) for bid in opened
                 for facts in results[bid.id].pop("documents", ()) if results[bid.id]["status"] == "opened"]
    held = {"status": "held", "price": None, "duration": None, "fields": {}, "files": [],
            "rule": "electronic.encrypted_bids"}
    rows = [{"lot_id": lot.id, "round": lot.round, "bid_id": bid.id, "bidder_id": bid.bidder_id, "position": n,
             "opened_at": now, **priced(results[bid.id] if bid.id in results
                                        else {**held, "reason": verdict.held[bid.id].message,
                                                  "reason_params": verdict.held[bid.id].params or None})}
            for n, bid in enumerate(bids, start=1)]
    if rows:
        session.execute(sa.insert(OpeningEntry), rows)  # one executemany: a thousand bids are a thousand rows
    found = [(f.bid_id, f.bidder_id, chain.message(f.message, **f.params), f.bid_id in verdict.held)
             for f in verdict.findings]
    found += [(row["bid_id"], row["bidder_id"], chain.message(row["reason"], **(row["reason_params"] or {})), True)
              for row in rows
              if row["status"] == "held" and row["bid_id"] not in verdict.held]  # the envelope is not the receipted one
    for bid_id, bidder_id, reason, held_bid in found:
        audit.record(session, None, now, "opening.tampering", object_type="lot", object_id=lot.id,
                     rule="electronic.encrypted_bids",
                     payload={"bid_id": bid_id, "bidder_id": bidder_id, "reason": reason, "held": held_bid})
    entries = record(session, lot)
    audit.record(session, None, now, "opening.record", object_type="lot", object_id=lot.id,
                 rule="electronic.opening_at_deadline",
                 payload={"opened": sum(e.status == "opened" for e in entries),
                          "revoked": sum(e.status == "revoked" for e in entries),
                          "withdrawn": sum(e.status == "withdrawn" for e in entries),
                          "held": sum(e.status == "held" for e in entries),
                          "bids": [{"bid_id": e.bid_id, "bidder_id": e.bidder_id, "status": e.status,
                                    "rule": e.rule, "reason": e.reason_message} for e in entries]})
    from . import screens

    # the collusion screens run once the prices are read (条例 第四十条), with the documents' facts of this one pass
    screens.record(ctx, session, now, lot, documents=documents)
    from .sealed_rounds import decide, is_sealed_round

    if is_sealed_round(lot):  # a property lot's one sealed round is decided by its opening (the deal, or 流拍)
        decide(ctx, session, now, lot)
    tell(ctx, session, lot, "opened")
    return entries


def tell(ctx, session, lot: Lot, event: str) -> None:
    """Tell the lot's opening room, once ``session`` commits, that its state changed (``event``: share, opened,
    state): the pages fetch it again. Nothing without a live channel."""
    if ctx.live is not None:
        ctx.live.after_commit(session, live.opening_channel(lot.id), event)


PROGRESS_STEPS = 50  # the opening room hears of its progress at most this many times (and at the end)


def _reporter(ctx, lot: Lot):
    """What the opening tells its progress to: the job's note (``ctx.jobs.report``, read by the page's JSON) and
    the opening room's live channel, at most ``PROGRESS_STEPS`` times. Progress is no committed state (it is for
    show), so it goes out at once, not after the commit."""
    if ctx.jobs is None:
        return None
    name, channel = progress_name(lot), live.opening_channel(lot.id)

    def report(done: int, total: int) -> None:
        ctx.jobs.report(name, {"done": done, "total": total})
        if ctx.live is not None and (done == total or done % max(1, total // PROGRESS_STEPS) == 0):
            ctx.live.publish(channel, "progress", {"done": done, "total": total})

    return report


def read_document(ctx, session, now: datetime, lot: Lot, entry: OpeningEntry,
                  index: int) -> tuple[str, envelope.PlainFile]:
    """One document of an opened bid, decrypted again from its envelope as it is read: (name, stream). The
    plaintext is never written to a file (not even a temporary one); the caller streams it out and closes it.

    Only for the evaluation: the caller checks who asks. The opening key is rebuilt from the released shares."""
    if entry.status != "opened" or not 0 <= index < len(entry.files):
        raise DomainError(N_("No such document."), field="document")
    wanted = entry.files[index]["name"]
    private = _rebuild(ctx, session, now, lot)
    bid = session.get(Bid, entry.bid_id)
    if not bid.blob_key:
        raise DomainError(N_("No such document."), field="document")
    handle = ctx.store.open(bid.blob_key)
    try:
        return wanted, envelope.open_file(handle, wanted, lot_private_key=private, lot_code=lot.deal_code,
                                          bidder_code=bid.bidder.credit_code,
                                          expected_manifest_hash=bid.manifest_hash)
    except BaseException:
        handle.close()
        raise


def wipe_shares(session, lot: Lot) -> None:
    """Destroy the lot's shares once the archive is signed: every holder's sealed share and every released share
    (of every round) is wiped, so nobody can rebuild an opening key afterwards, not even with the holders' keys."""
    for share in session.scalars(sa.select(KeyShare).join(OpeningKey).where(OpeningKey.lot_id == lot.id)):
        share.sealed = b""
    for row in session.scalars(sa.select(ReleasedShare).join(KeyShare, KeyShare.id == ReleasedShare.key_share_id)
                               .join(OpeningKey).where(OpeningKey.lot_id == lot.id)):
        row.sealed = b""
    session.flush()


def opened_entry(session, bid_id: int) -> OpeningEntry | None:
    """The opening record's line of a bid the opening decrypted (its price parsed), or None."""
    return session.scalar(sa.select(OpeningEntry).where(OpeningEntry.bid_id == bid_id,
                                                        OpeningEntry.status == "opened"))


def record(session, lot: Lot) -> list[OpeningEntry]:
    """The opening record of the lot's current round, in order."""
    return list(session.scalars(sa.select(OpeningEntry).where(OpeningEntry.lot_id == lot.id,
                                                              OpeningEntry.round == lot.round)
                                .order_by(OpeningEntry.position)))


def may_follow(session, user, lot: Lot) -> bool:
    """Signed-up bidders, staff, supervisors and the tenderee's side follow the opening."""
    if user.has_role("staff", "supervisor"):
        return True
    if user.has_role("tenderee") and user.organisation_id in lot.project.party_ids():
        return True
    return user.has_role("bidder") and session.scalar(sa.select(Registration.id).where(
        Registration.lot_id == lot.id, Registration.round == lot.round,
        Registration.bidder_id == user.organisation_id)) is not None


def raise_objection(session, actor, now: datetime, lot: Lot, text: str) -> OpeningObjection:
    """A signed-up bidder objects during the opening (e.g. to a revoked bid); staff answer on the record."""
    if lot.state != "opening" or not actor.has_role("bidder") or not may_follow(session, actor, lot):
        raise Forbidden(N_("Only a signed-up bidder may object, during the opening."), field="text")
    text = (text or "").strip()
    if len(text) < 4:
        raise DomainError(N_("Describe the objection."), field="text")
    row = OpeningObjection(lot_id=lot.id, round=lot.round, bidder_id=actor.organisation_id, raised_by_id=actor.id,
                           text=text[:2000], raised_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "opening.objection", object_type="lot", object_id=lot.id,
                 payload={"objection_id": row.id})
    return row


def answer_objection(session, actor, now: datetime, objection_id: int, answer: str) -> OpeningObjection:
    """Centre staff answer an objection on the record."""
    if actor is None or not actor.has_role("staff"):
        raise Forbidden(N_("Centre staff answer objections at the opening."), field="answer")
    row = session.get(OpeningObjection, objection_id)
    if row is None or row.answered_at is not None:
        raise DomainError(N_("No open objection to answer."), field="answer")
    answer = (answer or "").strip()
    if len(answer) < 2:
        raise DomainError(N_("Write the answer."), field="answer")
    row.answer, row.answered_by_id, row.answered_at = answer, actor.id, now
    session.flush()
    audit.record(session, actor, now, "opening.answer", object_type="lot", object_id=row.lot_id,
                 payload={"objection_id": row.id})
    return row


def objections(session, lot: Lot) -> list[OpeningObjection]:
    """The objections raised at the lot's opening."""
    return list(session.scalars(sa.select(OpeningObjection).where(OpeningObjection.lot_id == lot.id,
                                                                  OpeningObjection.round == lot.round)
                                .order_by(OpeningObjection.id)))
