"""Historical deals into the deal table: a centre's past years from a CSV or Excel file, all rows or none, and the
calibration scenarios (domain.scenarios) that reproduce the published 2010 figures; the rollup is refreshed by
``services.deals``, in the same transaction.

A file is read by ``domain.tabular`` (the encoding, a title above the header, its size and its cells: see there),
its rows checked by ``domain.history.validate`` (every error and every warning of every row) and, beyond the file,
against the deals already recorded: a row repeating one (``domain.history.deal_key``, the normalisation used inside
the file) is an error too, so importing a file twice is refused. Warnings (an award above its budget, a deal below
its starting price, a price ten times off its base) stop the import until the importer confirms them
(``accept_warnings``). Deals go in by one bulk insert, marked ``imported`` with the source 'import:<file name>' or
'scenario:<name>'; one audit entry records each import, with the warnings confirmed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any, BinaryIO

import sqlalchemy as sa

from ..config import Defaults
from ..domain import history as historical, scenarios, tabular
from ..domain.errors import N_, DomainError, Forbidden
from ..models import Deal
from . import audit, deals, rulebook

SOURCE_LENGTH = 120  # the deal table's source column
_BATCH = 500


@dataclass(frozen=True)
class Imported:
    """What an import or a scenario load put in: its source, the lots by trade type and their amount; for a file,
    how it was read (encoding, header line, the units applied by header) and how many warnings were confirmed."""

    source: str
    lots: int
    amount: Decimal
    by_trade_type: dict[str, int]
    encoding: str | None = None
    header_line: int = 1
    units: dict[str, str] = field(default_factory=dict)
    warnings: int = 0


def read_rows(filename: str, stream: BinaryIO, *, max_bytes: int = Defaults.HISTORY_IMPORT_MAX_BYTES) -> tabular.Sheet:
    """The rows of an uploaded file under its header: a .csv file (UTF-8, GB18030/GBK or UTF-16) or the first sheet of
    an .xlsx workbook, refused above ``max_bytes`` (the setting HISTORY_IMPORT_MAX_BYTES) before it is parsed.
    Refusals name the field 'file'; a bad cell is listed by line and column in ``params['errors']``."""
    try:
        return tabular.read(filename, stream, max_bytes=max_bytes, is_header=historical.is_header)
    except DomainError as error:
        if "problems" not in error.params:
            raise
        params = {k: v for k, v in error.params.items() if k != "problems"}
        raise DomainError(error.message, field=error.field, errors=[
            {"line": p["line"], "field": None, "column": p["column"], "header": p["header"], "message": p["message"],
             "params": p["params"], "rule": None} for p in error.params["problems"]], **params) from None


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
        session.execute(sa.insert(Deal.__table__), rows[start:start + _BATCH])  # Core: one executemany a batch
    session.flush()
    deals.refresh_cells(session, {lot.awarded_on.strftime("%Y-%m") for lot in lots})
    return Imported(source, len(lots), sum((lot.award_price for lot in lots), Decimal("0.00")),
                    dict(Counter(lot.trade_type for lot in lots)))


def _already_recorded(session, lots: list[historical.HistoricalLot], lines: list[int]) -> list[historical.RowError]:
    """Errors for the lots that repeat a deal already in the table: same region and award date, and the same project
    and lot once normalised as inside the file (``deal_key``: 标段 2 and 标段３ repeat 标段2)."""
    errors: list[historical.RowError] = []
    for start in range(0, len(lots), _BATCH):
        batch = list(zip(lots[start:start + _BATCH], lines[start:start + _BATCH], strict=True))
        days = sorted({(lot.region_code, lot.awarded_on) for lot, _ in batch})
        rows = session.execute(sa.select(Deal.project_name, Deal.lot_name, Deal.region_code, Deal.awarded_on,
                                         Deal.source).where(sa.tuple_(Deal.region_code, Deal.awarded_on).in_(days)))
        found: dict[tuple, str] = {}
        for project, lot_name, region, awarded_on, source in rows:
            found.setdefault(historical.deal_key(project, lot_name, region, awarded_on), source)
        for lot, line in batch:
            if lot.key in found:
                errors.append(historical.RowError(
                    line, None, N_("This row repeats a deal already recorded (from %(source)s)."),
                    {"source": found[lot.key]}))
    return errors


def _listed(items: list[historical.RowError], sheet: tabular.Sheet,
            columns: Mapping[str, historical.Column]) -> list[dict[str, Any]]:
    """Errors or warnings as dicts, in line order: line, field, the column's letter and header as in the file
    (the field's Chinese header when the file has no such column), message (a msgid), params and rule."""
    letters = {h: tabular.column_letter(i) for i, h in enumerate(sheet.header) if h}
    listed = []
    for item in sorted(items, key=lambda e: e.line):
        column = columns.get(item.field) if item.field else None
        header = column.header if column else (historical.BY_NAME[item.field].header_zh if item.field else "")
        listed.append({"line": item.line, "field": item.field, "column": letters.get(header), "header": header,
                       "message": item.message, "params": item.params, "rule": item.rule})
    return listed


def _how_read(sheet: tabular.Sheet, columns: Mapping[str, historical.Column]) -> dict[str, Any]:
    """How the file was read, for the report: encoding (None for a workbook), header line, units by header."""
    return {"encoding": sheet.encoding_label, "header_line": sheet.header_line,
            "units": {c.header: c.unit for c in columns.values() if c.unit and c.unit != "元"}}


def import_history(ctx, session, actor, now: datetime, rows: tabular.Sheet | Iterable[Mapping[str, Any]],
                   source: str, *, accept_warnings: bool = False) -> Imported:
    """Import the completed deals of a file, all or none, checked under the rules in force; ``source`` is the file
    name (stored 'import:<name>').

    ``rows`` is what ``read_rows`` gave, or row dicts under one header (line 1). Refusal: one DomainError whose
    ``params['errors']`` and ``params['warnings']`` list each problem as a dict (line, field or None for the whole
    row, column letter, header, message as an English msgid, params, rule), with ``encoding``, ``header_line`` and
    ``units`` saying how the file was read. With errors it names the field 'file'; with warnings only, and
    ``accept_warnings`` false, it names the field 'accept_warnings': nothing is imported until they are confirmed.
    """
    _may_import(actor)
    name = PurePath(str(source or "").strip() or "upload").name
    label = f"import:{name}"[:SOURCE_LENGTH]
    sheet = rows if isinstance(rows, tabular.Sheet) else tabular.Sheet.of_records(rows)
    checked = historical.validate(sheet, rules=rulebook.in_force(ctx, session))
    how = _how_read(sheet, checked.columns)
    errors = checked.errors
    if not errors and not checked.lots:
        raise DomainError(N_("The file has no rows to import."), field="file", **how)
    if not errors:
        errors = _already_recorded(session, checked.lots, checked.lines)
    warnings = _listed(checked.warnings, sheet, checked.columns)
    if errors:
        raise DomainError(N_("Nothing was imported: the file has errors on %(rows)s of its lines (%(count)s in all)."),
                          field="file", count=len(errors), rows=len({e.line for e in errors}),
                          errors=_listed(errors, sheet, checked.columns), warnings=warnings, **how)
    if warnings and not accept_warnings:
        raise DomainError(N_("Nothing was imported: warnings need your confirmation (%(count)s, on %(rows)s lines). "
                             "Check them; if the file is right, import it again confirming the warnings."),
                          field="accept_warnings", count=len(warnings), rows=len({w["line"] for w in warnings}),
                          errors=[], warnings=warnings, **how)
    result = _insert(session, checked.lots, label, now)
    audit.record(session, actor, now, "deal.import", object_type="deal", payload={
        "source": label, "lots": result.lots, "amount": result.amount, "by_trade_type": result.by_trade_type,
        "encoding": how["encoding"], "header_line": how["header_line"], "units": how["units"],
        "warnings_confirmed": [{"line": w["line"], "rule": w["rule"]} for w in warnings]})
    return Imported(result.source, result.lots, result.amount, result.by_trade_type, how["encoding"],
                    how["header_line"], how["units"], len(warnings))


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
