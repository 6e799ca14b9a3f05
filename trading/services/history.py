"""Historical deals into the deal table: a centre's past years from a CSV or Excel file, all rows or none, and the
calibration scenarios (domain.scenarios) that reproduce the published 2010 figures. Re-exported by
``services.statistics``.

Rows are checked by ``domain.history.validate`` (every error of every row) and, beyond the file, against the
deals already recorded: a row repeating one (same project, lot, region and award date) is an error too, so
importing a file twice is refused. Deals go in by one bulk insert, marked ``imported`` with the source
'import:<file name>' or 'scenario:<name>'; one audit entry records each import.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any, BinaryIO

import sqlalchemy as sa

from ..domain import history as historical, scenarios
from ..domain.errors import N_, DomainError, Forbidden
from ..models import Deal
from . import audit

SOURCE_LENGTH = 120  # the deal table's source column
_BATCH = 500


@dataclass(frozen=True)
class Imported:
    """What an import or a scenario load put in: its source, the lots by trade type and their amount."""

    source: str
    lots: int
    amount: Decimal
    by_trade_type: dict[str, int]


def read_rows(filename: str, stream: BinaryIO) -> list[dict[str, Any]]:
    """The rows of an uploaded file as dicts under its header row: a .csv file in UTF-8 (with or without BOM) or
    the first sheet of an .xlsx workbook. Refuses other files, naming the field 'file'."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".csv":
        data = stream.read()
        try:
            text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise DomainError(N_("The CSV file is not UTF-8 text: save it as CSV UTF-8."), field="file") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            return [{k: v for k, v in row.items() if k is not None} for row in reader]
        except csv.Error as error:  # e.g. a cell over the csv module's 131,072 characters
            raise DomainError(N_("Line %(line)s of the CSV file cannot be read: %(reason)s."), field="file",
                              line=reader.line_num, reason=str(error)) from None
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise DomainError(N_("The file is not an Excel workbook (.xlsx)."), field="file") from None
        try:
            sheet = book.worksheets[0]
            cells = sheet.iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(cells, ())]
            return [{h: v for h, v in zip(header, row, strict=False) if h} for row in cells]
        finally:
            book.close()
    raise DomainError(N_("Upload a .csv or .xlsx file."), field="file", name=str(filename))


def _may_import(actor) -> None:
    """Staff and administrators import; so do the system (None: demo data, the simulator) and an operator at the
    command line (a label such as 'cli'); any other user is refused."""
    if actor is None or (isinstance(actor, str) and actor):
        return
    if isinstance(actor, str) or not actor.has_role("staff", "admin"):
        raise Forbidden(N_("Importing deals needs the role staff or admin."), field="role")


def _record(lot: historical.HistoricalLot, source: str, now: datetime) -> dict[str, Any]:
    """The deal row of a historical lot."""
    return {
        "lot_id": None, "imported": True, "source": source, "project_name": lot.project_name,
        "lot_name": lot.lot_name, "project_key": f"{lot.trade_type}:{lot.region_code}:{lot.project_name}",
        "trade_type": lot.trade_type, "method": lot.method, "region_code": lot.region_code,
        "funding_source": lot.funding_source, "state_funded": lot.state_funded, "budget": lot.budget,
        "starting_price": lot.starting_price, "price": lot.award_price, "announced_on": lot.announced_on,
        "awarded_on": lot.awarded_on, "awarded_month": lot.awarded_on.strftime("%Y-%m"),
        "contracted_on": lot.contracted_on, "in_centre": lot.in_centre, "created_at": now,
    }


def _insert(session, lots: list[historical.HistoricalLot], source: str, now: datetime) -> Imported:
    """Bulk-insert the lots and say what went in."""
    rows = [_record(lot, source, now) for lot in lots]
    for start in range(0, len(rows), _BATCH):
        session.execute(sa.insert(Deal), rows[start:start + _BATCH])
    session.flush()
    from .statistics import refresh_cells  # statistics re-exports this module's functions

    refresh_cells(session, {lot.awarded_on.strftime("%Y-%m") for lot in lots})
    return Imported(source, len(lots), sum((lot.award_price for lot in lots), Decimal("0.00")),
                    dict(Counter(lot.trade_type for lot in lots)))


def _is_blank(record: Mapping[str, Any]) -> bool:
    """Whether every cell is blank (domain.history skips such rows, so line numbers skip them too)."""
    return all(value is None or str(value).strip() == "" for value in record.values())


def _already_recorded(session, lots: list[historical.HistoricalLot], lines: list[int]) -> list[historical.RowError]:
    """Errors for the lots that repeat a deal already in the table (same project, lot, region and award date)."""
    errors: list[historical.RowError] = []
    for start in range(0, len(lots), _BATCH):
        batch = list(zip(lots[start:start + _BATCH], lines[start:start + _BATCH], strict=True))
        keys = [(lot.region_code, lot.awarded_on, lot.project_name, lot.lot_name) for lot, _ in batch]
        columns = (Deal.region_code, Deal.awarded_on, Deal.project_name, Deal.lot_name)
        found = {tuple(row[:4]): row[4] for row in session.execute(
            sa.select(*columns, Deal.source).where(sa.tuple_(*columns).in_(keys)))}
        for (_, line), key in zip(batch, keys, strict=True):
            if key in found:
                errors.append(historical.RowError(
                    line, None, N_("This row repeats a deal already recorded (from %(source)s)."),
                    {"source": found[key]}))
    return errors


def _refusal(errors: list[historical.RowError]) -> DomainError:
    """One refusal carrying every error of the file, in line order."""
    listed = [{"line": e.line, "field": e.field, "message": e.message, "params": e.params}
              for e in sorted(errors, key=lambda e: e.line)]
    return DomainError(N_("Nothing was imported: the file has errors on %(rows)s of its lines (%(count)s in all)."),
                       field="file",
                       count=len(errors), rows=len({e.line for e in errors}), errors=listed)


def import_history(session, actor, now: datetime, rows: Iterable[Mapping[str, Any]], source: str) -> Imported:
    """Import the completed deals of a file, all or none; ``source`` is the file name (stored 'import:<name>').

    Refusal: one DomainError on the field 'file' whose ``params['errors']`` lists every error as dicts with line,
    field (None for the whole row), message (an English msgid) and params.
    """
    _may_import(actor)
    name = PurePath(str(source or "").strip() or "upload").name
    label = f"import:{name}"[:SOURCE_LENGTH]
    records = list(rows)
    lots, errors = historical.validate(records)
    if not errors and not lots:
        raise DomainError(N_("The file has no rows to import."), field="file")
    if not errors:
        lines = [line for line, record in enumerate(records, start=2) if not _is_blank(record)]
        errors = _already_recorded(session, lots, lines)
    if errors:
        raise _refusal(errors)
    result = _insert(session, lots, label, now)
    audit.record(session, actor, now, "deal.import", object_type="deal", payload={
        "source": label, "lots": result.lots, "amount": result.amount, "by_trade_type": result.by_trade_type})
    return result


def loaded_scenarios(session) -> set[str]:
    """The names of the scenarios whose deals are in the table."""
    sources = session.scalars(sa.select(Deal.source).where(Deal.source.like("scenario:%")).distinct())
    return {source.removeprefix("scenario:") for source in sources}


def load_scenario(session, actor, now: datetime, name: str) -> Imported:
    """Load a calibration scenario's deals (source 'scenario:<name>'); refuses an unknown one or one loaded already,
    naming the field 'name'."""
    _may_import(actor)
    lots = scenarios.generate(name)
    name = str(name).strip()
    source = f"scenario:{name}"
    if session.scalar(sa.select(Deal.id).where(Deal.source == source).limit(1)) is not None:
        raise DomainError(N_("The scenario %(name)s is already loaded."), field="name", name=name)
    result = _insert(session, lots, source, now)
    audit.record(session, actor, now, "deal.scenario", object_type="deal", payload={
        "source": source, "lots": result.lots, "amount": result.amount, "by_trade_type": result.by_trade_type})
    return result
