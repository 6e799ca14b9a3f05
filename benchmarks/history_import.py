"""A centre's yearly file of past deals through the history import: how long reading, checking and storing take,
and how much memory, for a file the size of the limit (HISTORY_IMPORT_MAX_BYTES), to choose and document it.

The file (not timed): BENCH_ROWS deals (default: as many as fit in the limit), a merged title row above the header,
saved as Excel on Chinese Windows saves CSV (GB18030/GBK) with 14 columns, the budget in 万元; and the same rows as
an .xlsx workbook as Excel saves one (shared strings, numbers as numbers). Timed in processor seconds (steady on a
shared machine), once each: ``read_rows`` (decoding, header search, cells), ``validate`` (every field, duplicates,
warnings), ``import_history`` as a whole (with the check against stored deals and the bulk insert into a fresh
SQLite database) and ``read_rows`` of the workbook. Prints progress to stderr and, as its last line, one JSON
object with rows, bytes of each file, the seconds of each step, the most memory Python held while reading and
checking the CSV, and the process's peak resident memory (file generation included) in MiB.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from trading import create_app
from trading.config import Defaults
from trading.domain import history as historical, regions
from trading.domain.rules import DEFAULT_RULES
from trading.extensions import db
from trading.platform import current_platform
from trading.services import history

LIMIT = Defaults.HISTORY_IMPORT_MAX_BYTES
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
HEADER = ["序号", "项目名称", "标段（包）名称", "交易类型", "交易方式", "行政区划代码", "资金来源", "是否国有资金",
          "预算或招标控制价（万元）", "起始价（万元）", "中标或成交价（万元）", "公告日期", "中标或成交日期", "备注"]
WORKS = ("道路改造工程", "污水处理厂建设工程", "中学教学楼建设工程", "堤防加固工程", "还建小区建设工程",
         "医疗设备采购项目", "教学设备采购项目")


def rows(count: int):
    """``count`` rows of text cells: a new project three times in four, prices in 万元 with up to 4 decimals."""
    rng = random.Random(2023)
    places = [code for code in regions.descendants("420000") if regions.get(code).level != "province"]
    project = number = 0
    for index in range(count):
        if index == 0 or rng.random() < 0.75:
            project, number = project + 1, 0
            land = rng.random() < 0.2
            region, day = rng.choice(places), date(2023, 1, 1) + timedelta(rng.randrange(365))
        number += 1
        price = rng.lognormvariate(5.5, 1.1)
        base = price * (rng.uniform(1.0, 1.09) if not land else 1 / rng.uniform(1.0, 1.3))
        yield [str(index + 1), f"{regions.get(region).name}{WORKS[project % len(WORKS)]}（{project}）",
               f"第{number}标段", "土地" if land else "建设工程", "挂牌" if land else "公开招标", region, "财政资金",
               "是", "" if land else f"{base + 0.01:.4f}", f"{base:.4f}" if land else "", f"{price:.4f}",
               (day - timedelta(days=25)).isoformat(), day.isoformat(), ""]


def csv_bytes(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["2023年成交项目汇总表"] + [""] * (len(HEADER) - 1))
    writer.writerow(HEADER)
    writer.writerows(rows(count))
    return out.getvalue().encode("gb18030")


def xlsx_bytes(count: int) -> bytes:
    """The rows as Excel saves them: shared strings, numbers as numbers, the title merged across the columns."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["2023年成交项目汇总表"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for row in rows(count):
        sheet.append([float(c) if i in (8, 9, 10) and c else int(c) if i in (0, 5) else c for i, c in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(call):
    """Seconds of processor time (steady on a busy machine, unlike the wall clock) and the call's value."""
    started = time.process_time()
    value = call()
    return round(time.process_time() - started, 2), value


def peak_mib(call) -> float:
    """The most memory Python held during the call (tracemalloc), in MiB."""
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return round(peak / 2**20)


def main() -> None:
    count = int(os.environ.get("BENCH_ROWS", "0"))
    if not count:  # about as many rows as fit in the limit
        count = int(LIMIT / (len(csv_bytes(2000)) / 2000))
    data = csv_bytes(count)
    while len(data) > LIMIT:
        count = int(count * LIMIT / len(data) * 0.999)
        data = csv_bytes(count)
    print(f"{count} rows, CSV {len(data) / 2**20:.1f} MiB (limit {LIMIT / 2**20:g} MiB)", file=sys.stderr)
    result: dict = {"rows": count, "csv_bytes": len(data), "limit_bytes": LIMIT}
    result["csv_read_s"], sheet = timed(lambda: history.read_rows("2023.csv", io.BytesIO(data), max_bytes=LIMIT))
    result["validate_s"], checked = timed(lambda: historical.validate(sheet, rules=DEFAULT_RULES))
    assert not checked.errors and len(checked.lots) == count, checked.errors[:3]
    print(f"read {result['csv_read_s']} s ({sheet.encoding_label}, header on line {sheet.header_line}), "
          f"checked {result['validate_s']} s", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                          "KEK": os.urandom(32).hex()}, instance_path=folder)
        with app.app_context():
            upgrade()

            def whole():
                sheet = history.read_rows("2023.csv", io.BytesIO(data), max_bytes=LIMIT)
                done = history.import_history(current_platform(), db.session, "cli", NOW, sheet, "2023.csv",
                                              accept_warnings=True)
                db.session.commit()
                return done

            result["csv_import_s"], done = timed(whole)
            assert done.lots == count
    print(f"whole import {result['csv_import_s']} s", file=sys.stderr)
    workbook = xlsx_bytes(count)
    result["xlsx_bytes"] = len(workbook)
    result["xlsx_read_s"], sheet = timed(lambda: history.read_rows("2023.xlsx", io.BytesIO(workbook),
                                                                   max_bytes=LIMIT))
    assert len(sheet.rows) == count
    print(f"xlsx {len(workbook) / 2**20:.1f} MiB read in {result['xlsx_read_s']} s", file=sys.stderr)
    result["csv_read_and_check_peak_mib"] = peak_mib(lambda: historical.validate(
        history.read_rows("2023.csv", io.BytesIO(data), max_bytes=LIMIT), rules=DEFAULT_RULES))
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
