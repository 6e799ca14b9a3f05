"""The API reference page: the OpenAPI document rendered in the browser by the platform's own script
(static/js/api-reference.js), with no CDN."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


@bp.route("/docs")
def reference():
    """The API v1 reference: routes, parameters, answers and problem types, read from /api/v1/openapi.json."""
    from .problems import KINDS

    return render_template("api/reference.html", kinds=KINDS)
