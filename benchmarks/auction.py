"""Many bidders offering at once on a land listing while watchers follow the price board, against the production set
(`make serve`: gunicorn + PostgreSQL + Redis + the RQ worker and scheduler), started and stopped by this script on a
database, Redis queue, instance folder and port of its own.

Set-up (not timed): the demo's land parcel announced BENCH_DAYS_AGO (25) days ago so that its listing is under way,
BENCH_BIDDERS (200) bidder companies registered, signed up, their 竞买保证金 paid through the simulated bank and their
paddle numbers issued, each through the services; BENCH_WATCHERS (200) staff sessions logged in to watch.

The run: for BENCH_SECONDS (60) every bidder, on a connection of its own, reads the board (``board.json``) and
offers its next valid amount (``POST /lots/<id>/offers``, answered in JSON), again and again; many offers race for
the same amount, so most are refused (off the grid above the new highest, or the bidder already holds the highest).
Meanwhile every watcher follows the board as the lot page does (BENCH_WATCH=live, the default): the board's live
channel (``/lots/<id>/board/live``, Server-Sent Events), whose events carry the newest accepted offer (board.json
is read first and after a ``reset``); or (BENCH_WATCH=poll)
polls ``board.json`` every BENCH_POLL_S (0.5) seconds. Each notes when it first sees each offer. A live watcher
has its page, board.json and stream open before the bidders start (as a page is open before a listing's busy
minute): what is measured is how fast a watcher already following sees an offer, not how long 200 pages take to
open while 200 bidders offer (opened at the same second, the first offers' figures were seconds, all of it the
pages' own opening behind the offers). The watchers run
in BENCH_WATCHER_PROCESSES (4) processes of their own, as browsers are apart from the bidders' programs: a watcher's
"seen" time is when its thread read the event's line, so it still includes the wait for its own process's
interpreter lock behind the other watchers of that process and the machine's cores shared with the server (all on
the same two cores), but no longer the queue behind the 200 bidder threads of this process; BENCH_WATCHER_PROCESSES=0
runs them as threads of this process, as the first measurements did. The phase measured
is the listing (挂牌): its offers take the same path (the lot's row lock, the per-lot sequence, the grid) as the
online bidding's, whose countdown would only add waiting.

Checks, from the database afterwards: ``lost`` counts offers a bidder was told were accepted that are not in the
final sequence with that amount; ``misordered`` accepted offers not above the one before by at least one increment;
``below_grid`` accepted offers off the grid (starting price + n x increment); ``gaps`` holes in the per-lot
sequence. ``board_p50_ms``/``board_p99_ms``: from an offer's acceptance to the moment a watcher first saw it, over
every (offer, watcher) pair; the acceptance is the moment its event entered the board's channel, after the commit
that accepted it (the Redis stream id's milliseconds, on this machine's clock, as the watchers' times are; polling
watchers have no event, so for them the received time is used and polling adds half the poll interval on average).
``arrival_board_p50_ms``/``arrival_board_p99_ms``: the same from the offer's arrival (its received time on the
server, before it waited for the lot's row lock behind the other racing offers); ``offer_p50_ms``/``offer_p99_ms``:
a bidder's offer request from sending to the answer.
Prints progress to stderr and, as its last line, one JSON object; BENCH_DUMP=<file> also writes every (offer seq,
watcher, delay ms, published at) to that file as JSON, for looking into the tail.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import re
import shutil
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

from benchmarks.rush import REDIS, free_port, percentile  # noqa: E402

BIDDERS = int(os.environ.get("BENCH_BIDDERS", "200"))
WATCHERS = int(os.environ.get("BENCH_WATCHERS", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
POLL_S = float(os.environ.get("BENCH_POLL_S", "0.5"))
WATCH = os.environ.get("BENCH_WATCH", "live")  # live: follow the board's live channel as the page does; poll
DAYS_AGO = int(os.environ.get("BENCH_DAYS_AGO", "25"))
DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/auction")
LOGINS = threading.Semaphore(int(os.environ.get("BENCH_LOGIN_CONCURRENCY", "8")))  # logins at a time, before the run
# The watchers run in this many processes of their own (as browsers do), apart from the bidders' threads; 0: as
# threads of this process, sharing its interpreter lock with the 200 bidders (their "seen" times then include it).
WATCHER_PROCESSES = int(os.environ.get("BENCH_WATCHER_PROCESSES", "4"))


def log(text: str) -> None:
    print(f"auction: {text}", file=sys.stderr, flush=True)


def fresh_database() -> None:
    import sqlalchemy as sa

    url = sa.engine.make_url(DATABASE)
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    engine.dispose()


def prepare() -> dict:
    """The land parcel in its listing with BIDDERS qualified bidder companies; returns the plan."""
    from flask_migrate import upgrade

    from trading import create_app
    from trading.bank import service as bank
    from trading.extensions import db
    from trading.platform import current_platform
    from trading.services import accounts, auctions, chronograph, deposits, pledges, registrations
    from trading.simulate import demo, lots as walk

    app = create_app()
    with app.app_context():
        upgrade()
        ctx, session = current_platform(), db.session
        now = datetime.now(UTC).replace(microsecond=0)
        then = now - timedelta(days=DAYS_AGO)
        demo.load(session, then)
        people = walk.cast(session)
        lot = walk.create(ctx, session, people, then, "land")
        walk.advance(ctx, session, people, then, lot, "announced")
        session.commit()
        users = []
        for number in range(1, BIDDERS + 1):
            org = accounts.create_organisation(session, "bench", then, name=f"咸宁竞买压测第{number}置业有限公司",
                                               org_type="bidder", region_code="421202",
                                               credit_code=demo.credit_code("91", "421202", f"AU{number:06d}"))
            bank.open_account(session, org, then, demo.DEMO_BALANCE)
            user = accounts.create_user(session, "bench", then, username=f"auction{number:03d}",
                                        display_name=f"竞买{number}", organisation_id=org.id, roles=("bidder",),
                                        password=demo.DEMO_PASSWORD)
            registrations.sign_up(session, user, then, lot, pledge=pledges.accepted(session, lot, user))
            deposit = deposits.deposit_of(session, lot, org.id)
            deposits.pay(session, user, then, target_number=deposit.sub_account.number,
                         amount=f"{deposit.required:.2f}", memo="竞买保证金")
            auctions.qualify(ctx, session, user, then, lot)
            session.commit()
            users.append(user.username)
            if number % 50 == 0:
                log(f"set-up: {number} bidders qualified")
        chronograph.tick(ctx, session, now)
        session.commit()
        assert lot.state == "listing", lot.state
        plan = {"lot_id": lot.id, "users": users, "start": str(lot.starting_price), "step": str(lot.increment)}
        db.engine.dispose()
    return plan


class Session:
    """A logged-in browser session: its cookie and a CSRF token, on a kept-alive connection that is opened again
    when the server closes it."""

    def __init__(self, port: int, username: str):
        self.port, self.cookie = port, ""
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        with LOGINS:
            page = self.page("/auth/login")
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
            form = urllib.parse.urlencode({"username": username, "password": "demo2026", "csrf_token": token})
            self._send("POST", "/auth/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        self.token = token

    def _send(self, method: str, path: str, body: str | None, headers: dict) -> tuple[int, bytes]:
        """One request (again on a new connection if the kept-alive one was closed); keeps the session cookie."""
        headers = {**headers, **({"Cookie": self.cookie} if self.cookie else {})}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";")[0]
        return response.status, data

    def page(self, path: str) -> str:
        return self._send("GET", path, None, {})[1].decode()

    def json(self, path: str) -> dict:
        return json.loads(self._send("GET", path, None, {"Accept": "application/json"})[1])

    def post_json(self, path: str, fields: dict) -> tuple[int, dict]:
        body = urllib.parse.urlencode({**fields, "csrf_token": self.token})
        status, data = self._send("POST", path, body, {"Accept": "application/json",
                                                       "Content-Type": "application/x-www-form-urlencoded"})
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {}


def bidder(port: int, lot_id: int, username: str, race: dict, answers: list, errors: list) -> None:
    """Log in, wait for the start, then read the board and offer the next valid amount until the end."""
    try:
        me = Session(port, username)
        page = me.page(f"/lots/{lot_id}")
        found = re.search(r'id="offer-form">\s*<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page, re.S)
        me.token = found.group(1) if found else me.token
    except Exception as error:
        errors.append(repr(error))
        return
    finally:
        race["ready"].release()
    race["go"].wait()
    try:
        while time.time() < race["until"]:
            board = me.json(f"/lots/{lot_id}/board.json")
            sent = time.perf_counter()
            status, body = me.post_json(f"/lots/{lot_id}/offers", {"amount": board["next_minimum"]})
            race["offer_ms"].append((time.perf_counter() - sent) * 1000)
            answers.append((status, body))
    except Exception as error:
        errors.append(repr(error))


def _stream(port: int, cookie: str, path: str):
    """The lines of a Server-Sent Events stream (its own connection), as the browser's EventSource reads them."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept": "text/event-stream"})
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"stream {path}: {response.status}")
    try:
        while True:
            line = response.fp.readline()
            if not line:
                return
            yield line.decode().rstrip("\n")
    finally:
        conn.close()


def watcher(port: int, lot_id: int, race: dict, seen: dict, errors: list, index: int) -> None:
    """Log in and open the lot page, then follow the board as the page does until the end: with WATCH "live" (the
    default), its live channel, each event carrying the newest accepted offer (board.json first and after a reset),
    the stream open before the bidders start, as a page is open before the listing's busy minute; with WATCH "poll",
    board.json every POLL_S seconds. Notes when each offer was first seen."""
    mine: dict[int, float] = {}
    published: dict[int, float] = {}  # offer seq -> when its event entered the channel (the Redis stream id's ms)
    lines = None

    def look() -> None:
        board = me.json(f"/lots/{lot_id}/board.json")
        at = time.time()
        for offer in board["offers"]:
            mine.setdefault(offer["seq"], at)

    try:
        me = Session(port, "staff")
        page = me.page(f"/lots/{lot_id}") if WATCH == "live" else ""
        found = re.search(r'data-live-url="([^"]+)"', page)
        if found:  # as js/board.js: board.json first, then the stream, from the page's ?after=
            look()
            lines = _stream(port, me.cookie, found.group(1).replace("&amp;", "&"))
            next(lines)  # the stream's first line ("retry: ..."): it is open
    except Exception as error:
        errors.append(repr(error))
        return
    finally:
        race["ready"].release()
    race["go"].wait()
    try:
        if lines is not None:  # each board event carries its offer; board.json again after a reset
            name, event_ms = None, None
            for line in lines:
                if line.startswith("id: "):
                    stamp = line[4:].split("-")[0]
                    event_ms = int(stamp) if stamp.isdigit() else None
                elif line.startswith("event: "):
                    name = line[7:]
                    if name != "board":
                        look()
                elif line.startswith("data: ") and name == "board":
                    offer = json.loads(line[6:]).get("offer")
                    if offer:
                        mine.setdefault(offer["seq"], time.time())
                        if event_ms is not None:
                            published.setdefault(offer["seq"], event_ms / 1000)
                if time.time() >= race["until"] + 2:
                    break
        else:
            while time.time() < race["until"] + 2:
                look()
                time.sleep(POLL_S)
    except Exception as error:
        errors.append(repr(error))
    finally:
        if lines is not None:
            lines.close()
    seen[index] = (mine, published)


def watcher_process(port: int, lot_id: int, indexes: list[int], ready, go, until, out) -> None:
    """Some of the watchers in a process of their own: log them in, say so, follow from the common start to the
    common end, and hand back what each saw."""
    race = {"ready": threading.Semaphore(0), "go": threading.Event(), "until": 0.0}
    seen: dict = {}
    errors: list = []
    threads = [threading.Thread(target=watcher, args=(port, lot_id, race, seen, errors, i)) for i in indexes]
    for thread in threads:
        thread.start()
    for _ in threads:
        race["ready"].acquire()
        ready.release()
    go.wait()
    race["until"] = until.value
    race["go"].set()
    for thread in threads:
        thread.join()
    out.put((seen, errors))


def check(plan: dict, answers: list, offset_s: float) -> tuple[dict, dict[int, float]]:
    """Compare the answers with the final sequence; returns the figures and each accepted offer's real time."""
    import sqlalchemy as sa

    from trading import create_app
    from trading.extensions import db
    from trading.models import Offer

    start, step = Decimal(plan["start"]), Decimal(plan["step"])
    app = create_app()
    with app.app_context():
        rows = db.session.scalars(sa.select(Offer).where(Offer.lot_id == plan["lot_id"]).order_by(Offer.seq)).all()
        accepted = [r for r in rows if r.accepted]
        by_seq = {r.seq: r for r in accepted}
        told = [body for status, body in answers if status == 201]
        lost = sum(1 for body in told if body["seq"] not in by_seq
                   or by_seq[body["seq"]].amount != Decimal(body["amount"]))
        misordered = sum(1 for a, b in zip(accepted, accepted[1:], strict=False) if b.amount - a.amount < step)
        below_grid = sum(1 for r in accepted if r.amount < start or (r.amount - start) % step)
        gaps = len(rows) and rows[-1].seq - len(rows)
        times = {r.seq: r.received_at.timestamp() - offset_s for r in accepted}
        db.engine.dispose()
    return ({"offers": len(answers), "accepted": len(told), "refused": sum(1 for s, _ in answers if s == 422),
             "errors": sum(1 for s, _ in answers if s not in (201, 422)), "stored": len(rows), "lost": lost,
             "misordered": misordered, "below_grid": below_grid, "gaps": gaps}, times)


def clock_offset() -> float:
    """The simulated clock's offset from real time, in seconds (the server's received times are on it)."""
    import sqlalchemy as sa

    engine = sa.create_engine(DATABASE)
    with engine.connect() as conn:
        offset = conn.scalar(sa.text("SELECT offset_us FROM clock_setting WHERE id = 1")) or 0
    engine.dispose()
    return offset / 1e6


def main() -> None:
    from trading import serve

    work = Path(tempfile.mkdtemp(prefix="auction-"))
    port = free_port()
    os.environ.update(serve.trial_environment(str(work / "instance"), DATABASE, REDIS, f"127.0.0.1:{port}"))
    server = None
    try:
        fresh_database()
        began = time.time()
        plan = prepare()
        log(f"set-up done in {time.time() - began:.0f} s; starting the production set on port {port}")
        server = serve.Running(dict(os.environ), str(work / "serve.log"))
        server.wait_until_up()
        answers, errors, seen = [], [], {}
        race = {"ready": threading.Semaphore(0), "go": threading.Event(), "until": 0.0, "offer_ms": []}
        spawn = multiprocessing.get_context("spawn")
        ready, go, until, out = spawn.Semaphore(0), spawn.Event(), spawn.Value("d", 0.0), spawn.Queue()
        shares = [list(range(WATCHERS))[n::WATCHER_PROCESSES] for n in range(WATCHER_PROCESSES)]
        processes = [spawn.Process(target=watcher_process, args=(port, plan["lot_id"], share, ready, go, until, out))
                     for share in shares if share]
        threads = [] if processes else [threading.Thread(target=watcher, args=(port, plan["lot_id"], race, seen,
                                                                                 errors, i)) for i in range(WATCHERS)]
        threads += [threading.Thread(target=bidder, args=(port, plan["lot_id"], name, race, answers, errors))
                    for name in plan["users"]]
        for process in processes:
            process.start()
        for thread in threads:
            thread.start()
        for _ in threads:  # everyone logs in first (password hashing is not what is measured)
            race["ready"].acquire()
        for _ in range(WATCHERS if processes else 0):
            ready.acquire()
        log(f"{len(plan['users'])} bidders offer for {SECONDS:.0f} s; {WATCHERS} watchers follow the board ({WATCH}"
            f"{f', in {len(processes)} processes' if processes else ', in this process'})")
        race["until"] = until.value = time.time() + SECONDS
        race["go"].set()
        go.set()
        for thread in threads:
            thread.join()
        for _ in processes:
            theirs, their_errors = out.get(timeout=SECONDS + 300)
            seen.update(theirs)
            errors += their_errors
        for process in processes:
            process.join()
        figures, accepted_at = check(plan, answers, clock_offset())
        arrival = [(first - accepted_at[seq]) * 1000 for mine, _ in seen.values() for seq, first in mine.items()
                   if seq in accepted_at]
        published = {seq: at for _, found in seen.values() for seq, at in found.items()}
        offer_ms = race["offer_ms"]
        delays = [(first - published[seq]) * 1000 for mine, _ in seen.values() for seq, first in mine.items()
                  if seq in published and seq in accepted_at] if WATCH == "live" else arrival
        if os.environ.get("BENCH_DUMP"):  # every (offer, watcher, delay) pair, for looking into the tail
            Path(os.environ["BENCH_DUMP"]).write_text(json.dumps(
                [[seq, index, round((first - published[seq]) * 1000, 1), published[seq]]
                 for index, (mine, _) in seen.items() for seq, first in mine.items()
                 if seq in published and seq in accepted_at]))
        if errors:
            log(f"{len(errors)} client errors, e.g. {errors[0]}")
        print(json.dumps({**figures, "board_p50_ms": round(percentile(delays, 0.50)),
                          "board_p99_ms": round(percentile(delays, 0.99)),
                          "arrival_board_p50_ms": round(percentile(arrival, 0.50)),
                          "arrival_board_p99_ms": round(percentile(arrival, 0.99)),
                          "offer_p50_ms": round(percentile(offer_ms, 0.50)),
                          "offer_p99_ms": round(percentile(offer_ms, 0.99)), "watchers": len(seen),
                          "bidders": len(plan["users"]), "client_errors": len(errors), "seconds": SECONDS}))
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
