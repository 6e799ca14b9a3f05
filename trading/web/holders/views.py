"""Views of the holders blueprint: thin calls into ``services.holders`` and ``services.holder_changes``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import PasswordField, StringField, TextAreaField

from ...domain.accounts import ROLES
from ...extensions import db
from ...models import HolderChange, User
from ...services import holder_changes, holders
from ..common import ActionForm, perform, roles_required
from ..fields import Form
from ..lots.blueprint import load_lot

bp = Blueprint("holders", __name__)
HOLDERS = ("staff", "supervisor", "tenderee")


class OwnKeyForm(Form):
    """The public key the sealing tool printed on the holder's computer."""

    public_key = TextAreaField()


class ServerKeyForm(Form):
    """A key kept on the server under a key-holder passphrase (training centres)."""

    passphrase = PasswordField()
    confirm = PasswordField()


class ChangeForm(Form):
    """Staff ask to replace one holder of a lot."""

    role = StringField()
    new_holder = StringField()
    reason = TextAreaField()


@bp.route("/holder-key", methods=["GET", "POST"])
@roles_required(*HOLDERS)
def my_key():
    """The holder's own key: its state and fingerprint; enrol a key made on one's own computer or on the server."""
    allowed = bool(current_app.config["SERVER_KEPT_HOLDER_KEYS"])
    own, server = OwnKeyForm(), ServerKeyForm()
    if request.method == "POST":
        if request.form.get("mode") == "server":
            result = perform(holders.enrol_server_key, server.passphrase.data or "", server.confirm.data or "",
                             allowed=allowed, form=server, ok=_("Key made; a supervisor must approve it."))
        else:
            result = perform(holders.enrol_own_key, own.public_key.data or "", form=own,
                             ok=_("Public key registered; a supervisor must approve it."))
        done = result[1]
        if done:
            return redirect(url_for("holders.my_key"))
    return render_template("holders/key.html", row=holders.key_of(db.session, current_user.id),
                           state=holders.state(db.session, current_user), own=own, server=server,
                           server_allowed=allowed)


@bp.route("/holder-keys")
@roles_required("supervisor")
def pending():
    """Holder keys waiting for the supervisory body's approval."""
    rows = [(row, holders.provisioner_id(db.session, row.user)) for row in holders.pending(db.session)]
    names = {u.id: u.display_name for u in db.session.query(User).filter(User.id.in_([p for _, p in rows if p]))}
    return render_template("holders/pending.html", rows=rows, names=names, form=ActionForm(), role_names=ROLES)


@bp.route("/holder-keys/<int:user_id>/approve", methods=["POST"])
@roles_required("supervisor")
def approve(user_id: int):
    """A supervisor approves a pending holder key."""
    perform(holders.approve, user_id, ok=_("Key approved: its holder may now be chosen for new lots."))
    return redirect(url_for("holders.pending"))


@bp.route("/lots/<int:lot_id>/holders/change", methods=["POST"])
@roles_required("staff")
def change_request(lot_id: int):
    """Staff ask to replace a key holder of the lot (a supervisor decides)."""
    lot = load_lot(lot_id)
    form = ChangeForm()
    user = db.session.query(User).filter(User.username == (form.new_holder.data or "").strip()).one_or_none()
    perform(holder_changes.request_change, lot, form.role.data or "", user.id if user else None,
            form.reason.data or "", ok=_("Change requested: a supervisor must approve it."))
    return redirect(url_for("lots.lot_view", lot_id=lot.id))


@bp.route("/holder-changes/<int:change_id>/decide", methods=["POST"])
@roles_required("supervisor")
def change_decide(change_id: int):
    """A supervisor other than the requester approves or rejects a change of holder."""
    change = db.session.get(HolderChange, change_id) or abort(404)
    approve = request.form.get("decision") == "approve"
    perform(holder_changes.decide, change.id, approve,
            ok=_("Change approved and announced on the lot.") if approve else _("Change rejected."))
    return redirect(url_for("lots.lot_view", lot_id=change.lot_id))
