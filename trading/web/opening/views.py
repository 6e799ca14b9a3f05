"""Views of the opening blueprint."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import openpyxl
from flask import Blueprint, abort, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from ... import jobs, live
from ...domain import money
from ...extensions import db
from ...models import OpeningObjection
from ...platform import current_platform
from ...services import auctions, holders, keys, opening, visibility
from ..common import now, perform, roles_required
from ..fields import Form
from ..live import stream
from ..lots.blueprint import load_lot
from ..lots.labels import SHARE_ROLES
from ..spreadsheets import append

bp = Blueprint("opening", __name__)
LOCAL = ZoneInfo("Asia/Shanghai")
STATUS = {"opened": "已开启", "revoked": "撤销（投标人原因）", "withdrawn": "视为撤回（平台原因）",
          "held": "疑似篡改，暂不开启"}  # the Excel opening record is the centre's Chinese document
STATUS_SHOWN = {"opened": _l("Opened"), "revoked": _l("Revoked (the bidder's cause)"),
                "withdrawn": _l("Deemed withdrawn (the platform's cause)"), "held": _l("Suspected tampering: held")}


class ReleaseForm(Form):
    """A key holder's key-holder passphrase (a server-kept key), to release their share."""

    passphrase = PasswordField(validators=[DataRequired()])


class ReleasedFileForm(Form):
    """The released-share file the sealing tool wrote (a key kept on the holder's own computer)."""

    released = FileField(validators=[FileRequired()])


class TextForm(Form):
    """An objection or an answer."""

    text = TextAreaField(validators=[DataRequired(), Length(min=2, max=2000)])


def _lot_for_follower(lot_id: int):
    """The lot, for someone allowed to follow its opening (else 404)."""
    lot = load_lot(lot_id)
    if not opening.may_follow(db.session, current_user, lot):
        abort(404)
    return lot


def _names(lot) -> dict[int, str] | None:
    """How the record names a property lot's buyers: by paddle number (竞买号) alone (property.paddle_numbers); None
    for a tender, whose record names the bidders."""
    if not auctions.is_property(lot):
        return None
    return {p.bidder_id: f"{_('paddle')} {p.number}" for p in auctions.paddles(db.session, lot)}


def _state(lot) -> dict:
    """Everything the live page shows, as JSON-ready data."""
    key = keys.opening_key_of(db.session, lot)
    shares = [{"role": str(SHARE_ROLES.get(s.role, s.role)), "holder": s.holder.display_name,
               "released": s.released_at is not None, "mine": s.holder_id == current_user.id,
               "revoked": s.revoked_at is not None}
              for s in (key.shares if key else [])]
    names = _names(lot)
    entries = [{"position": e.position, "bidder": names.get(e.bidder_id, "—") if names is not None else e.bidder.name,
                "status": e.status,
                "status_name": str(STATUS_SHOWN.get(e.status, e.status)), "price": e.price_text,
                "price_shown": money.format_yuan(e.price) if e.price is not None else "",
                "duration": e.duration or "", "fields": e.fields, "reason": e.reason}
               for e in opening.record(db.session, lot)]
    objections = [{"id": o.id, "bidder": names.get(o.bidder_id, "—") if names is not None else o.bidder.name,
                   "text": o.text, "answer": o.answer or ""}
                  for o in opening.objections(db.session, lot)]
    return {"state": lot.state, "k": key.k if key else 0, "shares": shares, "entries": entries,
            "objections": objections, "progress": opening.progress(current_platform(), db.session, lot),
            "bids": len(opening.standing_bids(db.session, lot)) if visibility.sees(
                db.session, current_user, lot, visibility.Fact.BIDDERS, now()) else None}


@bp.route("/lots/<int:lot_id>/opening")
@roles_required("bidder", "staff", "supervisor", "tenderee")
def page(lot_id: int):
    """The opening room: shares to release, the record as it appears, objections."""
    lot = _lot_for_follower(lot_id)
    mine = holders.key_of(db.session, current_user.id)
    after = current_platform().live.resume_point(live.opening_channel(lot.id))  # the stream goes on from this render
    return render_template("opening/page.html", lot=lot, data=_state(lot), release=ReleaseForm(), text=TextForm(),
                           released_file=ReleasedFileForm(), key_mode=mine.mode if mine else None, after=after)


@bp.route("/lots/<int:lot_id>/opening.json")
@roles_required("bidder", "staff", "supervisor", "tenderee")
def state(lot_id: int):
    """The opening's state for the page's live refresh."""
    return jsonify(_state(_lot_for_follower(lot_id)))


@bp.route("/lots/<int:lot_id>/opening/live")
@roles_required("bidder", "staff", "supervisor", "tenderee")
def live_events(lot_id: int):
    """The opening room's events as they happen (Server-Sent Events), for whoever may follow the opening."""
    lot = _lot_for_follower(lot_id)
    return stream(current_platform().live, live.opening_channel(lot.id))


@bp.route("/lots/<int:lot_id>/opening/release", methods=["POST"])
@roles_required("staff", "supervisor", "tenderee")
def release(lot_id: int):
    """A key holder releases their share (after the deadline only); k shares open the bids (the opening job)."""
    lot = _lot_for_follower(lot_id)
    form = ReleaseForm()
    done = perform(opening.release_share, lot, form.passphrase.data if form.validate_on_submit() else "",
                   open_at_once=False, ok=_("Your share is released."))[1]
    if done:
        jobs.enqueue_opening(current_platform(), lot.id)
    return redirect(url_for("opening.page", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/opening/share.json")
@roles_required("staff", "supervisor", "tenderee")
def share_file(lot_id: int):
    """A holder downloads its sealed share, to open it with the sealing tool on its own computer."""
    lot = _lot_for_follower(lot_id)
    data, done = perform(opening.sealed_share_file, lot)
    if not done:
        return redirect(url_for("opening.page", lot_id=lot.id))
    return send_file(io.BytesIO(data), as_attachment=True, mimetype="application/json",
                     download_name=f"{lot.deal_code}-share.json")


@bp.route("/lots/<int:lot_id>/opening/release-file", methods=["POST"])
@roles_required("staff", "supervisor", "tenderee")
def release_file(lot_id: int):
    """A holder uploads the released-share file the sealing tool wrote; k shares open the bids (the opening job)."""
    lot = _lot_for_follower(lot_id)
    form = ReleasedFileForm()
    data = form.released.data.read(4096) if form.validate_on_submit() else b""
    done = perform(opening.release_uploaded_share, lot, data, open_at_once=False, ok=_("Your share is released."))[1]
    if done:
        jobs.enqueue_opening(current_platform(), lot.id)
    return redirect(url_for("opening.page", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/opening/objections", methods=["POST"])
@roles_required("bidder")
def objection(lot_id: int):
    """A bidder objects during the opening."""
    lot = _lot_for_follower(lot_id)
    form = TextForm()
    if perform(opening.raise_objection, lot, form.text.data if form.validate_on_submit() else "",
               ok=_("Objection recorded: the centre answers it on the record."))[1]:
        current_platform().live.publish(live.opening_channel(lot.id), "objection")
    return redirect(url_for("opening.page", lot_id=lot.id))


@bp.route("/opening-objections/<int:objection_id>/answer", methods=["POST"])
@roles_required("staff")
def answer(objection_id: int):
    """Staff answer an objection on the record."""
    row = db.session.get(OpeningObjection, objection_id) or abort(404)
    form = TextForm()
    if perform(opening.answer_objection, row.id, form.text.data if form.validate_on_submit() else "",
               ok=_("Answer recorded."))[1]:
        current_platform().live.publish(live.opening_channel(row.lot_id), "objection")
    return redirect(url_for("opening.page", lot_id=row.lot_id))


@bp.route("/lots/<int:lot_id>/opening.xlsx")
@roles_required("bidder", "staff", "supervisor", "tenderee")
def export(lot_id: int):
    """The opening record as an Excel file (开标记录)."""
    lot = _lot_for_follower(lot_id)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "开标记录"
    append(sheet, ["统一交易编码", lot.deal_code, "标段", f"{lot.project.name} {lot.name}"])
    opened_at = lot.opening_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if lot.opening_at else ""
    append(sheet, ["开标时间（北京时间）", opened_at])
    append(sheet, [])
    names = _names(lot)
    append(sheet, ["序号", "竞买号" if names is not None else "投标人", "投标报价（元）", "工期/履行期限",
                   "其他申报事项", "解密状态", "说明"])
    for entry in opening.record(db.session, lot):  # the bidders' declared fields are written as text, never formulas
        others = "；".join(f"{k}：{v}" for k, v in sorted(entry.fields.items()))
        who = names.get(entry.bidder_id, "—") if names is not None else entry.bidder.name
        append(sheet, [entry.position, who, entry.price, entry.duration or "", others,
                       STATUS.get(entry.status, entry.status), entry.reason])
    for row in sheet.iter_rows(min_row=5, min_col=3, max_col=3):
        for cell in row:
            cell.number_format = "#,##0.00"
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return send_file(data, as_attachment=True, download_name=f"{lot.deal_code}-开标记录.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

