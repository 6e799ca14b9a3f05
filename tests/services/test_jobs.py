"""Background jobs: the clock step and the opening run the same code inline (`make run`) and through RQ (`make serve`),
commit what they did, and a second run (two schedulers, a retried job) changes nothing."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.services.test_chronograph import announced_lots
from trading import jobs
from trading.extensions import db
from trading.models import AuditEntry, Lot

TEST_REDIS_URL = "redis://127.0.0.1:6379/1"  # apart from `make serve`'s database 0


def closes(app) -> int:
    """How many lots the chronograph closed at their deadline (one audit entry each), read in a fresh session."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEntry.seq))
                                 .where(AuditEntry.action == "lot.close_bidding"))


def lot_past_its_deadline(app, tmp_path) -> int:
    """An announced construction lot without bids, the clock moved to its bid deadline; its id."""
    with app.app_context():
        _, (lot,) = announced_lots(db.session, tmp_path, ["construction"])
        app.extensions["trading"].clock.move_to(lot.bid_deadline)
        return lot.id


def state_of(app, lot_id: int) -> str:
    with app.app_context():
        return db.session.get(Lot, lot_id).state


def test_the_clock_step_job_runs_inline_in_the_one_process_set_up_and_commits(app, tmp_path):
    lot_id = lot_past_its_deadline(app, tmp_path)
    ctx = app.extensions["trading"]
    assert app.config["JOBS"] == "inline" and ctx.jobs.mode == "inline"
    with app.app_context():
        assert ctx.jobs.enqueue(jobs.clock_step) is None  # done already, in this process
    # closed at the deadline and, without bids, failed unopened (流标); committed: a fresh session sees it
    assert state_of(app, lot_id) == "failed" and closes(app) == 1
    with app.app_context():
        step = jobs.clock_step()
    assert step.moved == [] and closes(app) == 1  # the second step changes nothing


def test_a_failing_job_leaves_nothing_half_done(app, tmp_path, monkeypatch):
    lot_id = lot_past_its_deadline(app, tmp_path)
    from trading.services import experts

    def broken(session, now):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(experts, "lift_expired_suspensions", broken)  # fails after the lot moved, before the commit
    with app.app_context(), pytest.raises(RuntimeError):
        jobs.clock_step()
    assert state_of(app, lot_id) == "announced" and closes(app) == 0


def test_the_worker_and_scheduler_refuse_to_start_in_inline_mode(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "TRADING_JOBS=rq" in result.output


@pytest.fixture
def rq_app(make_app):
    """An app whose jobs go to RQ, on a queue of its own; skipped (with the reason) without Redis, except in CI."""
    import redis

    app = make_app(JOBS="rq", REDIS_URL=TEST_REDIS_URL, JOBS_QUEUE=f"test-{uuid.uuid4().hex}")
    queue = app.extensions["trading"].jobs
    try:
        queue.redis.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs Redis at {TEST_REDIS_URL}: {error}")
        pytest.skip(f"needs Redis at {TEST_REDIS_URL} (redis-server): {error}")
    yield app
    queue.queue().delete(delete_jobs=True)


def test_a_clock_step_enqueued_on_rq_waits_for_a_worker_which_does_the_step_once(rq_app, tmp_path):
    from rq import SimpleWorker

    lot_id = lot_past_its_deadline(rq_app, tmp_path)
    queue = rq_app.extensions["trading"].jobs
    with rq_app.app_context():
        job = queue.enqueue(jobs.clock_step)
        second = queue.enqueue(jobs.clock_step)  # two schedulers' steps, say
    assert job.get_status() == "queued" and state_of(rq_app, lot_id) == "announced"  # nothing ran here
    with rq_app.app_context():
        assert SimpleWorker([queue.queue()], connection=queue.redis).work(burst=True)
    job.refresh()
    second.refresh()
    assert job.get_status() == "finished" and second.get_status() == "finished"
    assert [(m.lot_id, m.to_state) for m in job.return_value().moved] == [(lot_id, "opening"), (lot_id, "failed")]
    assert second.return_value().moved == []
    assert state_of(rq_app, lot_id) == "failed" and closes(rq_app) == 1


def test_flask_jobs_worker_runs_the_queued_step_in_a_fork_with_the_app(rq_app, tmp_path):
    """The worker of `make serve`: each job in a fork of the ``flask jobs worker`` process, in its app context."""
    lot_id = lot_past_its_deadline(rq_app, tmp_path)
    queue = rq_app.extensions["trading"].jobs
    with rq_app.app_context():
        job = queue.enqueue(jobs.clock_step)
    result = rq_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    job.refresh()
    assert job.get_status() == "finished", job.latest_result()
    assert state_of(rq_app, lot_id) == "failed" and closes(rq_app) == 1


def released_by_two_holders(app) -> tuple[int, object]:
    """The demo construction lot with three sealed bids, past its deadline, both needed holders' shares released
    through the opening page; (lot id, a follower's client)."""
    from tests.web.test_opening import client_for, prepare
    from trading.simulate import demo

    with app.app_context():
        demo.load(db.session, FIXED_NOW)
        db.session.commit()
    lot_id = prepare(app)
    for holder in ("staff", "supervisor"):
        client_for(app, holder).post(f"/lots/{lot_id}/opening/release", data={"passphrase": demo.DEMO_KEY_PASSPHRASE})
    return lot_id, client_for(app, "bidder1")


def records(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(AuditEntry.action == "opening.record"))


def test_the_last_release_enqueues_the_opening_which_a_worker_does_once_while_the_page_waits(rq_app):
    from rq import SimpleWorker

    from tests.services.test_opening import PRICES

    lot_id, follower = released_by_two_holders(rq_app)
    data = follower.get(f"/lots/{lot_id}/opening.json").json
    assert all(s["released"] for s in data["shares"][:2]) and data["entries"] == []  # queued, not yet open
    assert data["progress"] == {"done": 0, "total": None}  # the page says the opening waits for its job
    assert "等待开标任务开始" in follower.get(f"/lots/{lot_id}/opening").get_data(as_text=True)
    queue = rq_app.extensions["trading"].jobs
    queued = [queue.queue().fetch_job(job_id) for job_id in queue.queue().job_ids]
    assert [job.func_name for job in queued] == ["trading.jobs.open_lot"] * 2  # one per release
    with rq_app.app_context():
        SimpleWorker([queue.queue()], connection=queue.redis).work(burst=True)
    assert [job.return_value() for job in queued] == [True, False]  # the first opened; the second found them open
    data = follower.get(f"/lots/{lot_id}/opening.json").json
    assert [e["price"] for e in data["entries"]] == PRICES and data["progress"] is None
    with rq_app.app_context():
        from trading.models import Lot
        from trading.services import opening

        name = opening.progress_name(db.session.get(Lot, lot_id))
    assert queue.reported(name) == {"done": 3, "total": 3}  # what the worker told the pages as it went
    assert records(rq_app) == 1


def test_an_opening_whose_job_was_lost_is_done_by_the_next_clock_step(rq_app):
    from tests.services.test_opening import PRICES

    lot_id, follower = released_by_two_holders(rq_app)
    rq_app.extensions["trading"].jobs.queue().empty()  # the jobs are gone (a worker died, Redis was restarted)
    with rq_app.app_context():
        assert jobs.clock_step().lots_opened == 1
        assert jobs.clock_step().lots_opened == 0
    assert [e["price"] for e in follower.get(f"/lots/{lot_id}/opening.json").json["entries"]] == PRICES
    assert records(rq_app) == 1
