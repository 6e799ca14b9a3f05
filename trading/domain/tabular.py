"""A centre's spreadsheet files as they really are: CSV in the encodings Excel saves, or an Excel .xlsx workbook,
perhaps with a title above the header, read into rows under their header with their line numbers.

**Encoding (CSV).** A fixed ladder, not a statistical detector (chardet, charset-normalizer):

1. a byte-order mark names it: UTF-8 (Excel's "CSV UTF-8"), UTF-16 LE or BE (Excel's "Unicode text");
2. no mark, but NUL bytes on every other position (beside each ASCII digit and comma): UTF-16 without a mark;
3. the whole file decodes as strict UTF-8: UTF-8;
4. else GB18030, the superset of GBK and GB2312, which Excel on Chinese Windows writes for "CSV (逗号分隔)";
5. else refused, naming the line where the likelier of the two stopped fitting.

A ladder reads the same file the same way on every machine and library version, and the report can say which
step decided. A detector guesses from letter statistics and is least sure on exactly the short files (a header
and a few rows) a centre uploads, where it may answer Big5 or a Latin code page. Chinese text in GBK is almost
never valid UTF-8 (its two-byte characters rarely form UTF-8 sequences), so step 3 does not take a GBK file for
UTF-8; a file of ASCII only is the same text in all of them.

**Delimiter.** A comma, or a tab when the first lines hold more tabs than commas ("Unicode text" is tab-separated).

**Size.** A file above ``max_bytes`` is refused before it is parsed (the caller gives the limit, a setting);
a workbook is also refused when its unpacked parts exceed ``XLSX_UNPACKED_FACTOR`` times that (a zip bomb), and
at most ``MAX_COLUMNS`` columns of a sheet are read.

**Cells.** A cell holds at most ``MAX_CELL`` characters, what an Excel cell holds; a longer one is refused by line
and column (a CSV cell over the csv module's own limit, 131,072, included).

**Header.** The first row, among the first ``HEADER_SEARCH`` rows, in which the caller's ``is_header`` recognises
the columns; the rows above it (a merged title such as "2023年成交项目汇总表") are skipped and the header's line is
reported. Without such a row the first non-blank row is the header, so that the caller reports what it misses.

Lines are row numbers as Excel shows them: a CSV record spanning several physical lines (a cell with a line
break) is one row. Blank rows are dropped but keep their numbers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import PurePath
from typing import IO, Any

from .errors import N_, DomainError

DEFAULT_MAX_BYTES = 4 * 2**20  # when the caller gives no limit; the app passes its settings (*_IMPORT_MAX_BYTES)
MAX_CELL = 32_767  # characters in an Excel cell
MAX_COLUMNS = 256  # columns read from a sheet (Excel 2003's width); real files have a few dozen
HEADER_SEARCH = 10  # rows searched for the header
XLSX_UNPACKED_FACTOR = 8  # a workbook's parts may unpack to this many times the size limit
SUFFIXES = (".csv", ".xlsx")

ENCODINGS = {  # codec name -> what the report calls it
    "utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "gb18030": "GB18030 (GBK)",
    "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE", "utf-16": "UTF-16 (BOM)",
}
# Unicode controls (Cc), format characters (Cf: zero-width spaces, bidirectional overrides, BOM) and surrogates (Cs)
# as of Unicode 14, except tab, line feed and carriage return (a line break in a name collapses to a space).
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


@dataclass(frozen=True)
class Sheet:
    """The rows of a file under its header: the header cells and line, each non-blank data row with its line, and
    the encoding the text was read in (None for a workbook)."""

    header: tuple[str, ...] = ()
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    header_line: int = 1
    encoding: str | None = None

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Each data row as (line, {header: cell}); columns without a header are left out."""
        header = self.header
        for line, cells in self.rows:
            yield line, {h: v for h, v in zip(header, cells, strict=False) if h}

    @property
    def encoding_label(self) -> str | None:
        """The encoding as the report names it (UTF-8, GB18030 (GBK), UTF-16LE ...), None for a workbook."""
        return ENCODINGS.get(self.encoding or "", self.encoding)

    @classmethod
    def of_records(cls, records: Iterable[dict[str, Any]], first_line: int = 2) -> Sheet:
        """A sheet from row dicts that share their keys (tests, generated data): the keys are the header."""
        records = list(records)
        header: dict[str, None] = {}
        for record in records:
            header.update(dict.fromkeys(record))
        names = tuple(header)
        rows = [(line, tuple(r.get(h) for h in names)) for line, r in enumerate(records, start=first_line)
                if not is_blank(r.values())]
        return cls(names, rows, first_line - 1)


def control_character(text: str) -> str | None:
    """The first control or invisible format character of ``text`` as U+XXXX (NUL is U+0000), or None."""
    found = _CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def is_blank(cells: Iterable[Any]) -> bool:
    """Whether every cell is empty or spaces."""
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def refusal(message: str, problems: list[dict], **params) -> DomainError:
    """The refusal of a whole file (field 'file'), carrying ``problems``: dicts with line, column (a letter),
    header, message (an English msgid) and params."""
    return DomainError(message, field="file", problems=problems, **params)


def _problem(line: int, message: str, column: int | None = None, header: str = "", **params) -> dict:
    letter = column_letter(column) if column is not None else None
    return {"line": line, "column": letter, "header": header, "message": message, "params": params}


def _too_large(size: int | None, max_bytes: int) -> DomainError:
    limit = f"{max_bytes / 2**20:g}"
    if size is None:
        return DomainError(N_("The file is larger than %(limit)s MB, the most a file may have here: split it into "
                              "smaller files."), field="file", limit=limit)
    return DomainError(N_("The file is %(size)s MB; a file may have at most %(limit)s MB here: split it into smaller "
                          "files."), field="file", size=f"{size / 2**20:.1f}", limit=limit)


def read_bytes(stream: IO[bytes] | IO[str], max_bytes: int) -> bytes | str:
    """At most ``max_bytes`` of a stream; refuses a longer one before anything is parsed."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        try:
            size = stream.seek(0, io.SEEK_END)
        except (AttributeError, OSError, ValueError):
            size = None
        raise _too_large(size, max_bytes)
    return data


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the codec that read it, by the ladder in the module docstring."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).lstrip("\ufeff"), codec
            except UnicodeDecodeError:
                break
    head = data[:4096]
    even, odd = head[0::2].count(0), head[1::2].count(0)  # ASCII in UTF-16: a NUL beside every digit and comma
    if even + odd >= max(len(head) // 8, 2) and max(even, odd) >= 4 * min(even, odd):
        codec = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        not_utf8 = error.start
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as error:  # the line where the likelier of the two stopped fitting
        line = data.count(b"\n", 0, max(not_utf8, error.start)) + 1
        raise refusal(N_("The file is neither UTF-8 nor GB18030 (GBK) text (line %(line)s): save it as "
                         "“CSV UTF-8” or “CSV (逗号分隔)”."),
                      [_problem(line, N_("This line is neither UTF-8 nor GB18030 (GBK) text."))],
                      line=line) from None


def _delimiter(text: str) -> str:
    """A tab when the first lines hold more tabs than commas, else a comma."""
    head = text[:8192]
    return "\t" if head.count("\t") > head.count(",") else ","


def _overflowing_column(text: str, delimiter: str) -> int:
    """The 0-based column of the first cell longer than the csv module's limit in the start of a record."""
    limit, column, length, quoted, index = csv.field_size_limit(), 0, 0, False, 0
    while index < len(text):
        char = text[index]
        if quoted:
            if char == '"':
                if text.startswith('"', index + 1):
                    index += 1
                else:
                    quoted = False
                    index += 1
                    continue
            length += 1
        elif char == '"' and length == 0:
            quoted = True
        elif char == delimiter:
            column, length = column + 1, 0
        elif char in "\r\n":
            break
        else:
            length += 1
        if length > limit:
            return column
        index += 1
    return column


class _Lines:
    """The lines handed to the csv reader, keeping those of the record being read (to locate a bad cell)."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text, newline="")  # \n, \r and \r\n end lines; U+2028 and the like do not
        self.current: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.current.append(line)
        return line


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """The records of CSV text with their row numbers; a cell beyond the csv module's limit is refused."""
    delimiter = _delimiter(text)
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    while True:
        lines.current = []
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger" in str(error):
                column = _overflowing_column("".join(lines.current), delimiter)
                problem = _problem(number, N_("The cell has more than %(limit)s characters."), column,
                                   limit=f"{MAX_CELL:,}")
            else:
                problem = _problem(number, N_("This row is not valid CSV."))
            raise refusal(N_("Nothing was imported: line %(line)s cannot be read."), [problem],
                          line=number) from None
        yield number, cells


def _texts(cells: Sequence[Any]) -> list[str]:
    """Cells as stripped text, for recognising a header."""
    return ["" if c is None else str(c).strip().lstrip("\ufeff").strip() for c in cells]


def _trimmed(cells: Sequence[Any]) -> tuple[Any, ...]:
    """The cells without the empty ones at the end of the row."""
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    return tuple(cells[:end])


def _find_header(head: list[tuple[int, tuple[Any, ...]]], is_header: Callable[[Sequence[str]], bool]) -> int | None:
    """The index in ``head`` (non-blank rows) of the header: the first row ``is_header`` recognises, else the
    first row; None without rows."""
    for index, (_, cells) in enumerate(head):
        if is_header(_texts(cells)):
            return index
    return 0 if head else None


def _oversized(line: int, cells: Sequence[Any], header: Sequence[str]) -> list[dict]:
    """The cells of a row longer than ``MAX_CELL``."""
    return [_problem(line, N_("The cell has more than %(limit)s characters."), index,
                     header[index] if index < len(header) else "", limit=f"{MAX_CELL:,}")
            for index, cell in enumerate(cells) if isinstance(cell, str) and len(cell) > MAX_CELL]


def _sheet(header_line: int, header_cells: tuple[Any, ...], rows: Iterable[tuple[int, Sequence[Any]]],
           encoding: str | None) -> Sheet:
    """The sheet under a header, refusing every oversized cell (header included) by line and column."""
    header = tuple(_texts(header_cells))
    problems = _oversized(header_line, header_cells, ())
    kept = []
    for line, cells in rows:
        cells = _trimmed(cells)
        if is_blank(cells):
            continue
        problems.extend(_oversized(line, cells, header))
        kept.append((line, cells))
    if problems:
        raise refusal(N_("Nothing was imported: %(count)s cells are longer than %(limit)s characters."), problems,
                      count=len(problems), limit=f"{MAX_CELL:,}")
    return Sheet(header, kept, header_line, encoding)


def csv_sheet(text: str, is_header: Callable[[Sequence[str]], bool], encoding: str | None = None) -> Sheet:
    """The sheet of CSV text (a title above the header skipped)."""
    rows = csv_rows(text.lstrip("\ufeff"))
    head = [(line, tuple(cells)) for line, cells in islice(rows, HEADER_SEARCH) if not is_blank(cells)]
    found = _find_header(head, is_header)
    if found is None:
        return Sheet(encoding=encoding)
    header_line, header = head[found]
    return _sheet(header_line, _trimmed(header), chain(head[found + 1:], rows), encoding)


def _not_excel() -> DomainError:
    return DomainError(N_("The file is not an Excel workbook (.xlsx)."), field="file")


def _unreadable(rows: Iterable[Any]) -> Iterator[Any]:
    """The rows openpyxl gives; any failure of its own (a broken archive, malformed XML: ParseError is a
    SyntaxError) is a file that is not a readable workbook, never a 500."""
    try:
        yield from rows
    except Exception:  # whatever the parser of an untrusted file raises
        raise _not_excel() from None


def xlsx_sheet(stream: IO[bytes], size: int, max_bytes: int, is_header: Callable[[Sequence[str]], bool]) -> Sheet:
    """The sheet of a workbook's first sheet (a title above the header skipped), as wide as its header."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_excel() from None
    if unpacked > max_bytes * XLSX_UNPACKED_FACTOR:
        raise _too_large(max(size, unpacked // XLSX_UNPACKED_FACTOR), max_bytes)
    stream.seek(0)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a workbook's stated size may be wrong, or huge on purpose
    except Exception:  # as in _unreadable
        raise _not_excel() from None
    try:
        head = [(line, _trimmed(cells)) for line, cells in enumerate(
            _unreadable(sheet.iter_rows(max_row=HEADER_SEARCH, max_col=MAX_COLUMNS, values_only=True)), start=1)]
        head = [(line, cells) for line, cells in head if not is_blank(cells)]
        found = _find_header(head, is_header)
        if found is None:
            return Sheet()
        header_line, header = head[found]
        width = max(len(header), 1)  # cells right of the header have no column: they are not read
        rows = _unreadable(sheet.iter_rows(min_row=header_line + 1, max_col=width, values_only=True))
        return _sheet(header_line, header, enumerate(rows, start=header_line + 1), None)
    finally:
        book.close()


def read(filename: str, stream: IO[bytes] | IO[str], *, max_bytes: int,
         is_header: Callable[[Sequence[str]], bool]) -> Sheet:
    """A .csv or .xlsx file as a sheet, refusing other files, files above ``max_bytes`` and oversized cells."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError(N_("Upload a .csv or .xlsx file."), field="file", name=str(filename))
    data = read_bytes(stream, max_bytes)
    if suffix == ".xlsx":
        if isinstance(data, str):
            raise _not_excel()
        return xlsx_sheet(io.BytesIO(data), len(data), max_bytes, is_header)
    text, codec = (data, None) if isinstance(data, str) else decode(data)
    return csv_sheet(text, is_header, codec)
