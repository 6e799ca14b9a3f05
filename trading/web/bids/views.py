"""The bid page and its actions, receipts, certificates and the platform's public keys."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from functools import partial

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...domain import lifecycle, pki, screens
from ...domain.errors import N_, DomainError
from ...domain.sealing import envelope
from ...extensions import db
from ...models import Bid, BidderCertificate, Lot
from ...platform import current_platform
from ...services import bids, deposits, keys, sealed_rounds
from ..common import client_address, now, perform, roles_required
from ..i18n import error_text, message_text
from ..lots.blueprint import load_lot
from ..requests import large_body
from .blueprint import bp
from .forms import ActionForm, CertificateForm, ReasonForm, SealForm, UploadForm


def _valid_certificate(org_id: int) -> BidderCertificate | None:
    """The organisation's newest certificate that is not revoked and not expired."""
    return db.session.scalar(sa.select(BidderCertificate).where(
        BidderCertificate.organisation_id == org_id, BidderCertificate.revoked_at.is_(None),
        BidderCertificate.not_after > now()).order_by(BidderCertificate.id.desc()))


@bp.route("/lots/<int:lot_id>/bid")
@roles_required("bidder")
def bid_page(lot_id: int):
    """The bidder's bid for a lot: the lot key, its certificate and deposit, its bids and receipts, and the
    two ways to submit (the tool, or sealing on the server)."""
    lot = load_lot(lot_id)
    org = current_user.organisation
    deposit = deposits.deposit_of(db.session, lot, org.id)
    return render_template(
        "bids/bid.html", lot=lot, opening_key=keys.opening_key_of(db.session, lot),
        certificate=_valid_certificate(org.id), deposit=deposit,
        deposit_note=message_text(*deposits.explain(deposit)) if deposit else None,
        history=bids.history(db.session, lot, org.id), upload=UploadForm(), seal=SealForm(), action=ActionForm(),
        max_mib=current_app.config["MAX_ENVELOPE_BYTES"] // 2**20, now=now(),
        actions=lifecycle.allowed_actions(lot.state, "bidder", now(), lot.deadlines(), lot.project.trade_type,
                                          method=lot.method), sealed_round=sealed_rounds.is_sealed_round(lot))


def _submit(lot: Lot, stream, sealed_by: str):
    """Hand the envelope to the submission service; flash the outcome and say where to go next."""
    try:
        bid = bids.submit(current_platform(), db.session, current_user, lot, stream, sealed_by=sealed_by,
                          address=client_address() or "", max_size=current_app.config["MAX_ENVELOPE_BYTES"])
    except DomainError as error:
        flash(error_text(error), "danger")
        return redirect(url_for("bids.bid_page", lot_id=lot.id))
    flash(_("Bid received: keep the receipt."), "success")
    return redirect(_receipt_url(bid))


@bp.route("/lots/<int:lot_id>/bid/upload", methods=["POST"])
@large_body("MAX_ENVELOPE_BYTES")
@roles_required("bidder")
def bid_upload(lot_id: int):
    """Receive an envelope sealed with the bidder tool (streamed into the blob store)."""
    lot = load_lot(lot_id)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Choose the sealed envelope file to upload."), "danger")
        return redirect(url_for("bids.bid_page", lot_id=lot.id))
    return _submit(lot, form.envelope.data.stream, "bidder")


def _price_form(form: SealForm) -> dict:
    """The price form (开标一览表) from the page's fields."""
    fields = {"price": form.price.data.strip(), "duration": (form.duration.data or "").strip()}
    if not fields["duration"]:
        del fields["duration"]
    for name, field in ((screens.MANAGER, form.manager), (screens.MANAGER_NUMBER, form.manager_number)):
        if (field.data or "").strip():
            fields[name] = field.data.strip()
    for line in (form.other.data or "").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() and name.strip() not in fields:
            fields[name.strip()[:40]] = value.strip()[:200]
    return fields


@bp.route("/lots/<int:lot_id>/bid/seal", methods=["POST"])
@large_body("MAX_SEAL_BYTES")
@roles_required("bidder")
def bid_seal(lot_id: int):
    """Seal on the server for a bidder without the tool: in memory (the plaintext is never written to disk),
    signed with the bidder's own key file, then checked exactly like an uploaded envelope."""
    lot = load_lot(lot_id)
    form = SealForm()
    sealed = sealed_rounds.is_sealed_round(lot)  # a property lot's price form has no duration
    if not form.validate_on_submit() or not (sealed or (form.duration.data or "").strip()):
        flash(_("Fill in the price, the duration, your key file and its password."), "danger")
        return redirect(url_for("bids.bid_page", lot_id=lot.id))
    certificate = _valid_certificate(current_user.organisation_id)
    opening_key = keys.opening_key_of(db.session, lot)
    if certificate is None or opening_key is None:
        flash(error_text(DomainError(N_("Get a signing certificate first (数字证书), then seal the bid."),
                                     field="certificate")), "danger")
        return redirect(url_for("bids.bid_page", lot_id=lot.id))
    try:
        signer = pki.load_private_key(form.key_file.data.read(), form.key_password.data)
    except DomainError as error:
        flash(error_text(error), "danger")
        return redirect(url_for("bids.bid_page", lot_id=lot.id))
    files = [(item.filename, item.stream) for item in form.documents.data or [] if item and item.filename]
    fields, org_code, pem = _price_form(form), current_user.organisation.credit_code, certificate.certificate_pem

    def seal(out) -> None:  # in memory, straight into the blob store, under the bidder's upload guard
        envelope.seal(out, lot_code=lot.deal_code, bidder_code=org_code, lot_public_key=opening_key.public_key,
                      price_form=fields, files=files, signer=signer, certificate_pem=pem.encode())

    return _submit(lot, seal, "platform")


@bp.route("/lots/<int:lot_id>/bid/withdraw", methods=["POST"])
@roles_required("bidder")
def bid_withdraw(lot_id: int):
    """Withdraw the company's bid before the deadline (the deposit is refunded)."""
    lot = load_lot(lot_id)
    if ActionForm().validate_on_submit():
        perform(partial(bids.withdraw, current_platform()), lot,
                ok=_("Bid withdrawn; the deposit is refunded to the paying account."))
    return redirect(url_for("bids.bid_page", lot_id=lot.id))


def _receipt_url(bid: Bid) -> str:
    """Where the bidder reads its receipt: addressed by the random receipt number."""
    return url_for("bids.receipt", receipt_id=bid.receipt["receipt_id"])


def _own_bid(receipt_id: str) -> Bid:
    """A bid of the user's own organisation, by its receipt number, or 404. Receipts are addressed by their random
    receipt number, never by the bid's row number, which would count the bids the platform received before."""
    bid = next((b for b in db.session.scalars(sa.select(Bid).where(Bid.bidder_id == current_user.organisation_id))
                if b.receipt.get("receipt_id") == receipt_id), None)
    if bid is None:
        abort(404)
    return bid


@bp.route("/bids/<receipt_id>/receipt")
@roles_required("bidder")
def receipt(receipt_id: str):
    """The printable receipt (投标回执) of a submission and, if withdrawn, of the withdrawal."""
    bid = _own_bid(receipt_id)
    return render_template("bids/receipt.html", bid=bid, lot=db.session.get(Lot, bid.lot_id))


@bp.route("/bids/<receipt_id>/receipt.json")
@roles_required("bidder")
def receipt_json(receipt_id: str):
    """The signed receipt as JSON, to verify offline with ``python -m trading.domain.sealing verify-receipt``."""
    bid = _own_bid(receipt_id)
    data = bid.withdraw_receipt if request.args.get("kind") == "withdraw" and bid.withdraw_receipt else bid.receipt
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=receipt-{receipt_id}-{data['kind']}.json"})


@bp.route("/lots/<int:lot_id>/lot-key")
def lot_key(lot_id: int):
    """The lot's opening public key (base64 of the raw X25519 key) for the bidder tool; public."""
    lot = db.session.get(Lot, lot_id)
    opening_key = keys.opening_key_of(db.session, lot) if lot else None
    if opening_key is None:
        abort(404)
    text = base64.b64encode(opening_key.public_key).decode() + "\n"
    headers = {"Content-Disposition": f"attachment; filename={lot.deal_code}.lotkey",
               "X-Key-Fingerprint": opening_key.fingerprint}
    return Response(text, mimetype="text/plain", headers=headers)


@bp.route("/platform/receipt-key.pem")
def receipt_key():
    """The public key that signs receipts (to verify them offline); public."""
    return Response(current_platform().platform_keys().signing_public_pem, mimetype="application/x-pem-file")


@bp.route("/platform/ca.pem")
def ca_certificate():
    """The platform CA's certificate (to check bidders' certificates); public."""
    return Response(pki.certificate_pem(current_platform().platform_keys().ca_cert), mimetype="application/x-pem-file")


@bp.route("/certificates", methods=["GET", "POST"])
@roles_required("bidder")
def certificates():
    """A bidder's signing certificates; a new key and certificate are generated and downloaded once."""
    form = CertificateForm()
    if form.validate_on_submit():
        issued, ok = perform(keys.issue_certificate, form.password.data, form=form,
                             ok=_("Key and certificate issued: keep the key file and its password safe."))
        if ok:
            key_file, pem = issued
            bundle = io.BytesIO()
            with zipfile.ZipFile(bundle, "w") as archive:
                archive.writestr("bidder.key.p8", key_file)
                archive.writestr("bidder.cert.pem", pem)
            bundle.seek(0)
            return send_file(bundle, mimetype="application/zip", as_attachment=True,
                             download_name=f"{current_user.organisation.credit_code}-signing-key.zip")
    rows = db.session.scalars(sa.select(BidderCertificate).where(
        BidderCertificate.organisation_id == current_user.organisation_id).order_by(BidderCertificate.id.desc())).all()
    return render_template("bids/certificates.html", form=form, rows=rows, now=now())


@bp.route("/certificates/all")
@roles_required("staff", "supervisor", "admin")
def certificate_list():
    """Every bidder certificate, with revocation for staff."""
    rows = db.session.scalars(sa.select(BidderCertificate).order_by(BidderCertificate.id.desc())).all()
    return render_template("bids/certificate_list.html", rows=rows, form=ReasonForm(), now=now())


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@roles_required("staff")
def certificate_revoke(certificate_id: int):
    """Revoke a certificate, with a reason."""
    form = ReasonForm()
    perform(keys.revoke_certificate, certificate_id, form.reason.data if form.validate_on_submit() else "",
            ok=_("Certificate revoked."))
    return redirect(url_for("bids.certificate_list"))
