"""Rows of the Excel files the platform exports, with every text cell written as text.

A bid's declared field, a project name or an imported deal's lot name is whatever its author typed; written
as a plain value, ``=HYPERLINK(...)`` or ``=cmd|...`` would become a live formula in the file every follower
downloads (CSV/formula injection, OWASP). Every export appends its rows through ``append``: text is stored as a
string cell (openpyxl data type ``s``; it would otherwise store a leading ``=`` as a formula and ``#N/A`` as an
error) and text starting with ``= + - @``, a tab or a carriage return also gets Excel's quote prefix, so editing
the cell in Excel keeps it text. Formulas the platform writes itself are wrapped in ``Formula`` and stay live.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

RISKY_START = ("=", "+", "-", "@", "\t", "\r")


class Formula(str):
    """A formula the platform wrote (the statistics workbook's sums and rates): kept as a live formula."""


def text_cell(sheet: Worksheet, value: str) -> Cell:
    """A cell holding ``value`` as text, whatever it starts with (control characters Excel refuses dropped)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = Cell(sheet, value=value)
    cell.data_type = "s"
    if value.startswith(RISKY_START):
        cell.quotePrefix = True
    return cell


def append(sheet: Worksheet, values) -> None:
    """Append one row: text as text cells, ``Formula`` values as formulas, numbers and dates as they are."""
    sheet.append([text_cell(sheet, v) if isinstance(v, str) and not isinstance(v, Formula) else v
                  for v in values])
