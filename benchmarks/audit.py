"""Audit chain throughput: append N entries (one transaction per 100) and verify the whole chain.

Prints progress, then one JSON line: entries, append_per_s, verify_s, verify_per_s, database.
Uses a throw-away SQLite file unless DATABASE_URL points elsewhere (its schema is rebuilt: use a test database).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import downgrade, upgrade

from trading import create_app
from trading.extensions import db
from trading.services import audit

ENTRIES = int(os.environ.get("BENCH_ENTRIES", "20000"))


def run(folder: str) -> None:
    """Build everything in ``folder``, measure, print the JSON line."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "KEK": os.urandom(32).hex()},
                     instance_path=folder)  # a fresh key-encryption key: the folder lives for one run
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            downgrade(revision="base")
        upgrade()
        start = datetime(2026, 3, 2, tzinfo=UTC)
        began = time.perf_counter()
        for i in range(ENTRIES):
            audit.record(db.session, "bench", start + timedelta(seconds=i), "bench.step", object_type="lot",
                         object_id=i % 97, payload={"i": i, "note": "开标记录", "amount": "1234.56"})
            if i % 100 == 99:
                db.session.commit()
        db.session.commit()
        append_s = time.perf_counter() - began
        print(f"appended {ENTRIES} entries in {append_s:.2f} s", file=sys.stderr)
        began = time.perf_counter()
        verdict = audit.verify(db.session)
        verify_s = time.perf_counter() - began
        assert verdict.ok, verdict
        dialect = db.engine.dialect.name
    print(json.dumps({"entries": ENTRIES, "append_per_s": round(ENTRIES / append_s),
                      "verify_s": round(verify_s, 3), "verify_per_s": round(ENTRIES / verify_s),
                      "database": dialect}))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:  # nothing is left behind (the opening's bids are 1 GiB)
        run(folder)


if __name__ == "__main__":
    main()
