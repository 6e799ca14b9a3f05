"""Expert draw through the service and the database: `services.draws.create` (loading the requested specialties'
experts, recusal against the lot's tenderee and signed-up bidders, the supply check, the commitment and its audit
entry) plus ranking and selection (the call-down replayed with every expert accepting), on a pool of 100,000
experts in SQLite (or in DATABASE_URL's database, whose schema is rebuilt: use a test database; PostgreSQL's
statistics are gathered after the pool is loaded, as autovacuum would before any real draw).

Each repetition runs in a transaction that is rolled back, so every draw sees the same pool. Prints progress to
stderr and, as its last line, one JSON object with p50_ms, p95_ms, load_p50_ms (the pool's queries alone), experts.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from trading import create_app
from trading.domain import drawing, specialties
from trading.extensions import db
from trading.models import Expert, ExpertSpecialty, Lot, Registration, User
from trading.platform import current_platform
from trading.services import draws, experts
from trading.simulate import demo, lots as walk

POOL = int(os.environ.get("BENCH_EXPERTS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def build(folder: str) -> tuple:
    """A migrated database: demo accounts, an announced construction lot, six signed-up bidders, the pool.
    Returns (app, lot id, staff user id, the three best-supplied specialty codes)."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "KEK": os.urandom(32).hex()},
                     instance_path=folder)  # a fresh key-encryption key: the folder lives for one run
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            downgrade(revision="base")
        upgrade()
        demo.load(db.session, NOW)
        people = walk.cast(db.session)
        ctx = current_platform()
        lot = walk.create(ctx, db.session, people, NOW, "construction")
        walk.advance(ctx, db.session, people, NOW, lot, "announced")
        walk.sign_up(db.session, people, NOW, lot, 6)
        db.session.commit()
        leaves = [s.code for s in specialties.load().entries if s.level == 3][:60]
        rng = random.Random(7)
        bidders = [b.organisation_id for b in people.bidders]
        rows, links = [], []
        for index in range(1, POOL + 1):
            rows.append({"id": index, "name": f"专家{index}", "id_number": f"{index:018d}", "mobile": "13800000000",
                         "title": "高级工程师", "years": 10, "region_code": "420100",
                         "employer_id": rng.choice(bidders) if rng.random() < 0.01 else None, "employer_name": "",
                         "status": "active", "draws": 0, "accepted": 0, "declines": 0, "no_answers": 0,
                         "rating_sum": 0, "rating_count": 0, "created_at": NOW})
            for code in rng.sample(leaves, rng.randint(1, 3)):
                links.append({"expert_id": index, "code": code})
        started = time.perf_counter()
        db.session.execute(sa.insert(Expert.__table__), rows)
        db.session.execute(sa.insert(ExpertSpecialty.__table__), links)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum does within a minute of a bulk load
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("ANALYZE"))
        print(f"pool of {POOL} experts inserted in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        per_code = sa.select(ExpertSpecialty.code, sa.func.count()).group_by(ExpertSpecialty.code)
        counts = dict(db.session.execute(per_code).all())
        wanted = sorted(counts, key=counts.get, reverse=True)[:3]
        return app, lot.id, people.staff.id, wanted


def run(folder: str) -> None:
    """Build everything in ``folder``, measure, print the JSON line."""
    app, lot_id, staff_id, codes = build(folder)
    request = [(codes[0], 3, 1), (codes[1], 2, 1), (codes[2], 2, 0)]
    timings, loads = [], []
    with app.app_context():
        for _ in range(RUNS):
            lot = db.session.get(Lot, lot_id)
            bidder_ids = set(db.session.scalars(sa.select(Registration.bidder_id).where(Registration.lot_id == lot.id)))
            screen = drawing.screen(drawing.Request(lot.deal_code, tuple(request), False, NOW, "-", 30, "-"),
                                    tenderee_id=lot.project.tenderee_id, bidder_ids=bidder_ids,
                                    tenderee_region=lot.project.region_code, now=NOW)
            started = time.perf_counter()
            experts.for_draw(db.session, codes, screen)
            loads.append(time.perf_counter() - started)
            db.session.rollback()
            lot = db.session.get(Lot, lot_id)
            staff = db.session.get(User, staff_id)
            started = time.perf_counter()
            draw = draws.create(current_platform(), db.session, staff, NOW, lot, wanted=request,
                                exclude_same_region=False, evaluation_at=NOW + timedelta(days=25), place="评标室")
            seed = drawing.seed(os.urandom(32), draw.inputs_hash, os.urandom(64))
            ranking = drawing.rank(seed, draw.snapshot)
            outcomes, at = [], NOW
            plan = draws.request_of(draw)
            while (following := drawing.next_to_call(ranking, plan, outcomes)) is not None:
                at += timedelta(seconds=30)
                outcomes.append(drawing.CallOutcome(following[1], following[0], "accepted", at))
            drawing.seat(ranking, plan, outcomes)
            timings.append(time.perf_counter() - started)
            db.session.rollback()
    timings.sort()
    result = {"experts": POOL, "runs": RUNS, "p50_ms": round(statistics.median(timings) * 1000, 2),
              "p95_ms": round(timings[int(0.95 * (len(timings) - 1))] * 1000, 2),
              "load_p50_ms": round(statistics.median(loads) * 1000, 2),
              "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite", "target_ms": 100}
    print(json.dumps(result))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:  # nothing is left behind (the opening's bids are 1 GiB)
        run(folder)


if __name__ == "__main__":
    main()
