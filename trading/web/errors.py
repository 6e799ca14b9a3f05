"""Error pages (in the user's language) and the mapping of domain errors to 4xx."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..domain.errors import DomainError, Forbidden, NotFound
from ..extensions import db
from .i18n import error_text, wants_json


def _page(status: int, reason: str | None = None, error: DomainError | None = None):
    """Render the error page for ``status``, a problem document for the API v1, or JSON for other API calls."""
    from .api.problems import from_domain, is_api_request, problem

    if is_api_request():
        return from_domain(error, status) if error is not None else problem(status, reason)
    if wants_json():
        return jsonify({"status": status, "error": reason or ""}), status
    return render_template("errors/error.html", status=status, reason=reason), status


def size_text(size: int | None) -> str:
    """A byte count as people read it: 4 MiB, 500 KiB."""
    if size is None:
        return "-"
    if size >= 2**20:
        return f"{size / 2**20:.4g} MiB"
    return f"{size / 2**10:.4g} KiB"


def register(app) -> None:
    """Install the handlers."""

    @app.errorhandler(403)
    def forbidden(error):
        return _page(403)

    @app.errorhandler(404)
    def not_found(error):
        return _page(404)

    @app.errorhandler(405)
    def not_allowed(error):
        return _page(405)

    @app.errorhandler(429)
    def too_many(error):
        from .throttle import refusal

        refused = refusal()
        return _page(429, error_text(refused), refused)

    @app.errorhandler(400)
    def bad_request(error):
        if getattr(error, "description", None) == "control":
            return _page(400, _("The request holds control characters (such as NUL) that no field accepts. Remove "
                                "them and send it again."))
        return _page(400)

    @app.errorhandler(413)
    def too_large(error):
        return _page(413, _("The request is too large: this page accepts at most %(limit)s in all, and at most "
                            "%(field)s in one text field.", limit=size_text(request.max_content_length),
                            field=size_text(request.max_form_memory_size)))

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        return _page(400, "csrf")

    @app.errorhandler(NotFound)
    def domain_not_found(error):
        db.session.rollback()
        return _page(404, error_text(error), error)

    @app.errorhandler(Forbidden)
    def domain_forbidden(error):
        db.session.rollback()
        return _page(403, error_text(error), error)

    @app.errorhandler(DomainError)
    def domain_refused(error):
        db.session.rollback()
        return _page(422, error_text(error), error)

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        """Codes without a handler above: a problem document in the API v1, else Flask's own answer."""
        from .api.problems import from_http, is_api_request

        if is_api_request():
            return from_http(error)
        return error

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _page(500)
