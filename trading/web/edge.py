"""Every value a request brings, bounded and typed before a view sees it (issue 14).

- Path values: the ``int`` converter takes ids from 0 to ``MAX_ID`` (what an INTEGER column holds), the string
  converter at most ``MAX_PATH_TEXT`` characters without control characters; anything else matches no route: 404.
- Query and raw form integers: ``arg_int`` (a missing, malformed or out-of-range value is the default, clamped).
- Paged lists: ``paginate`` (a page past the end shows the last page).
- Control characters: a query string, form value, file name or header holding one (other than tab, line feed and
  carriage return) is refused with 400 before any view runs; the form fields (``fields.py``) refuse even those in
  one-line fields, naming the field.

Request sizes are bounded in ``requests.py``.
"""

from __future__ import annotations

import re
from datetime import date

from flask import abort, request
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

MAX_ID = 2**31 - 1  # the largest value of an INTEGER column (PostgreSQL); every id of the platform is one
MAX_PATH_TEXT = 200  # receipt ids, call ids, key file and scenario names are far shorter
MAX_PAGE = 100_000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls and DEL, except \t \n \r
CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f]")  # the same with \t \n \r: never in a one-line value


class IdConverter(IntegerConverter):
    """``<int:...>``: a whole number from 0 to ``MAX_ID``; a larger one is no page (404), never an overflow."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)) + 1:  # spare int() a thousand-digit number
            raise ValidationError()
        return super().to_python(value)


class TextConverter(UnicodeConverter):
    """``<name>``/``<string:name>``: one path segment of at most ``MAX_PATH_TEXT`` characters, no control
    characters (NUL cannot even be stored by PostgreSQL)."""

    def to_python(self, value: str) -> str:
        if len(value) > MAX_PATH_TEXT or CONTROL_ANY.search(value):
            raise ValidationError()
        return value


def arg_int(name: str, default: int, *, low: int = 0, high: int = MAX_ID, source=None) -> int:
    """The whole number ``name`` of the query string (or of ``source``, e.g. ``request.form``), clamped to
    ``low``..``high``; ``default`` when it is missing or not a plain whole number."""
    match = re.fullmatch(r"\s*([+-]?)([0-9]+)\s*", (request.args if source is None else source).get(name, ""),
                         re.ASCII)
    if match is None:
        return default
    if len(match[2].lstrip("0")) > 18:  # beyond any bound: no need to read it
        return low if match[1] == "-" else high
    return min(max(int(match[1] + match[2]), low), high)


def form_date(name: str) -> date | None:
    """The date ``name`` of the posted form (``YYYY-MM-DD``); None when it is missing or not a date (the service
    then refuses it, naming the field)."""
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None


def paginate(select, per_page: int):
    """One page of ``select`` for the query string's ``page`` (1 to ``MAX_PAGE``); a page past the end shows the
    last page rather than an empty one."""
    from ..extensions import db

    page = arg_int("page", 1, low=1, high=MAX_PAGE)
    rows = db.paginate(select, page=page, per_page=per_page, error_out=False)
    if page > 1 and page > rows.pages:
        rows = db.paginate(select, page=max(rows.pages, 1), per_page=per_page, error_out=False)
    return rows


def refuse_control_characters() -> None:
    """``before_request``: 400 for a control character (other than tab and line breaks) in the query string, a
    form value, an uploaded file's name or a header (the User-Agent is stored with each download)."""
    if request.url_rule is None:
        return  # no route: the 404 follows
    for value in request.headers.values():
        if CONTROL.search(value):
            abort(400, description="control")
    for source in (request.args, request.form):
        for key, value in source.items(multi=True):
            if CONTROL.search(key) or CONTROL.search(value):
                abort(400, description="control")
    for key, upload in request.files.items(multi=True):
        if CONTROL_ANY.search(key) or CONTROL_ANY.search(upload.filename or ""):
            abort(400, description="control")


def install(app) -> None:
    """Set the converters (before any blueprint adds its rules) and the request guard."""
    app.url_map.converters.update({"int": IdConverter, "default": TextConverter, "string": TextConverter})
    app.before_request(refuse_control_characters)
