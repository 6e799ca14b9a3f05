"""`make serve`'s supervisor (trading/serve.py): it starts the web, the worker and the scheduler, and Ctrl-C, or
one part ending, stops every part; it creates the PostgreSQL database it is pointed at."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid

import sqlalchemy as sa

from trading import serve

PART = """
import pathlib, signal, sys, time
folder = pathlib.Path(sys.argv[1])
def stopped(number, frame):
    (folder / sys.argv[2]).write_text("stopped by SIGTERM")
    sys.exit(0)
signal.signal(signal.SIGTERM, stopped)
(folder / (sys.argv[2] + ".ready")).touch()
while sys.argv[5] and not (folder / (sys.argv[5] + ".ready")).exists():
    time.sleep(0.05)
time.sleep(float(sys.argv[3]))
sys.exit(int(sys.argv[4]))
"""


def part(folder, name: str, seconds: float = 600, status: int = 0, after: str = "") -> list[str]:
    """A stand-in for gunicorn or a worker: it notes that SIGTERM stopped it, or exits by itself ``seconds`` after
    the part ``after`` is ready."""
    return [sys.executable, "-c", PART, str(folder), name, str(seconds), str(status), after]


def test_the_parts_are_gunicorn_with_threads_a_worker_and_the_scheduler(app):
    app.config.update(SERVE_WORKERS=3, SERVE_THREADS=5, SERVE_BIND="127.0.0.1:8123")
    parts = serve.commands(app.config)
    web = parts["web"]
    assert web[1:3] == ["-m", "gunicorn"] and web[-1] == "app:app"
    for option, value in (("--worker-class", "gthread"), ("--workers", "3"), ("--threads", "5"),
                          ("--bind", "127.0.0.1:8123")):
        assert web[web.index(option) + 1] == value
    assert parts["worker"][-2:] == ["jobs", "worker"] and parts["scheduler"][-2:] == ["jobs", "scheduler"]


def test_when_one_part_ends_the_others_are_stopped_and_its_status_returned(tmp_path):
    status = serve.supervise({"web": part(tmp_path, "web"),
                              "worker": part(tmp_path, "worker", seconds=0, status=3, after="web")})
    assert status == 3
    assert (tmp_path / "web").read_text() == "stopped by SIGTERM"


def test_ctrl_c_stops_every_part(tmp_path):
    parts = {name: part(tmp_path, name) for name in ("web", "worker", "scheduler")}
    script = f"import sys; from trading.serve import supervise; sys.exit(supervise({parts!r}))"
    supervisor = subprocess.Popen([sys.executable, "-c", script], cwd=serve.ROOT)
    try:
        while not all((tmp_path / f"{name}.ready").exists() for name in parts):
            assert supervisor.poll() is None, "the supervisor ended before its parts started"
            time.sleep(0.1)
        supervisor.send_signal(signal.SIGINT)  # what the terminal sends to the foreground process on Ctrl-C
        assert supervisor.wait(timeout=60) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert all((tmp_path / name).read_text() == "stopped by SIGTERM" for name in parts)


def test_make_serve_creates_its_postgresql_database_once(postgres):
    with postgres.app_context():
        from trading.extensions import db

        url = db.engine.url.set(database=f"serve_check_{uuid.uuid4().hex[:8]}")
    rendered = url.render_as_string(hide_password=False)
    try:
        assert serve.create_database(rendered) is True
        assert serve.create_database(rendered) is False  # there already
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT current_database()")) == url.database
        engine.dispose()
    finally:
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        admin.dispose()


def test_sqlite_needs_no_database_created(tmp_path):
    assert serve.create_database(f"sqlite:///{tmp_path}/trading.db") is False


def test_the_production_set_takes_a_token_upload_and_its_worker_opens_the_bids(production_set):
    """`make serve` as a centre runs it: a bidder's tool replaces its bid through gunicorn with an API token; after
    the deadline two holders release their shares and the opening job, on the set's own RQ worker, opens every bid
    once, the replacement with its new price."""
    import http.client
    import io
    import json
    import time

    from trading import jobs
    from trading.domain import pki
    from trading.domain.sealing import envelope
    from trading.extensions import db
    from trading.models import Lot, OpeningEntry, Project
    from trading.platform import current_platform
    from trading.services import api_tokens, keys, opening
    from trading.simulate import demo, lots as walk

    app, base = production_set
    with app.app_context():
        ctx = current_platform()
        lot = db.session.scalar(sa.select(Lot).join(Project).where(Project.name == "咸宁市永安大道东延线道路工程"))
        bidder = walk.cast(db.session).bidders[0]
        _, token = api_tokens.issue(db.session, bidder, ctx.now(), name="tool", scopes=["bids"], days=30)
        key_file, pem = keys.issue_certificate(ctx, db.session, bidder, ctx.now(), "keypass2026")
        sealed = io.BytesIO()
        envelope.seal(sealed, lot_code=lot.deal_code, bidder_code=bidder.organisation.credit_code,
                      lot_public_key=keys.opening_key_of(db.session, lot).public_key,
                      price_form={"price": "23990000.00", "duration": "280日历天"}, files=[],
                      signer=pki.load_private_key(key_file, "keypass2026"), certificate_pem=pem)
        db.session.commit()
        lot_id, bidder_org = lot.id, bidder.organisation_id
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request("POST", f"/api/lots/{lot_id}/bids", body=sealed.getvalue(),
                 headers={"Content-Type": "application/octet-stream", "Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    assert response.status == 201, response.read()
    assert json.loads(response.read())["receipt"]["kind"] == "submit"

    runner = app.test_cli_runner()
    assert runner.invoke(args=["clock", "advance", "--hours", "2"]).exit_code == 0  # past the deadline: opening
    with app.app_context():
        ctx = current_platform()
        lot = db.session.get(Lot, lot_id)
        people = walk.cast(db.session)
        for holder in (people.staff, people.supervisor):
            opening.release_share(ctx, db.session, holder, ctx.now(), lot, demo.DEMO_KEY_PASSPHRASE,
                                  open_at_once=False)
            db.session.commit()
            jobs.enqueue_opening(ctx, lot_id)  # as the release page does: the worker of the set opens them
        end = time.monotonic() + 90
        while not opening.is_opened(db.session, lot) and time.monotonic() < end:
            db.session.rollback()
            time.sleep(0.5)
        entries = db.session.scalars(sa.select(OpeningEntry).where(OpeningEntry.lot_id == lot_id)).all()
        assert sorted(e.status for e in entries) == ["opened"] * 3
        assert next(e.price_text for e in entries if e.bidder_id == bidder_org) == "23990000.00"
