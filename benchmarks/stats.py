"""The supervisor's report over 1,000,000 deals: ``services.statistics.report`` with no filter (the savings and
premium figures, amounts and projects by trade type, the breakdowns by trade type, month and region) against the
floor in the same run: one hand-written SQL aggregate of savings over the same rows,
``SELECT count(*), sum(budget), sum(price) FROM deal WHERE budget IS NOT NULL``.

Set-up (not timed): the schema by the migrations (SQLite file in a temporary folder, or DATABASE_URL's database,
dropped to base first), then BENCH_LOTS deals (default 1,000,000) of every trade type in the regions of Hubei
over 2006-2012, bulk-inserted by Core executemany in batches, the rollup refreshed (``deals.refresh_cells``, as every
service that writes deals does), then ANALYZE (and VACUUM on PostgreSQL) as a database in service would have.
The unfiltered report reads the grouped figures from the rollup and counts distinct projects over the deals.
Each query runs once to warm the cache, then BENCH_REPEAT times (default 3)
alternately; the medians are reported. The report's sums are checked against the floor's.
Prints progress to stderr and, as its last line, one JSON object with lots, report_s, floor_s, ratio
(target <= 1.5).
"""

from __future__ import annotations

import json
import os
import random
import statistics as stats
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from trading import create_app
from trading.domain import regions
from trading.extensions import db
from trading.models import Deal
from trading.services import statistics
from trading.services.deals import refresh_cells

LOTS = int(os.environ.get("BENCH_LOTS", "1000000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
BATCH = 10_000
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
FIRST_DAY, DAYS = date(2006, 1, 1), 7 * 365
FLOOR = sa.text("SELECT count(*), sum(budget), sum(price) FROM deal WHERE budget IS NOT NULL")
MIX = (("construction", 45, 14.5), ("procurement", 30, 12.5), ("land", 15, 15.5), ("property", 10, 13.0))
WORKS = ("道路改造工程", "污水处理厂建设工程", "中学教学楼建设工程", "堤防加固工程", "还建小区建设工程",
         "医疗设备采购项目",
         "教学设备采购项目", "商住用地", "工业用地", "国有股权转让")


def deals(count: int):
    """``count`` deal rows as dicts: lognormal prices by trade type, a budget or a starting price for 97 %."""
    rng = random.Random(20100930)
    places = [code for code in regions.descendants("420000") if regions.get(code).level != "province"]
    project = number = 0
    for index in range(count):
        if index == 0 or rng.random() < 0.75:  # a new project; otherwise another lot of the one before
            project, number = project + 1, 0
            trade_type, _, mu = rng.choices(MIX, [m[1] for m in MIX])[0]
            region, day = rng.choice(places), FIRST_DAY + timedelta(rng.randrange(DAYS))
        number += 1
        fen = int(rng.lognormvariate(mu, 1.1) * 100) + 100
        price = Decimal(fen).scaleb(-2)
        budget = start = None
        if rng.random() < 0.97:
            if trade_type in ("construction", "procurement"):
                budget = Decimal(int(fen * rng.uniform(0.99, 1.09)) + 1).scaleb(-2)
            else:
                start = Decimal(int(fen / rng.uniform(1.0, 1.3)) + 1).scaleb(-2)
        yield {
            "lot_id": None, "imported": True, "source": "import:benchmark.csv",
            "project_name": f"{regions.get(region).name}{WORKS[project % len(WORKS)]}（{project}）",
            "lot_name": f"第{number}标段", "project_key": f"{trade_type}:{region}:{project}",
            "trade_type": trade_type, "method": "open", "region_code": region, "funding_source": "财政资金",
            "state_funded": True, "budget": budget, "starting_price": start, "price": price,
            "announced_on": day - timedelta(days=25), "awarded_on": day, "awarded_month": day.strftime("%Y-%m"),
            "contracted_on": day + timedelta(days=12), "created_at": NOW,
        }


def prepare(folder: str):
    """The database with LOTS deals, analysed; returns the app."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "KEK": os.urandom(32).hex()},
                     instance_path=folder)  # a fresh key-encryption key: the folder lives for one run
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            downgrade(revision="base")
        upgrade()
        started = time.perf_counter()
        batch = []
        with db.engine.begin() as conn:
            for row in deals(LOTS):
                batch.append(row)
                if len(batch) == BATCH:
                    conn.execute(sa.insert(Deal.__table__), batch)
                    batch = []
            if batch:
                conn.execute(sa.insert(Deal.__table__), batch)
        print(f"{LOTS} deals inserted in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        refresh_cells(db.session)  # as the services do when they write deals
        db.session.commit()
        print(f"rollup refreshed in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE" if db.engine.dialect.name == "sqlite" else "VACUUM ANALYZE deal, deal_cell"))
    return app


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def run(folder: str) -> None:
    """Build everything in ``folder``, measure, print the JSON line."""
    app = prepare(folder)
    with app.app_context():
        session = db.session
        run_report = lambda: statistics.report(session, statistics.Filters())  # noqa: E731
        run_floor = lambda: session.execute(FLOOR).one()  # noqa: E731
        report, floor = run_report(), run_floor()  # warm the cache
        report_times, floor_times = [], []
        for _ in range(REPEAT):
            for times, call in ((report_times, run_report), (floor_times, run_floor)):
                seconds, _ = timed(call)
                times.append(seconds)
                session.rollback()
        print(f"report {[round(t, 3) for t in report_times]} s, floor {[round(t, 3) for t in floor_times]} s",
              file=sys.stderr)
        savings = report.savings["savings_rate"]
        assert report.totals.lots == LOTS and savings.count == floor[0], (report.totals, floor)
        assert abs(report.totals.budget - Decimal(str(floor[1]))) < 1, (report.totals.budget, floor[1])
        assert abs(report.totals.budget_awards - Decimal(str(floor[2]))) < 1, (report.totals.budget_awards, floor[2])
        rows = len(report.by_trade_type) + len(report.by_month) + len(report.by_region)
        dialect = db.engine.dialect.name
    report_s, floor_s = stats.median(report_times), stats.median(floor_times)
    print(json.dumps({"lots": LOTS, "report_s": round(report_s, 3), "floor_s": round(floor_s, 3),
                      "ratio": round(report_s / floor_s, 2), "breakdown_rows": rows,
                      "savings_rate": savings.text, "database": dialect}))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:  # nothing is left behind (the opening's bids are 1 GiB)
        run(folder)


if __name__ == "__main__":
    main()
