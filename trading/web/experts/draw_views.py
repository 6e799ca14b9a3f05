"""Draw pages: staff create and follow a draw (counts and outcomes, no names before the evaluation); the
supervisor sees names, draws again with a reason, and exports the record after the award; the keypad page
plays an expert's phone."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from ...domain import drawing, lifecycle
from ...domain.errors import DomainError
from ...extensions import db
from ...models import Draw, DrawCall, Expert, Lot
from ...notify import CallEnded, render_audio
from ...platform import current_platform
from ...services import chronograph, draws, visibility
from ..common import now, perform, roles_required
from ..i18n import error_text
from ..lots.blueprint import load_lot
from .blueprint import bp
from .forms import ActionForm, DrawForm

LOCAL = ZoneInfo("Asia/Shanghai")
OUTCOMES = {"accepted": _l("accepted"), "declined": _l("declined"), "no_answer": _l("no answer"),
            "conflict": _l("declared a conflict")}
STATUSES = {"committed": _l("committed, waiting for the beacon"), "calling": _l("calling"),
            "complete": _l("complete"), "cancelled": _l("cancelled")}
REASONS = drawing.REASON_NAMES_ZH


def advance(draw: Draw) -> Draw:
    """Move a draw on at the current time (rank when the pulse exists, collect answers, place the next call), as
    the chronograph's step does."""
    chronograph.advance_draws(current_platform(), db.session, now(), draw_ids=[draw.id])
    return draw


@bp.route("/lots/<int:lot_id>/draws", methods=["GET", "POST"])
@roles_required("staff", "supervisor")
def lot_draws(lot_id: int):
    """The lot's draws, and the form that commits a new one (staff; a second one by the supervisor)."""
    lot = load_lot(lot_id)
    form = DrawForm()
    if request.method == "GET":
        for entry, wanted in zip(form.wanted.entries, lot.specialties, strict=False):
            entry.form.code.data, entry.form.count.data, entry.form.backups.data = wanted.code, wanted.count, 1
    if form.validate_on_submit():
        wanted = [(e.form.code.data.strip().upper(), e.form.count.data or 0, e.form.backups.data or 0)
                  for e in form.wanted.entries if (e.form.code.data or "").strip() and e.form.count.data]
        draw, ok = perform(draws.create, lot, wanted=wanted, exclude_same_region=form.exclude_same_region.data,
                           evaluation_at=form.evaluation_at.data.replace(tzinfo=LOCAL), place=form.place.data,
                           gateway=form.gateway.data,
                           reason=form.reason.data or "", form=form,
                           ok=_("Draw committed: the ranking comes from the beacon pulse of the committed round."))
        if ok:
            return redirect(url_for("experts.draw_view", draw_id=draw.id))
    return render_template("experts/draws.html", lot=lot, draws=draws.draws_of(db.session, lot), form=form)


@bp.route("/draws/<int:draw_id>")
@roles_required("staff", "supervisor", "tenderee")
def draw_view(draw_id: int):
    """A draw: commitment, beacon round, calls in order with outcomes, the panel; names for the supervisor only
    until the evaluation starts."""
    draw = db.session.get(Draw, draw_id) or abort(404)
    lot = load_lot(draw.lot_id)
    if current_user.has_role("tenderee") and not current_user.has_role("staff", "supervisor") \
            and current_user.organisation_id not in lot.project.party_ids():
        abort(404)
    panel = draws.panel(draw)
    experts = {e.id: e for e in db.session.scalars(sa.select(Expert).where(
        Expert.id.in_([c.expert_id for c in draw.calls])))}
    return render_template("experts/draw.html", draw=draw, lot=lot, panel=panel, experts=experts,
                           names=draws.names_visible(db.session, current_user, lot, now()),
                           pool=visibility.sees(db.session, current_user, lot, visibility.Fact.DRAW_POOL, now()),
                           exclusions=draws.visible_exclusions(db.session, current_user, draw, now()),
                           reasons=REASONS, action=ActionForm(),
                           outcomes=OUTCOMES, statuses=STATUSES,
                           revealable=lot.state in lifecycle.DECIDED)


@bp.route("/draws/<int:draw_id>/advance", methods=["POST"])
@roles_required("staff", "supervisor")
def draw_advance(draw_id: int):
    """Run the draw on now (the chronograph does the same after every clock advance)."""
    draw = db.session.get(Draw, draw_id) or abort(404)
    if ActionForm().validate_on_submit():
        advance(draw)
        db.session.commit()
    return redirect(url_for("experts.draw_view", draw_id=draw.id))


@bp.route("/draws/<int:draw_id>/record.json")
@roles_required("supervisor")
def draw_record(draw_id: int):
    """The replayable record (the award reveals the draw's secret): `flask draw verify FILE --beacon-key HEX
    --gateway-key HEX` checks it with the keys published at /keys. Reads only."""
    draw = db.session.get(Draw, draw_id) or abort(404)
    try:
        data = draws.record(current_platform(), db.session, draw).to_json()
    except DomainError as error:
        flash(error_text(error), "danger")
        return redirect(url_for("experts.draw_view", draw_id=draw.id))
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=draw-{draw.id}.json"})


def _keypad_calls():
    """The ringing keypad calls this user may answer: their own as an expert; all of them for the admin."""
    query = sa.select(DrawCall).join(Draw).where(DrawCall.outcome.is_(None))
    calls = [c for c in db.session.scalars(query) if c.draw.request.get("gateway") == "keypad"]
    if current_user.has_role("admin"):
        return calls
    return [c for c in calls if c.expert.user_id == current_user.id]


@bp.route("/phone")
@roles_required("expert", "admin")
def phone():
    """The simulated phone: calls ringing for this expert (the admin plays every expert's phone, told whose it is
    only where the visibility policy lets it see the panel's names, i.e. never while a draw is calling)."""
    calls = _keypad_calls()
    lots = {c.draw.lot_id: db.session.get(Lot, c.draw.lot_id) for c in calls}
    named = {c.call_id: c.expert.name for c in calls
             if draws.names_visible(db.session, current_user, lots[c.draw.lot_id], now())}
    return render_template("experts/phone.html", calls=calls, named=named)


@bp.route("/phone/<call_id>", methods=["GET", "POST"])
@roles_required("expert", "admin")
def phone_call(call_id: str):
    """One ringing call: the script (and audio where espeak-ng is installed) and the keypad."""
    call = next((c for c in _keypad_calls() if c.call_id == call_id), None)
    if call is None:
        abort(404)
    gateway = draws.gateway_for(db.session, call.draw)
    if request.method == "POST" and ActionForm().validate_on_submit():
        key = request.form.get("key", "")
        try:
            gateway.press(call.call_id, key, now())
        except (CallEnded, ValueError):
            flash(_("The call has ended."), "warning")
        advance(call.draw)
        db.session.commit()
        return redirect(url_for("experts.phone"))
    state = gateway.call(call.call_id, now())
    return render_template("experts/call.html", call=call, state=state, action=ActionForm(),
                           audio=shutil.which("espeak-ng") is not None)


@bp.route("/phone/<call_id>/audio.wav")
@roles_required("expert", "admin")
def phone_audio(call_id: str):
    """The call script spoken by espeak-ng (404 where it is not installed: the page then shows text only)."""
    call = next((c for c in _keypad_calls() if c.call_id == call_id), None)
    if call is None:
        abort(404)
    script = draws.gateway_for(db.session, call.draw).call(call.call_id, now()).script
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "call.wav")
        if not render_audio(script, path):
            abort(404)
        with open(path, "rb") as handle:
            data = handle.read()
    return Response(data, mimetype="audio/wav")
