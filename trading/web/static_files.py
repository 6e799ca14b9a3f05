"""Static files (the platform's own and Bootstrap-Flask's) addressed by their content.

Every URL ``url_for`` makes for a static file carries ``v=``, the start of the file's SHA-256; a request naming the
file's current version is answered cacheable for a year (``immutable``), so a page costs no request for its styles,
scripts and icons after the first, and a changed file is fetched at once because its URL changed. A request without
``v`` or with another one gets Flask's default (the browser revalidates each time).
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, request
from werkzeug.security import safe_join

ENDPOINTS = ("static", "bootstrap.static")
YEAR = 365 * 24 * 3600
_digests: dict[tuple[str, int, int], str] = {}  # (path, mtime, size) -> version


def version(folder: str | None, filename: str) -> str | None:
    """The version of ``filename`` in ``folder`` (12 hex digits of its SHA-256), or None if it is not a file there."""
    path = safe_join(folder, filename) if folder else None
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    if stat is None or not os.path.isfile(path):
        return None
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _digests:
        with open(path, "rb") as file:
            _digests[key] = hashlib.file_digest(file, "sha256").hexdigest()[:12]
    return _digests[key]


def _folder(app: Flask, endpoint: str) -> str | None:
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.split(".")[0])
    return blueprint.static_folder if blueprint else None


def install(app: Flask) -> None:
    """Version the static URLs ``url_for`` makes, and let browsers keep the versioned files."""

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint in ENDPOINTS and "filename" in values and "v" not in values:
            found = version(_folder(app, endpoint), values["filename"])
            if found:
                values["v"] = found

    @app.after_request
    def keep_versioned(response: Response) -> Response:
        if request.endpoint in ENDPOINTS and response.status_code in (200, 304) and request.args.get("v"):
            filename = (request.view_args or {}).get("filename", "")
            if request.args["v"] == version(_folder(app, request.endpoint), filename):
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
        return response
