"""Serving what someone uploaded (a filed document, a document inside an opened bid) as a download.

Never with the uploader's Content-Type: an HTML or SVG file sent as ``text/html`` would run in the platform's
origin for whoever opens it. The type comes from a short server-side list of passive formats by extension,
anything else is ``application/octet-stream``; the response is always ``Content-Disposition: attachment`` (with
``X-Content-Type-Options: nosniff`` from headers.py, the browser saves it instead of rendering it). Werkzeug
writes the file name as RFC 5987 ``filename*=UTF-8''…`` with an ASCII fallback, so Chinese names survive.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

from flask import send_file

SAFE_TYPES = {
    ".pdf": "application/pdf",
    ".ofd": "application/ofd",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def safe_type(filename: str) -> str:
    """The Content-Type the platform serves ``filename`` with: by extension from SAFE_TYPES, else octet-stream."""
    return SAFE_TYPES.get(PurePosixPath(filename.lower()).suffix, "application/octet-stream")


def safe_name(filename: str) -> str:
    """The file name with path separators made ``_`` and control and format characters (CR, LF, the
    right-to-left override that disguises ``.html`` as ``.jpg``) dropped."""
    name = "".join("_" if c in "/\\" else c for c in filename if unicodedata.category(c)[0] != "C").strip(" .")
    return name or "file"


def send_upload(stream, filename: str, **options):
    """A download of uploaded bytes: attachment, a type chosen by the platform, a safely encoded name."""
    name = safe_name(filename)
    return send_file(stream, mimetype=safe_type(name), as_attachment=True, download_name=name, **options)
