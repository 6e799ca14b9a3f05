"""OCDS 1.1 routes of the API v1: release packages paged by release date, record packages paged by lot
(services/ocds.py; the mapping in domain/ocds.py and docs/OPEN_DATA.md)."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_smorest import Blueprint

from ...extensions import csrf, db
from ...platform import current_platform
from ...services import ocds
from ..common import now
from . import schemas

blp = Blueprint("api_ocds", __name__, url_prefix="/api/v1/ocds",
                description="Open Contracting Data Standard 1.1: releases and records of every published lot")
csrf.exempt(blp)


def _package_meta(endpoint: str, next_cursor: str | None, limit: int) -> tuple[str, str, dict]:
    publisher = current_platform().centre_name(db.session) or current_app.config["API_TITLE"]
    uri = request.url
    links = {"next": url_for(endpoint, cursor=next_cursor, limit=limit, _external=True)} if next_cursor else {}
    return uri, publisher, links


@blp.route("/release-package")
@blp.arguments(schemas.PageArgs, **schemas.QUERY)
@blp.response(200, schemas.ReleasePackage)
def release_package(cursor: str | None = None, limit: int = 50):
    """Releases of every published lot at each published stage, oldest first; `links.next` pages on."""
    found, next_cursor = ocds.release_page(db.session, current_app.config["OCDS_OCID_PREFIX"], now(), cursor, limit)
    uri, publisher, links = _package_meta("api_ocds.release_package", next_cursor, limit)
    return {**ocds.release_package(uri, now(), publisher, found), "links": links}


@blp.route("/record-package")
@blp.arguments(schemas.PageArgs, **schemas.QUERY)
@blp.response(200, schemas.RecordPackage)
def record_package(cursor: str | None = None, limit: int = 50):
    """One record per published lot (its releases and the compiled release), in lot order; `links.next` pages on."""
    found, next_cursor = ocds.record_page(db.session, current_app.config["OCDS_OCID_PREFIX"], now(), cursor, limit)
    uri, publisher, links = _package_meta("api_ocds.record_package", next_cursor, limit)
    return {**ocds.record_package(uri, now(), publisher, found), "links": links}
