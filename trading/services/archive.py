"""电子档案 (DESIGN §7, issue 7): after the contract, staff bundle the lot's round into one zip with a signed
manifest of hashes (``domain.archive``): the filed documents, the sealed envelopes, the opening record, the
draw records, the committee's marks and report, the notices and contract, and the lot's audit extract.
The bundle is written to the blob store (temp file, fsync, rename), so it exists whole or not at all; once it is
signed the lot's key shares are destroyed, so no opening key can be rebuilt afterwards (issue 13); and
``python -m trading.domain.archive verify FILE --public-key HEX`` checks a downloaded copy offline."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from ..domain import archive as bundle
from ..domain.audit import format_time
from ..domain.errors import N_, DomainError
from ..models import ArchiveBundle, Attachment, AuditEntry, Bid, Draw, EvaluationMark, Lot
from . import audit, draws, evaluation as room, opening, result
from .lots import require_role, transition


def _json(data) -> bytes:
    """Readable UTF-8 JSON (Decimals and times as the audit log writes them)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


def _opening(session, lot: Lot) -> dict:
    """The opening record as data."""
    return {"deal_code": lot.deal_code, "round": lot.round,
            "entries": [{"position": e.position, "bidder": e.bidder.name, "status": e.status, "price": e.price_text,
                         "duration": e.duration, "fields": e.fields, "reason": e.reason, "rule": e.rule,
                         "files": [{k: f[k] for k in ("name", "size", "salted_hash")} for f in e.files],
                         "opened_at": format_time(e.opened_at)} for e in opening.record(session, lot)],
            "objections": [{"bidder": o.bidder.name, "text": o.text, "answer": o.answer}
                           for o in opening.objections(session, lot)]}


def _evaluation(session, lot: Lot) -> dict:
    """The committee, every mark and the report (single source: the negotiation record)."""
    row = room.evaluation_of(session, lot)
    if row is None:
        negotiated = result.negotiation_of(session, lot)  # single source: the negotiation record instead
        return {} if negotiated is None else {"negotiation": {
            "bidder": negotiated.bidder.name, "negotiated_on": negotiated.negotiated_on.isoformat(),
            "place": negotiated.place, "negotiators": negotiated.negotiators, "cost_note": negotiated.cost_note,
            "quoted": negotiated.quoted, "price": negotiated.price, "justification": negotiated.justification,
            "recorded_at": format_time(negotiated.recorded_at)}}
    marks = session.scalars(sa.select(EvaluationMark).where(EvaluationMark.evaluation_id == row.id)
                            .order_by(EvaluationMark.member_id, EvaluationMark.bid_id, EvaluationMark.criterion))
    labels = room.labels_of(session, lot)
    return {"method": row.method, "criteria": row.criteria, "aggregation": row.aggregation,
            "members": [{"seat": m.seat, "name": m.user.display_name, "specialty": m.specialty, "status": m.status,
                         "statement_at": format_time(m.statement_at) if m.statement_at else None,
                         "removed_reason": m.removed_reason, "confirmed_at":
                         format_time(m.confirmed_at) if m.confirmed_at else None} for m in row.members],
            "marks": [{"member_id": m.member_id, "bid": labels.get(m.bid_id), "criterion": m.criterion,
                       "compliant": m.compliant, "score": m.score, "note": m.note} for m in marks],
            "low_price_cases": [{"bid": labels.get(c.bid_id), "explanation": c.explanation, "decision": c.decision,
                                 "reason": c.reason} for c in room.low_price_cases(session, row)],
            "report": row.report}


def _notices(session, lot: Lot) -> dict:
    """The publicity, objections, award and contract."""
    publicity, award = result.publicity_of(session, lot), result.award_of(session, lot)
    contract = result.contract_of(session, award)
    return {
        "publicity": publicity and {"published_at": format_time(publicity.published_at),
                                    "ends_at": format_time(publicity.ends_at), "candidates": publicity.candidates},
        "objections": [{"bidder": o.bidder.name, "text": o.text, "answer": o.answer, "late":
                        bool(o.answered_at and o.answered_at > o.answer_due)} for o in result.objections(session, lot)],
        "award": award and {"bidder": award.bidder.name, "rank": award.rank, "price": award.price,
                            "reason": award.reason, "issued_at": format_time(award.issued_at)},
        "contract": contract and {"number": contract.number, "signed_on": contract.signed_on.isoformat(),
                                  "amount": contract.amount, "late": contract.late},
    }


def items(ctx, session, lot: Lot) -> list[bundle.ArchiveItem]:
    """Everything the archive of the lot's current round holds, envelopes and documents streamed from the blob
    store."""
    def stream(key):
        return lambda: ctx.store.open(key)

    found = [bundle.ArchiveItem(f"{a.id}-{a.filename}", "documents", stream(a.blob_key))
             for a in session.scalars(sa.select(Attachment).where(Attachment.lot_id == lot.id,
                                                                  Attachment.round == lot.round)
                                      .order_by(Attachment.id))]
    found += [bundle.ArchiveItem(f"{b.id}-{b.bidder.credit_code}.tbe", "envelopes", stream(b.blob_key))
              for b in session.scalars(sa.select(Bid).where(Bid.lot_id == lot.id, Bid.round == lot.round,
                                                            Bid.blob_key.is_not(None)).order_by(Bid.id))]
    found.append(bundle.ArchiveItem("opening-record.json", "opening", _json(_opening(session, lot))))
    for draw in session.scalars(sa.select(Draw).where(Draw.lot_id == lot.id, Draw.round == lot.round)
                                .order_by(Draw.number)):
        if draw.revealed_secret is not None:
            found.append(bundle.ArchiveItem(f"draw-{draw.number}.json", "draw",
                                            draws.record(ctx, session, draw).to_json().encode()))
    found.append(bundle.ArchiveItem("evaluation.json", "evaluation", _json(_evaluation(session, lot))))
    found.append(bundle.ArchiveItem("notices.json", "notices", _json(_notices(session, lot))))
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "lot",
                                                          AuditEntry.object_id == str(lot.id))
                              .order_by(AuditEntry.seq))
    found.append(bundle.ArchiveItem("audit.jsonl", "audit", bundle.audit_extract(e.stored() for e in entries)))
    return found


def create(ctx, session, actor, now: datetime, lot: Lot) -> ArchiveBundle:
    """Staff archive a contracted lot: write the bundle to the blob store, signed with the platform's receipt key,
    record it, move the lot to archived."""
    require_role(actor, "staff")
    if lot.state != "contracted":
        raise DomainError(N_("A lot is archived after its contract is registered."), field="lot",
                          rule="electronic.logs")
    if session.scalar(sa.select(ArchiveBundle.id).where(ArchiveBundle.lot_id == lot.id)) is not None:
        raise DomainError(N_("This lot is already archived."), field="lot")
    transition(session, lot, "archive", actor, "staff", now)  # refuses before any file is written
    lot_info = {"deal_code": lot.deal_code, "project": lot.project.name, "lot": lot.name, "round": lot.round,
                "trade_type": lot.project.trade_type}
    with ctx.store.writer() as out:
        written = bundle.write_archive(out.file, lot_info=lot_info, items=items(ctx, session, lot),
                                       created_at=now, signer=ctx.keyring.receipt_key)
    row = ArchiveBundle(lot_id=lot.id, blob_key=out.blob.key, size=out.blob.size, sha256=out.blob.sha256,
                        files=len(written.files), created_at=now, created_by_id=actor.id)
    session.add(row)
    opening.wipe_shares(session, lot)  # the shares are destroyed: the envelopes stay sealed for good
    audit.record(session, actor, now, "archive.create", object_type="lot", object_id=lot.id, rule="electronic.logs",
                 payload={"sha256": row.sha256, "manifest_sha256": written.manifest_sha256, "files": row.files})
    return row


def bundle_of(session, lot: Lot) -> ArchiveBundle | None:
    """The lot's archive bundle, if made."""
    return session.scalar(sa.select(ArchiveBundle).where(ArchiveBundle.lot_id == lot.id))
