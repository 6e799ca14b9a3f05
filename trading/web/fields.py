"""The base form and the typed fields of every form of the web layer: what a field accepts is bounded here, once.

``Form`` (every form's base, CSRF included) gives each text field two checks it would otherwise need by hand:
no control characters (tab and line breaks are allowed in a text area only) and a length limit when the form
sets none (``DEFAULT_LENGTH``). Hidden fields are left to their view (a page sets them, not a person, and a bad
one must not make the form fail unseen: ``next`` goes through ``is_safe_next``).

The fields below replace WTForms' own so that a number or a date outside what the platform can store is a
refusal naming the field, never an overflow deeper down:

- ``IntegerField``: a whole number from ``-MAX_INT`` to ``MAX_INT`` (an INTEGER column), before any range check;
- ``DecimalField``: a number typed as text (money, weights, areas, ratios), kept as text for the service to
  read, refused here when it is not a finite number below 10^16 (``NaN``, ``Infinity``, ``1e400``);
- ``DateField``, ``DateTimeLocalField``: from ``MIN_DATE`` to ``MAX_DATE``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

import wtforms
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.fields import HiddenField, PasswordField
from wtforms.validators import Length, ValidationError

from .edge import CONTROL, CONTROL_ANY, MAX_ID

MAX_INT = MAX_ID
MAX_DECIMAL = Decimal(10) ** 16  # exclusive: Numeric(18, 2) holds 16 integer digits
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2199, 12, 31)
DEFAULT_LENGTH = {PasswordField: 200, TextAreaField: 20_000, StringField: 1000}


def _label(field) -> str:
    return str(field.label.text) if field.label and field.label.text else field.short_name


class Clean:
    """No control characters; a text area may hold tabs and line breaks."""

    def __init__(self, multiline: bool):
        self.pattern = CONTROL if multiline else CONTROL_ANY
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and self.pattern.search(field.data):
            if self.multiline:
                raise ValidationError(_("%(field)s must not contain control characters.", field=_label(field)))
            raise ValidationError(_("%(field)s must be one line, without tabs or control characters.",
                                    field=_label(field)))


class Form(FlaskForm):
    """The base of every form: CSRF, and the text checks above added to each text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField) and not isinstance(field, HiddenField):
                checks = [Clean(multiline=isinstance(field, TextAreaField))]
                if not any(isinstance(v, Length) and v.max >= 0 for v in field.validators):
                    limit = next(n for kind, n in DEFAULT_LENGTH.items() if isinstance(field, kind))
                    checks.append(Length(max=limit))
                field.validators = [*field.validators, *checks]
            return field


class IntegerField(wtforms.IntegerField):
    """A whole number written with ASCII digits, from ``-MAX_INT`` to ``MAX_INT``."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        self.data = None
        if not re.fullmatch(r"[+-]?[0-9]+", text, re.ASCII):
            raise ValueError(_("%(field)s must be a whole number.", field=_label(self)))
        if len(text.lstrip("+-").lstrip("0")) > len(str(MAX_INT)) or abs(int(text)) > MAX_INT:
            raise ValueError(_("%(field)s is too large.", field=_label(self)))
        self.data = int(text)


def read_decimal(text: str | None) -> Decimal | None:
    """The number in ``text`` as a user types it (full-width digits, thousands commas, ¥, 元, %), or None."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    cleaned = re.sub(r"[\s,¥元%]", "", cleaned)
    if not cleaned or len(cleaned) > 40:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


class DecimalField(StringField):
    """A number kept as the text typed (the service reads it with its own rules), refused here unless it is a
    finite number below 10^16 in size."""

    def pre_validate(self, form) -> None:
        if not (self.data or "").strip():
            return  # DataRequired/Optional decide about an empty field
        number = read_decimal(self.data)
        if number is None or not number.is_finite():
            raise ValidationError(_("%(field)s must be a number.", field=_label(self)))
        if abs(number) >= MAX_DECIMAL:
            raise ValidationError(_("%(field)s is too large.", field=_label(self)))


class _Bounded:
    """A date or time from ``MIN_DATE`` to ``MAX_DATE``."""

    def pre_validate(self, form) -> None:
        value = self.data.date() if hasattr(self.data, "date") else self.data
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise ValidationError(_("%(field)s must be between %(first)s and %(last)s.", field=_label(self),
                                    first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat()))


class DateField(_Bounded, wtforms.DateField):
    """A date (YYYY-MM-DD) from 1900 to 2199."""


class DateTimeLocalField(_Bounded, wtforms.DateTimeLocalField):
    """A local date and time (YYYY-MM-DDTHH:MM) from 1900 to 2199."""
