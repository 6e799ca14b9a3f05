"""A deadline rush against the production set (`make serve`: gunicorn + PostgreSQL + Redis + the RQ worker and
scheduler), started and stopped by this script on a database, Redis queue, instance folder and port of its own.

Set-up (not timed): BENCH_CLIENTS (50) bidder companies are registered, sign up to one construction lot, pay their
deposits through the simulated bank, get signing certificates and API tokens, each through the services; then
BENCH_UPLOADS (1,000) envelopes of 100 KiB – 2 MiB (random documents, a distinct price each) are sealed to files.
The simulated clock is set so that the lot's deadline is BENCH_LEAD_S (65) seconds away.

The rush: each client uploads its envelopes through ``POST /api/lots/<id>/bids`` with its token, one at a time (a
bidder's second concurrent upload is refused by design), at times drawn uniformly from the last BENCH_WINDOW_S (60)
seconds before the deadline to 3 seconds after it (an upload starts when its time comes or when the previous one
ends), while two staff sessions poll the lot page and the work list. Then the clock step closes the bidding, two key
holders release their shares and the opening job (on the production set's worker) opens the bids.

Checks: every receipted upload has its row; the last receipted upload of each bidder is its one standing bid and
opens at the opening with its own price (``lost`` counts those that do not); no bidder has two standing bids
(``duplicates``); every acceptance was judged at or before the deadline and every late refusal after it
(``misjudged``); ``errors`` counts answers that are neither a receipt nor a late refusal. Prints progress to stderr
and, as its last line, one JSON object: uploads, accepted, refused_late, errors, lost, duplicates, misjudged, p50_ms,
p99_ms, max_ms, clients, polls, poll_p99_ms, mib, rush_s.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
UPLOADS = int(os.environ.get("BENCH_UPLOADS", "1000"))
WINDOW_S = float(os.environ.get("BENCH_WINDOW_S", "60"))
LEAD_S = float(os.environ.get("BENCH_LEAD_S", "65"))
AFTER_S = 3.0  # uploads scheduled up to this long after the deadline (to be refused)
MIN_SIZE, MAX_SIZE = 100 * 1024, 2 * 1024 * 1024
DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/rush")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
BASE_PRICE = Decimal("30000000.00")


def log(text: str) -> None:
    print(f"rush: {text}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_database() -> None:
    import sqlalchemy as sa

    url = sa.engine.make_url(DATABASE)
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    engine.dispose()


def prepare(work: Path) -> dict:
    """The lot, the bidders with their tokens and the sealed envelopes (files); returns the plan."""
    import io

    from flask_migrate import upgrade

    from trading import create_app
    from trading.bank import service as bank
    from trading.domain import pki
    from trading.domain.sealing import envelope
    from trading.extensions import db
    from trading.platform import current_platform
    from trading.services import accounts, api_tokens, deposits, keys, pledges, registrations
    from trading.simulate import demo, lots as walk

    app = create_app()
    plan = {"clients": []}
    with app.app_context():
        upgrade()
        ctx = current_platform()
        session = db.session
        start = datetime.now(UTC).replace(microsecond=0)
        demo.load(session, start)
        people = walk.cast(session)
        lot = walk.create(ctx, session, people, start, "construction")
        walk.advance(ctx, session, people, start, lot, "announced")
        session.commit()
        day = start + timedelta(days=1)
        lot_key = keys.opening_key_of(session, lot).public_key
        folder = work / "envelopes"
        folder.mkdir()
        rng = random.Random(2026)
        per_client = [UPLOADS // CLIENTS + (1 if i < UPLOADS % CLIENTS else 0) for i in range(CLIENTS)]
        for number in range(1, CLIENTS + 1):
            code = demo.credit_code("91", "421202", f"RT{number:06d}")
            org = accounts.create_organisation(session, "rush", day, name=f"咸宁压测建设第{number}工程有限公司",
                                               org_type="bidder", credit_code=code, region_code="421202")
            bank.open_account(session, org, day, demo.DEMO_BALANCE)
            user = accounts.create_user(session, "rush", day, username=f"rush{number:02d}",
                                        display_name=f"压测{number}", organisation_id=org.id, roles=("bidder",),
                                        password=demo.DEMO_PASSWORD)
            registrations.sign_up(session, user, day, lot, pledge=pledges.accepted(session, lot, user))
            deposit = deposits.deposit_of(session, lot, org.id)
            deposits.pay(session, user, day, target_number=deposit.sub_account.number,
                         amount=f"{deposit.required:.2f}", memo="投标保证金")
            key_file, pem = keys.issue_certificate(ctx, session, user, day, "keypass2026")
            signer = pki.load_private_key(key_file, "keypass2026")
            _, token = api_tokens.issue(session, user, day, name="rush", scopes=["bids"], days=365)
            session.commit()
            envelopes = []
            for k in range(per_client[number - 1]):
                price = BASE_PRICE + number * 1000 + k
                path = folder / f"{number:02d}-{k:02d}.envelope"
                document = io.BytesIO(rng.randbytes(rng.randint(MIN_SIZE, MAX_SIZE)))
                with open(path, "wb") as out:
                    envelope.seal(out, lot_code=lot.deal_code, bidder_code=code, lot_public_key=lot_key,
                                  price_form={"price": f"{price:.2f}", "duration": "300日历天"},
                                  files=[("技术标.pdf", document)], signer=signer, certificate_pem=pem)
                envelopes.append({"path": str(path), "price": f"{price:.2f}", "size": path.stat().st_size})
            plan["clients"].append({"user_id": user.id, "org_id": org.id, "token": token, "envelopes": envelopes})
            if number % 10 == 0:
                log(f"set-up: {number} bidders, their envelopes sealed")
        plan["lot_id"], plan["deadline"] = lot.id, lot.bid_deadline
        db.engine.dispose()
    return plan


def set_clock(deadline: datetime, lead_s: float) -> float:
    """Move the simulated clock so that the deadline is ``lead_s`` seconds away; returns the offset in seconds."""
    import sqlalchemy as sa

    offset = (deadline - timedelta(seconds=lead_s)) - datetime.now(UTC)
    engine = sa.create_engine(DATABASE)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE clock_setting SET offset_us = :us WHERE id = 1"),
                     {"us": int(offset.total_seconds() * 1e6)})
    engine.dispose()
    return offset.total_seconds()


def upload(port: int, lot_id: int, token: str, path: str, size: int) -> tuple[int, dict]:
    """One upload on a connection of its own, as the bidder tool makes it. A server that refuses before reading the
    whole body (a late upload) may close the connection while the body is still being sent: its answer is read
    all the same."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        with open(path, "rb") as body:
            try:
                conn.request("POST", f"/api/lots/{lot_id}/bids", body=body,
                             headers={"Content-Type": "application/octet-stream", "Content-Length": str(size),
                                      "Authorization": f"Bearer {token}"})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the answer, if any, is waiting
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def client(port: int, plan: dict, spec: dict, times: list[float], results: list) -> None:
    """One bidder's uploads, each at its time (real, epoch seconds) or when the previous one ends."""
    for item, at in zip(spec["envelopes"], times, strict=True):
        pause = at - time.time()
        if pause > 0:
            time.sleep(pause)
        began = time.time()
        try:
            status, body = upload(port, plan["lot_id"], spec["token"], item["path"], item["size"])
        except (OSError, http.client.HTTPException, ValueError) as error:
            status, body = 0, {"error": repr(error)}
        results.append({"org_id": spec["org_id"], "price": item["price"], "size": item["size"], "began": began,
                        "ended": time.time(), "status": status, "body": body})


def staff_poller(port: int, lot_id: int, stop: threading.Event, latencies: list) -> None:
    """A staff member logged in, reloading the lot page and the work list every second."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/auth/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "staff", "password": "demo2026", "csrf_token": token})
    conn.request("POST", "/auth/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                            "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    while not stop.is_set():
        for path in (f"/lots/{lot_id}", "/work"):
            began = time.time()
            conn.request("GET", path, headers={"Cookie": cookie})
            reply = conn.getresponse()
            reply.read()
            latencies.append((time.time() - began, reply.status))
        stop.wait(1.0)
    conn.close()


def open_the_bids(plan: dict) -> None:
    """After the deadline: the clock step closes the bidding, two key holders release their shares (committed),
    and the opening job runs on the production set's worker; waits until the bids are open."""
    from trading import create_app, jobs
    from trading.extensions import db
    from trading.models import Lot
    from trading.platform import current_platform
    from trading.services import chronograph, opening
    from trading.simulate import demo, lots as walk

    app = create_app()
    with app.app_context():
        ctx = current_platform()
        chronograph.run(ctx, db.session, ctx.now())
        db.session.commit()
        lot = db.session.get(Lot, plan["lot_id"])
        people = walk.cast(db.session)
        for holder in (people.staff, people.supervisor):
            opening.release_share(ctx, db.session, holder, ctx.now(), lot, demo.DEMO_KEY_PASSPHRASE,
                                  open_at_once=False)
            db.session.commit()
        jobs.enqueue_opening(ctx, lot.id)
        end = time.monotonic() + 600
        while time.monotonic() < end:
            db.session.expire_all()
            if opening.is_opened(db.session, lot):
                break
            time.sleep(1)
        else:
            raise SystemExit("rush: the opening job did not open the bids within 10 minutes")
        db.engine.dispose()


def check(plan: dict, results: list) -> dict:
    """Compare what the clients were told with what the database holds and what the opening read."""
    import sqlalchemy as sa

    from trading import create_app
    from trading.extensions import db
    from trading.models import Bid, OpeningEntry

    deadline = plan["deadline"]
    app = create_app()
    with app.app_context():
        rows = {b.receipt.get("receipt_id"): b for b in db.session.scalars(sa.select(Bid)
                                                                          .where(Bid.lot_id == plan["lot_id"]))}
        standing = db.session.execute(sa.select(Bid.bidder_id, sa.func.count()).where(
            Bid.lot_id == plan["lot_id"], Bid.status == "submitted").group_by(Bid.bidder_id)).all()
        entries = {e.bid_id: e for e in db.session.scalars(sa.select(OpeningEntry)
                                                          .where(OpeningEntry.lot_id == plan["lot_id"]))}
        accepted = [r for r in results if r["status"] == 201]
        late = [r for r in results if r["status"] == 422 and r["body"].get("field") == "bid_deadline"]
        lost = sum(1 for r in accepted if r["body"]["receipt"]["receipt_id"] not in rows)
        last: dict[int, dict] = {}
        for r in accepted:
            if r["org_id"] not in last or r["body"]["receipt"]["audit_seq"] > last[r["org_id"]]["body"]["receipt"][
                    "audit_seq"]:
                last[r["org_id"]] = r
        for r in last.values():
            bid = rows.get(r["body"]["receipt"]["receipt_id"])
            entry = entries.get(bid.id) if bid is not None else None
            if bid is None or bid.status != "submitted" or entry is None or entry.status != "opened" \
                    or entry.price != Decimal(r["price"]):
                lost += 1
        misjudged = sum(1 for r in accepted
                        if datetime.fromisoformat(r["body"]["receipt"]["received_at"].replace("Z", "+00:00"))
                        > deadline)
        offset = plan["offset_s"]
        misjudged += sum(1 for r in late if datetime.fromtimestamp(r["ended"] + offset, UTC) < deadline)
        db.engine.dispose()
    return {"accepted": len(accepted), "refused_late": len(late), "errors": len(results) - len(accepted) - len(late),
            "lost": lost, "duplicates": sum(1 for _, n in standing if n > 1), "misjudged": misjudged}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    from trading import serve

    work = Path(tempfile.mkdtemp(prefix="rush-"))
    port = free_port()
    os.environ.update(serve.trial_environment(str(work / "instance"), DATABASE, REDIS, f"127.0.0.1:{port}"))
    server = None
    try:
        fresh_database()
        began = time.time()
        plan = prepare(work)
        log(f"set-up done in {time.time() - began:.0f} s; starting the production set on port {port}")
        server = serve.Running(dict(os.environ), str(work / "serve.log"))
        server.wait_until_up()
        plan["offset_s"] = set_clock(plan["deadline"], LEAD_S)
        deadline_real = plan["deadline"].timestamp() - plan["offset_s"]
        rng = random.Random(7)
        results: list = []
        threads = []
        for spec in plan["clients"]:
            times = sorted(rng.uniform(deadline_real - WINDOW_S, deadline_real + AFTER_S) for _ in spec["envelopes"])
            threads.append(threading.Thread(target=client, args=(port, plan, spec, times, results)))
        stop, polls = threading.Event(), []
        pollers = [threading.Thread(target=staff_poller, args=(port, plan["lot_id"], stop, polls)) for _ in range(2)]
        for thread in pollers + threads:
            thread.start()
        log(f"{len(threads)} clients upload {UPLOADS} envelopes in the last {WINDOW_S:.0f} s before the deadline")
        rush_began = time.time()
        for thread in threads:
            thread.join()
        rush_s = time.time() - rush_began
        stop.set()
        for thread in pollers:
            thread.join()
        log(f"rush over in {rush_s:.0f} s; opening the bids")
        time.sleep(max(0.0, deadline_real + 1 - time.time()))
        open_the_bids(plan)
        figures = check(plan, results)
        if os.environ.get("BENCH_VERBOSE"):
            for r in results:
                if r["status"] != 201:
                    log(f"{r['status']} {r['body']}")
            for r in sorted(results, key=lambda r: r["began"] - r["ended"])[:15]:
                log(f"slow: {(r['ended'] - r['began']) * 1000:.0f} ms, {r['size'] / 2**20:.1f} MiB, began "
                    f"{r['began'] - deadline_real:+.1f} s from the deadline, {r['status']}")
        latencies = [(r["ended"] - r["began"]) * 1000 for r in results]
        poll_ms = [seconds * 1000 for seconds, status in polls]
        bad_polls = sum(1 for _, status in polls if status != 200)
        figures = {"uploads": len(results), **figures, "p50_ms": round(percentile(latencies, 0.50)),
                   "p90_ms": round(percentile(latencies, 0.90)),
                   "p99_ms": round(percentile(latencies, 0.99)), "max_ms": round(max(latencies, default=0)),
                   "clients": len(threads), "polls": len(polls), "polls_failed": bad_polls,
                   "poll_p99_ms": round(percentile(poll_ms, 0.99)),
                   "mib": round(sum(r["size"] for r in results) / 2**20), "rush_s": round(rush_s, 1)}
        print(json.dumps(figures))
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
