"""Views of the keys blueprint: the page listing the platform's public keys and the key files themselves."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from ...platform import current_platform
from ...services import published_keys

bp = Blueprint("keys", __name__, url_prefix="/keys")


@bp.route("")
def index():
    """Each key with what it signs, its fingerprint and its file; and how to verify with them."""
    found = published_keys.published(current_platform().keyring)
    return render_template("keys/index.html", keys=found, by_name={key.name: key for key in found})


@bp.route("/<filename>")
def key_file(filename: str):
    """One key file: 64 hex digits and a newline (``*.pub``), or the CA certificate (``ca.pem``)."""
    key = published_keys.by_filename(current_platform().keyring, filename)
    if key is None:
        abort(404)
    return Response(key.text, mimetype=key.mimetype,
                    headers={"X-Key-Fingerprint": key.fingerprint, "Cache-Control": "public, max-age=300"})
