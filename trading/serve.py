"""`make serve`: the production set in the foreground. ``python -m trading.serve`` starts gunicorn (the web:
``TRADING_SERVE_WORKERS`` processes of ``TRADING_SERVE_THREADS`` threads on ``TRADING_SERVE_BIND``), one RQ worker
(``flask jobs worker``) and the scheduler of the clock step (``flask jobs scheduler``), and stops all three
together on Ctrl-C or SIGTERM, or as soon as one of them ends. ``python -m trading.serve create-database`` creates
the PostgreSQL database of ``DATABASE_URL`` if it is missing (`make serve` runs it before the migrations).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from . import ROOT

GRACE_SECONDS = 30  # how long each part may take to finish its requests or job before it is killed


def commands(config) -> dict[str, list[str]]:
    """The command line of each part, by name."""
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    return {
        "web": [sys.executable, "-m", "gunicorn", "--worker-class", "gthread",
                "--workers", str(config["SERVE_WORKERS"]), "--threads", str(config["SERVE_THREADS"]),
                "--bind", config["SERVE_BIND"], "--graceful-timeout", "20", "--no-control-socket",
                "--access-logfile", "-", "app:app"],
        "worker": [*flask, "jobs", "worker"],
        "scheduler": [*flask, "jobs", "scheduler"],
    }


def supervise(parts: dict[str, list[str]]) -> int:
    """Run the parts until a signal or until one ends; then stop the others (SIGTERM, SIGKILL after the grace
    period). Returns the exit status: 0 when stopped by a signal, else that of the part that ended."""
    stop = []
    previous = {signum: signal.signal(signum, lambda number, frame: stop.append(number))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    # Each part in its own session: Ctrl-C reaches this process only, which stops the parts one way, in order.
    running: dict[str, subprocess.Popen] = {}
    status = 0
    try:
        for name, argv in parts.items():
            running[name] = subprocess.Popen(argv, cwd=ROOT, start_new_session=True)
        while not stop:
            ended = [(name, proc.returncode) for name, proc in running.items() if proc.poll() is not None]
            if ended:
                name, status = ended[0]
                print(f"serve: {name} ended (exit {status}); stopping the others", file=sys.stderr, flush=True)
                status = status or 1
                break
            time.sleep(0.5)
    finally:
        for proc in running.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for proc in running.values():
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status


def create_database(url: str) -> bool:
    """Create the PostgreSQL database that ``url`` names if it does not exist; True if it was created (SQLite:
    nothing to do)."""
    import sqlalchemy as sa

    target = sa.engine.make_url(url)
    if not target.drivername.startswith("postgresql"):
        return False
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
                return False
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
            return True
    finally:
        engine.dispose()


def main(argv: list[str]) -> int:
    """``create-database``, or start and supervise the production set."""
    from . import create_app

    app = create_app()  # refuses to start here, once, without a KEK or with a bad setting
    if argv[:1] == ["create-database"]:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if create_database(url):
            print(f"serve: created the database {sa_url(url)}")
        return 0
    config = app.config
    if config["JOBS"] != "rq":
        print("serve: TRADING_JOBS must be 'rq' (the worker and the scheduler run the jobs)", file=sys.stderr)
        return 2
    try:
        app.extensions["trading"].jobs.redis.ping()
    except Exception as error:  # redis.ConnectionError and kin: say what to start, not a traceback
        print(f"serve: Redis is not reachable at {config['REDIS_URL']} ({error}): start it, or set TRADING_REDIS_URL",
              file=sys.stderr)
        return 2
    print(f"serve: http://{config['SERVE_BIND']} ({config['SERVE_WORKERS']} workers x {config['SERVE_THREADS']} "
          f"threads), database {sa_url(config['SQLALCHEMY_DATABASE_URI'])}, jobs on {config['REDIS_URL']}; "
          "Ctrl-C stops everything", flush=True)
    return supervise(commands(config))


def trial_environment(instance: str, database_url: str, redis_url: str, bind: str) -> dict[str, str]:
    """The settings of a production set of its own beside any other on this machine (the rush benchmark and the
    browser walkthrough use one): its instance folder, a fresh key-encryption key, its database, its own job queue
    on the Redis server, its address; the simulated clock and server-kept holder keys of a training centre, and
    cookies over plain http."""
    import os
    import secrets

    return {**os.environ, "DATABASE_URL": database_url, "TRADING_INSTANCE_PATH": instance,
            "TRADING_KEK": secrets.token_hex(32), "TRADING_CLOCK": "simulated", "TRADING_JOBS": "rq",
            "TRADING_REDIS_URL": redis_url, "TRADING_RATELIMIT_STORAGE_URI": redis_url,
            "TRADING_JOBS_QUEUE": f"trial-{secrets.token_hex(4)}", "TRADING_SERVE_BIND": bind,
            "TRADING_BLOB_DIR": f"{instance}/blobs", "TRADING_SESSION_COOKIE_SECURE": "false",
            "TRADING_REMEMBER_COOKIE_SECURE": "false", "TRADING_SERVER_KEPT_HOLDER_KEYS": "true",
            "PYTHONUNBUFFERED": "1"}


class Running:
    """A production set started in the background (``python -m trading.serve`` with ``env``), its output in
    ``log_path``; ``stop()`` ends it as Ctrl-C would."""

    def __init__(self, env: dict[str, str], log_path: str):
        self.log = open(log_path, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "trading.serve"], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.base = "http://" + env["TRADING_SERVE_BIND"]

    def wait_until_up(self, limit_s: float = 120) -> str:
        """Wait until the login page answers; returns the base address."""
        import http.client

        host, _, port = self.base.removeprefix("http://").partition(":")
        end = time.monotonic() + limit_s
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"the production set ended (exit {self.process.returncode}); see {self.log.name}")
            try:
                conn = http.client.HTTPConnection(host, int(port), timeout=5)
                conn.request("GET", "/auth/login")
                if conn.getresponse().status == 200:
                    return self.base
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the production set did not answer within {limit_s:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        import os

        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=GRACE_SECONDS + 10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def sa_url(url: str) -> str:
    """A database URL without its password, to print."""
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
