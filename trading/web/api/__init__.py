"""The JSON API v1 (``/api/v1/``): published facts for anyone, a bidder's own records and bid upload, a
tenderee's own lots and the supervisor's warnings and correction orders with an API token, the change feed and
the OCDS releases. Built with flask-smorest (marshmallow schemas, apispec), which makes the OpenAPI 3.1 document
at ``/api/v1/openapi.json`` from the views themselves; the reference page at ``/api/v1/docs`` renders that
document with the platform's own script (no CDN). Errors are RFC 9457 problem documents (problems.py)."""

from __future__ import annotations

import threading

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from .problems import MEDIA_TYPE
from .schemas import Problem

API_DESCRIPTION = """\
The public resource trading platform's open API. Public routes need no token and return only published facts
(the visibility policy of the platform applies to every answer). Routes under `/api/v1/me/`, `/api/v1/supervision/` and
the bid upload need an API token of an organisation (`Authorization: Bearer tpt_...`, issued on the account page)
with the scope named on the route: `bids` and `read` for a bidder, `lots` for a tenderee or agency, `supervision`
for the supervisor. Lists are paged with a stable cursor: pass a page's `next_cursor` as `cursor` to
get the next one. Errors are RFC 9457 problem documents naming the field and, where a legal rule decided, the
rule id.
"""


class OpenApi(Api):
    """flask-smorest's Api with problem documents as the documented error shape; the platform's own error handlers
    (trading/web/errors.py) answer every error, so flask-smorest's handler is not installed.

    The OpenAPI document is written on first use (``/api/v1/openapi.json``, the docs page) rather than when the
    blueprints are registered: describing ~25 operations from their schemas took two thirds of building the app, a
    cost every gunicorn worker, every CLI command and every test paid for a document most of them never serve."""

    ERROR_SCHEMA = Problem

    @property
    def spec(self):
        """The OpenAPI document, the blueprints registered so far described in it (once, under a lock)."""
        spec = self.__dict__["_spec"]
        if self._undescribed:
            with self._describing:
                while self._undescribed:
                    blp, name, parameters = self._undescribed.pop(0)
                    blp.register_views_in_doc(self, self._app, spec, name=name, parameters=parameters)
                    spec.tag({"name": name, "description": blp.description})
        return spec

    @spec.setter
    def spec(self, value) -> None:
        self.__dict__["_spec"] = value
        self._undescribed: list[tuple] = []
        self._describing = threading.Lock()

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp`` on the app now; describe its views in the document when the document is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undescribed.append((blp, name, parameters))

    def _register_error_handlers(self):
        return None

    def _register_responses(self):
        import http

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def register(app) -> None:
    """Mount the API v1 and its OpenAPI document on ``app``."""
    from . import bidder, docs, ocds, public, supervision, tenderee

    app.config.setdefault("API_TITLE", "Public Resource Trading Platform API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": API_DESCRIPTION, "license": {"name": "Open data", "identifier": "CC-BY-4.0"}},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"apiToken": {"type": "http", "scheme": "bearer",
                                                        "description": "An organisation's API token (tpt_...)"}}},
    })
    api = OpenApi(app)
    for blueprint in (public.blp, bidder.blp, tenderee.blp, supervision.blp, ocds.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    app.extensions["trading_api"] = api
