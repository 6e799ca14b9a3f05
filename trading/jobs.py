"""Background jobs: the work that runs outside a request, and where it runs.

``TRADING_JOBS=inline`` (the default: `make run`, tests): a job runs at once, in the process and app context that
asks for it. ``TRADING_JOBS=rq`` (`make serve`): it goes on the RQ queue ``TRADING_JOBS_QUEUE`` in Redis
(``TRADING_REDIS_URL``), where ``flask jobs worker`` runs it; ``flask jobs scheduler`` enqueues the clock step every
``TRADING_CLOCK_STEP_SECONDS``. Either way the same job function runs: it takes the app context it is in (or builds
one with the factory, once per process), runs one service and commits.

Ask for a job with ``ctx.jobs.enqueue(jobs.clock_step)`` *after* the request's commit: the job works in its own
transaction and must see what the request wrote. Every job is idempotent, so one run twice (enqueued by two
schedulers, or retried after its worker died) changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import click
from flask.cli import AppGroup

LOG_FORMAT = "%(asctime)s %(message)s"


@dataclass
class JobQueue:
    """Where jobs run: ``mode`` "inline" (here and now) or "rq" (the queue ``queue_name`` in Redis at ``redis_url``);
    the platform context holds one (``ctx.jobs``)."""

    mode: str = "inline"
    redis_url: str = "redis://127.0.0.1:6379/0"
    queue_name: str = "trading"
    _redis: Any = field(default=None, repr=False)
    _reports: dict = field(default_factory=dict, repr=False)  # inline: the progress notes of this process

    REPORT_SECONDS = 3600  # how long a progress note is kept (a job that died leaves its last one)

    @property
    def redis(self):
        """The Redis connection (made on first use, so inline mode never needs Redis)."""
        if self._redis is None:
            from redis import Redis

            self._redis = Redis.from_url(self.redis_url)
        return self._redis

    def queue(self):
        """The RQ queue of this platform's jobs."""
        from rq import Queue

        return Queue(self.queue_name, connection=self.redis)

    def report(self, name: str, data: dict) -> None:
        """Note how far a running job is, under ``name``, for the pages that follow it (in Redis under rq, so any
        web process reads it; in this process when inline). A note that cannot be written is skipped: progress is
        for show, the job goes on."""
        if self.mode == "inline":
            self._reports[name] = data
            return
        from redis import RedisError

        try:
            self.redis.set(f"{self.queue_name}:report:{name}", json.dumps(data), ex=self.REPORT_SECONDS)
        except RedisError:
            pass

    def reported(self, name: str) -> dict | None:
        """The last progress note under ``name``, if any."""
        if self.mode == "inline":
            return self._reports.get(name)
        from redis import RedisError

        try:
            raw = self.redis.get(f"{self.queue_name}:report:{name}")
        except RedisError:
            return None
        return json.loads(raw) if raw else None

    def enqueue(self, func: Callable, *args, **options):
        """Run ``func(*args)`` as a job: at once (inline; returns None, the job done) or on the queue (returns the RQ
        job; ``options`` are RQ's: ``job_id``, ``retry``, ``job_timeout``, ...)."""
        if self.mode == "inline":
            func(*args)
            return None
        return self.queue().enqueue(func, *args, **options)


_factory_app = None


@contextmanager
def app_context():
    """The current app context, or else one of an app the factory builds once per process (an RQ worker started
    without ``flask``), whose session is removed afterwards."""
    from flask import current_app, has_app_context

    if has_app_context():
        yield current_app._get_current_object()
        return
    global _factory_app
    if _factory_app is None:
        from . import create_app

        _factory_app = create_app()
    from .extensions import db

    with _factory_app.app_context():
        try:
            yield _factory_app
        finally:
            db.session.remove()


@contextmanager
def committed():
    """The database session of the job: committed at the end, rolled back if the job fails."""
    from .extensions import db

    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def clock_step():
    """One step of time at the platform's now (``chronograph.run``: transitions, ended suspensions, draws moved
    on), committed; returns what it did."""
    from .platform import current_platform
    from .services import chronograph

    with app_context():
        ctx = current_platform()
        with committed() as session:
            return chronograph.run(ctx, session, ctx.now())


def open_lot(lot_id: int) -> bool:
    """Open the lot's bids if k shares are in and they are not open yet (``opening.open_if_ready``), committed;
    enqueued after each release of a share. True if this run opened them."""
    from .models import Lot
    from .platform import current_platform
    from .services import opening

    with app_context():
        ctx = current_platform()
        with committed() as session:
            lot = session.get(Lot, lot_id)
            return lot is not None and opening.open_if_ready(ctx, session, ctx.now(), lot)


OPENING_RETRIES = {"max": 3, "interval": [10, 30, 60]}  # a job that died is retried; the clock step catches up too


def enqueue_opening(ctx, lot_id: int):
    """After a release is committed: the opening job of the lot (inline: done at once; rq: retried if it dies)."""
    options = {}
    if ctx.jobs.mode == "rq":
        from rq import Retry

        options["retry"] = Retry(**OPENING_RETRIES)
    return ctx.jobs.enqueue(open_lot, lot_id, **options)


def send_messages() -> int:
    """Send the outbox's queued messages (``outbox.send_due``: SMS and e-mail to reporters), committed; returns how
    many the gateway accepted. Enqueued after a commit that queued one; the clock step sends what it missed."""
    from .platform import current_platform
    from .services import outbox

    with app_context():
        ctx = current_platform()
        with committed() as session:
            return outbox.send_due(ctx, session, ctx.now())


MESSAGE_RETRIES = {"max": 3, "interval": [10, 60, 300]}


def enqueue_messages(ctx):
    """After a commit that queued a message: the sending job (inline: sent at once; rq: retried if it dies). A queue
    that cannot be reached loses nothing: the message waits in the outbox for the clock step."""
    options = {}
    if ctx.jobs.mode == "rq":
        from redis import RedisError
        from rq import Retry

        options["retry"] = Retry(**MESSAGE_RETRIES)
        try:
            return ctx.jobs.enqueue(send_messages, **options)
        except RedisError:
            return None
    return ctx.jobs.enqueue(send_messages)


def run_worker(jobs: JobQueue, burst: bool = False) -> None:
    """Run the queue's jobs until stopped (SIGTERM or Ctrl-C: the job under way finishes first); each job in a fork
    of this process, which holds the app context. It also puts the jobs to retry back on the queue when due."""
    from rq import Worker

    from .extensions import db

    db.engine.dispose()  # no connection of this process is carried into the forks
    Worker([jobs.queue()], connection=jobs.redis).work(burst=burst, log_format=LOG_FORMAT, with_scheduler=True)


def run_scheduler(jobs: JobQueue, every: int) -> None:
    """Enqueue the clock step now and every ``every`` seconds until stopped (RQ's CronScheduler). A step left in the
    queue longer than that is dropped: the next one does the same."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=jobs.redis)
    scheduler.register(clock_step, queue_name=jobs.queue_name, interval=every, ttl=every, result_ttl=10 * every,
                       name="clock_step")
    scheduler.start()


jobs_group = AppGroup("jobs", help="The background jobs of `make serve` (TRADING_JOBS=rq): worker and scheduler.")


def _rq_jobs() -> JobQueue:
    from .platform import current_platform

    jobs = current_platform().jobs
    if jobs.mode != "rq":
        raise click.ClickException("TRADING_JOBS is 'inline' (jobs run in the process that asks): set TRADING_JOBS=rq")
    return jobs


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run the queued jobs (the clock step, ...) until stopped."""
    run_worker(_rq_jobs(), burst=burst)


@jobs_group.command("scheduler")
def scheduler_command() -> None:
    """Enqueue the clock step every TRADING_CLOCK_STEP_SECONDS until stopped."""
    from flask import current_app

    run_scheduler(_rq_jobs(), int(current_app.config["CLOCK_STEP_SECONDS"]))
