"""电子档案 (DESIGN §7, issue 7): after the contract, staff bundle the lot's round into one zip with a signed
manifest of hashes (``domain.archive``): the filed documents, the sealed envelopes, the opening record, the
draw records, the committee's marks and report, the notices and contract, the integrity pledges signed at the
sign-ups, and the lot's audit extract.
The bundle is written to the blob store (temp file, fsync, rename), so it exists whole or not at all; once it is
signed the lot's key shares are destroyed, so no opening key can be rebuilt afterwards (issue 13); and
``python -m trading.domain.archive verify FILE --public-key HEX`` checks a downloaded copy offline.

An archive is kept at least ``procurement.files_kept`` (15) years from the day it is made (政府采购法 Art. 42; the
platform keeps every trade type's archives as long): it records the date it is kept until, the bundle names it
(so no clean-up of the blob store removes it) and ``dispose`` refuses before it."""

from __future__ import annotations

import gettext
import json
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from .. import storage
from ..domain import archive as bundle, archive_records, calendar, rules
from ..domain.audit import format_time
from ..domain.errors import N_, DomainError, Forbidden
from ..models import ArchiveBundle, Attachment, AuditEntry, Bid, Draw, EvaluationMark, Lot
from . import audit, draws, evaluation as room, opening, pledges, result, rulebook
from .lots import require_role, transition

RETENTION_RULE = "procurement.files_kept"


def _json(data) -> bytes:
    """Readable UTF-8 JSON (Decimals and times as the audit log writes them)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


def _opening(session, lot: Lot) -> dict:
    """The opening record as data."""
    return {"deal_code": lot.deal_code, "round": lot.round,
            "entries": [{"position": e.position, "bidder": e.bidder.name, "status": e.status, "price": e.price_text,
                         "duration": e.duration, "fields": e.fields, "reason": e.reason,
                         "reason_params": e.reason_params, "rule": e.rule,
                         "files": [{k: f[k] for k in ("name", "size", "ciphertext_hash", "salted_hash") if k in f}
                                   for f in e.files],
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


def _pledges(session, lot: Lot) -> list[bundle.ArchiveItem]:
    """The integrity pledges signed at the round's sign-ups: each exact text as signed (``pledge-<id>.txt``, whose
    SHA-256 the manifest lists and the audit log recorded) and one index of who signed what, when."""
    rows = pledges.of_lot(session, lot)
    if not rows:
        return []
    index = [{"file": f"pledge-{p.id}.txt", "bidder": p.bidder.name, "credit_code": p.bidder.credit_code,
              "signed_by": p.user.display_name, "login": p.user.username, "signed_at": format_time(p.signed_at),
              "language": p.language, "sha256": p.sha256, "rule": pledges.RULE} for p in rows]
    return [*(bundle.ArchiveItem(f"pledge-{p.id}.txt", "other", p.text.encode("utf-8")) for p in rows),
            bundle.ArchiveItem("pledges.json", "other", _json(index))]


CATALOGUE = Path(__file__).parent.parent / "translations"


def _chinese():
    """The Chinese catalogue's gettext, for message ids stored in the records (the id itself without a catalogue)."""
    return gettext.translation("messages", CATALOGUE, languages=["zh_Hans_CN"], fallback=True).gettext


def _summary(ctx, session, lot: Lot, opened: dict, notices: dict) -> dict:
    """The lot's parties and dates, for the archive's index (``other/lot.json``): what the public result names."""
    project = lot.project
    dates = [("公告发布时间", lot.issued_at), ("投标截止时间", lot.bid_deadline), ("开标时间", lot.opening_at),
             ("中标候选人公示截止", (notices.get("publicity") or {}).get("ends_at")),
             ("中标（成交）通知书发出", (notices.get("award") or {}).get("issued_at")),
             ("合同签订日期", (notices.get("contract") or {}).get("signed_on"))]
    return {"deal_code": lot.deal_code, "project": project.name, "lot": lot.name, "round": lot.round,
            "trade_type": project.trade_type, "method": lot.method, "evaluation_method": lot.evaluation_method,
            "approval_number": project.approval_number, "approving_body": project.approving_body,
            "budget": lot.budget, "starting_price": lot.starting_price, "tenderee": project.tenderee.name,
            "agency": project.agency.name if project.agency else "", "centre": ctx.centre_name(session),
            "bidders": [e["bidder"] for e in opened["entries"]],
            "winner": (notices.get("award") or {}).get("bidder", ""),
            "dates": [[name, format_time(value) if isinstance(value, datetime) else value]
                      for name, value in dates if value]}


def items(ctx, session, lot: Lot, now: datetime, lot_info: dict | None = None) -> list[bundle.ArchiveItem]:
    """Everything the archive of the lot's current round holds, envelopes and documents streamed from the blob
    store, and last the readable pages rendered from the same data as the JSON files."""
    def stream(key):
        return lambda: ctx.store.open(key)

    found = [bundle.ArchiveItem(f"{a.id}-{a.filename}", "documents", stream(a.blob_key))
             for a in session.scalars(sa.select(Attachment).where(Attachment.lot_id == lot.id,
                                                                  Attachment.round == lot.round)
                                      .order_by(Attachment.id))]
    found += [bundle.ArchiveItem(f"{b.id}-{b.bidder.credit_code}.tbe", "envelopes", stream(b.blob_key))
              for b in session.scalars(sa.select(Bid).where(Bid.lot_id == lot.id, Bid.round == lot.round,
                                                            Bid.blob_key.is_not(None)).order_by(Bid.id))]
    opened, evaluated, notices = _opening(session, lot), _evaluation(session, lot), _notices(session, lot)
    found.append(bundle.ArchiveItem("opening-record.json", "opening", _json(opened)))
    drawn = []
    for draw in session.scalars(sa.select(Draw).where(Draw.lot_id == lot.id, Draw.round == lot.round)
                                .order_by(Draw.number)):
        if draw.revealed_secret is not None:
            drawn.append((f"draw-{draw.number}.json", draws.record(ctx, session, draw).to_json().encode()))
            found.append(bundle.ArchiveItem(drawn[-1][0], "draw", drawn[-1][1]))
    found.append(bundle.ArchiveItem("evaluation.json", "evaluation", _json(evaluated)))
    found.append(bundle.ArchiveItem("notices.json", "notices", _json(notices)))
    found += _pledges(session, lot)
    summary = _json({**(lot_info or {}), **_summary(ctx, session, lot, opened, notices)})
    found.append(bundle.ArchiveItem("lot.json", "other", summary))
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "lot",
                                                          AuditEntry.object_id == str(lot.id))
                              .order_by(AuditEntry.seq))
    found.append(bundle.ArchiveItem("audit.jsonl", "audit", bundle.audit_extract(e.stored() for e in entries)))
    pages = archive_records.render(  # from the bytes just written: the pages show what the JSON files hold
        lot=json.loads(summary), opening=json.loads(_json(opened)), evaluation=json.loads(_json(evaluated)),
        notices=json.loads(_json(notices)), draws=[(name, json.loads(data)) for name, data in drawn],
        files=[item.name for item in found], created_at=now, translate=_chinese())
    return found + [bundle.ArchiveItem(page.path, archive_records.CATEGORY, page.html) for page in pages]


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
    keep_until = kept_until(now, int(rulebook.of_lot(ctx, session, lot).value(RETENTION_RULE)))
    lot_info = {"deal_code": lot.deal_code, "project": lot.project.name, "lot": lot.name, "round": lot.round,
                "trade_type": lot.project.trade_type, "keep_until": calendar.local_date(keep_until).isoformat(),
                "retention_rule": RETENTION_RULE}
    with ctx.store.writer() as out:
        written = bundle.write_archive(out.file, lot_info=lot_info, items=items(ctx, session, lot, now, lot_info),
                                       created_at=now, signer=ctx.keyring.receipt_key)
    row = ArchiveBundle(lot_id=lot.id, blob_key=out.blob.key, size=out.blob.size, sha256=out.blob.sha256,
                        files=len(written.files), created_at=now, created_by_id=actor.id, keep_until=keep_until,
                        retention_rule=RETENTION_RULE)
    session.add(row)
    opening.wipe_shares(session, lot)  # the shares are destroyed: the envelopes stay sealed for good
    audit.record(session, actor, now, "archive.create", object_type="lot", object_id=lot.id, rule="electronic.logs",
                 payload={"sha256": row.sha256, "manifest_sha256": written.manifest_sha256, "files": row.files,
                          "keep_until": keep_until})
    return row


def kept_until(archived_at: datetime, years: int) -> datetime:
    """The end of the retention: the midnight (Beijing time) after the same date ``years`` later (29 February
    keeps to 1 March)."""
    day = calendar.local_date(archived_at)
    try:
        last = day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        last = day.replace(year=day.year + years, month=3, day=1)
    return calendar.start_of_local_day(last + timedelta(days=1))


def retention(bundle_row: ArchiveBundle) -> datetime:
    """Until when an archive is kept (archives made before the retention was recorded: the law's 15 years)."""
    if bundle_row.keep_until is not None:
        return bundle_row.keep_until
    return kept_until(bundle_row.created_at, int(rules.RULES[RETENTION_RULE].value))


def kept_until_day(bundle_row: ArchiveBundle) -> str:
    """The last day an archive is kept (Beijing date, ISO), as pages and refusals name it."""
    return calendar.local_date(retention(bundle_row) - timedelta(microseconds=1)).isoformat()


def dispose(ctx, session, actor, now: datetime, lot: Lot, *, reason: str) -> None:
    """The administrator disposes of (销毁) a lot's archive once its retention is over: the bundle leaves the blob
    store when the transaction commits, the audit log keeps its hashes. Refused before the retention ends, naming
    the rule and the date."""
    if actor != "cli" and (actor is None or not actor.has_role("admin")):
        raise Forbidden(N_("Only the administrator disposes of an archive."), field="lot")
    row = bundle_of(session, lot)
    if row is None:
        raise DomainError(N_("This lot has no archive."), field="lot")
    until = retention(row)
    if now < until:
        raise DomainError(N_("The archive is kept until %(day)s: it cannot be disposed of before."), field="lot",
                          rule=row.retention_rule or RETENTION_RULE,
                          day=kept_until_day(row))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Write why the archive is disposed of."), field="reason")
    storage.discard_after_commit(session, ctx.store, row.blob_key)
    session.delete(row)
    session.flush()
    audit.record(session, None if actor == "cli" else actor, now, "archive.dispose", object_type="lot",
                 object_id=lot.id, rule=row.retention_rule or RETENTION_RULE,
                 payload={"sha256": row.sha256, "created_at": row.created_at, "keep_until": until, "reason": reason})


def bundle_of(session, lot: Lot) -> ArchiveBundle | None:
    """The lot's archive bundle, if made."""
    return session.scalar(sa.select(ArchiveBundle).where(ArchiveBundle.lot_id == lot.id))
