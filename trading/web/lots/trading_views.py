"""Stage 3 views: announcement, clarifications, objections, sign-up and document downloads."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user

from ...domain import schedule
from ...domain.errors import DomainError
from ...extensions import db
from ...models import Announcement, Objection, ProcurementQuestion
from ...platform import current_platform
from ...services import announcements, objections, pledges, questions, registrations
from ..common import client_address, flash_errors, form_error, now, perform, roles_required
from ..edge import form_date
from . import labels
from .blueprint import bp, load_lot, require_party
from .forms import AnnounceForm, DownloadForm, SignUpForm, TextForm

LOCAL = ZoneInfo("Asia/Shanghai")
TYPED = ("issued_at", "documents_until", "bid_deadline", "listing_start", "listing_end", "auction_start")


def _local_naive(moment: datetime | None) -> datetime | None:
    """A UTC time as the naive Beijing time a datetime-local field shows."""
    return moment.astimezone(LOCAL).replace(tzinfo=None) if moment else None


def _typed_schedule(form: AnnounceForm) -> schedule.Schedule:
    """The timetable the tenderee typed (Beijing time), as aware UTC."""
    values = {name: (getattr(form, name).data.replace(tzinfo=LOCAL) if getattr(form, name).data else None)
              for name in TYPED}
    return schedule.Schedule(**values)


@bp.route("/lots/<int:lot_id>/announce", methods=["GET", "POST"])
@roles_required("tenderee")
def announce(lot_id: int):
    """Prepare the announcement from the standard template: timetable, preview, publish."""
    lot = load_lot(lot_id)
    require_party(lot.project)
    if lot.state != "method_approved":
        abort(404)
    form = AnnounceForm()
    at, ctx = now(), current_platform()
    if request.method == "GET":
        proposed = announcements.propose(ctx, lot, at)
        for name in TYPED:
            getattr(form, name).data = _local_naive(getattr(proposed, name))
    timetable, texts = None, None
    if form.validate_on_submit() or request.method == "GET":
        try:
            timetable = announcements.complete(ctx, lot, _typed_schedule(form))
            schedule.validate(lot.project.trade_type, lot.method, timetable, at,
                              rules=announcements.rules_of(ctx, lot))
            texts = announcements.preview(ctx, db.session, lot, timetable)
        except DomainError as error:
            form_error(form, error)
            timetable = None
        if timetable is not None and form.publish.data:
            row, ok = perform(announcements.publish, lot, timetable, int(form.key_threshold.data or 2), form=form,
                              ok=_("The announcement is published."))
            if ok:
                return redirect(url_for("public.announcement", announcement_id=row.id))
    return render_template("lots/announce.html", lot=lot, form=form, timetable=timetable, texts=texts,
                           deadline_labels=labels.DEADLINES)


@bp.route("/lots/<int:lot_id>/clarify", methods=["POST"])
@roles_required("tenderee")
def clarify(lot_id: int):
    """Issue a clarification or change to every signed-up bidder."""
    lot = load_lot(lot_id)
    form = TextForm()
    perform(announcements.clarify, lot, form.text.data if form.validate_on_submit() else "",
            ok=_("Clarification issued to every signed-up bidder."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#stage-trading")


@bp.route("/lots/<int:lot_id>/objections", methods=["POST"])
@roles_required("bidder")
def objection_raise(lot_id: int):
    """A signed-up bidder objects to the documents."""
    lot = load_lot(lot_id)
    form = TextForm()
    row, done = perform(objections.raise_objection, lot, form.text.data if form.validate_on_submit() else "")
    if done:
        flash(_("Objection sent: the tenderee must answer by %(due)s; the lot is paused meanwhile.",
                due=format_datetime(row.answer_due, "yyyy-MM-dd HH:mm")), "success")
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#stage-trading")


@bp.route("/objections/<int:objection_id>/answer", methods=["POST"])
@roles_required("tenderee")
def objection_answer(objection_id: int):
    """The tenderee answers an objection."""
    row = db.session.get(Objection, objection_id) or abort(404)
    form = TextForm()
    perform(objections.answer_objection, row.id, form.text.data if form.validate_on_submit() else "",
            ok=_("Answer recorded."))
    return redirect(url_for("lots.lot_view", lot_id=row.lot_id) + "#stage-trading")


@bp.route("/lots/<int:lot_id>/questions", methods=["POST"])
@roles_required("bidder")
def question_ask(lot_id: int):
    """A supplier questions (质疑) the purchaser about a procurement lot."""
    lot = load_lot(lot_id)
    row, done = perform(questions.ask, lot, request.form.get("matter", ""), request.form.get("text", ""),
                        form_date("known_on"))
    if done:
        flash(_("Your question is sent: the purchaser answers by %(due)s.",
                due=format_datetime(row.answer_due, "yyyy-MM-dd HH:mm")), "success")
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#questions")


@bp.route("/questions/<int:question_id>/answer", methods=["POST"])
@roles_required("tenderee")
def question_answer(question_id: int):
    """The purchaser or its agency answers a question."""
    row = db.session.get(ProcurementQuestion, question_id) or abort(404)
    perform(questions.answer, row.id, request.form.get("answer", ""), ok=_("Answer recorded."))
    return redirect(url_for("lots.lot_view", lot_id=row.lot_id) + "#questions")


@bp.route("/lots/<int:lot_id>/sign-up", methods=["POST"])
@roles_required("bidder")
def sign_up(lot_id: int):
    """Sign the bidder's company up for the lot (报名), with the integrity pledge it accepted: the digest of the text
    it was shown (the box unticked: no pledge, refused naming the field)."""
    lot = load_lot(lot_id)
    form = SignUpForm()
    if form.validate_on_submit():
        perform(registrations.sign_up, lot, pledge=form.pledge_sha256.data if form.pledge.data else None,
                language=form.pledge_language.data or "zh", address=client_address(),
                fingerprint=form.fingerprint.data, ok=_("Signed up: download the documents below."))
    else:
        flash_errors(form)
    return redirect(url_for("lots.lot_view", lot_id=lot.id) + "#stage-trading")


@bp.route("/lots/<int:lot_id>/pledges")
@roles_required("bidder", "staff", "supervisor")
def pledges_view(lot_id: int):
    """The integrity pledges signed for the lot's current round that this user may read: a bidder's own; every one
    for staff and the supervisor once they may know who signed up."""
    lot = load_lot(lot_id)
    at = now()
    return render_template("lots/pledges.html", lot=lot, rows=pledges.visible(db.session, current_user, lot, at),
                           all_readable=pledges.may_read_all(db.session, current_user, lot, at))


@bp.route("/lots/<int:lot_id>/documents", methods=["POST"])
@roles_required("bidder")
def documents_download(lot_id: int):
    """Download the documents; the download is recorded with time, address and device fingerprint."""
    lot = load_lot(lot_id)
    form = DownloadForm()
    if not form.validate_on_submit():
        abort(400)
    announcement = db.session.query(Announcement).filter_by(lot_id=lot.id, round=lot.round).one_or_none()
    if announcement is None:
        abort(404)
    _row, ok = perform(registrations.record_download, lot, address=client_address(),
                    fingerprint=form.fingerprint.data, user_agent=request.headers.get("User-Agent"))
    if not ok:
        return redirect(url_for("lots.lot_view", lot_id=lot.id))
    body = f"{announcement.documents_title}\n\n{announcement.documents_text}".encode()
    name = f"{lot.deal_code or lot.id}-documents.txt"
    return send_file(BytesIO(body), mimetype="text/plain; charset=utf-8", as_attachment=True, download_name=name)
