"""Fixtures: one database per test session (SQLite file, or PostgreSQL from DATABASE_URL), built by
the real migrations; every test gets a fresh app and empty tables, with a fixed clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import jinja2
import pytest
import sqlalchemy as sa

from trading import create_app
from trading.clock import FixedClock
from trading.extensions import db

FIXED_NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 Beijing time
TEST_KEK = "7e" * 32  # the fixed key-encryption key of every test app (production reads TRADING_KEK[_FILE])


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql"))


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """scrypt and Argon2id at a low cost, and key files written without fsync: the same code paths, a fraction of
    the time."""
    from trading import keyring
    from trading.domain.sealing import holderkeys
    from trading.services import accounts

    accounts.PASSWORD_METHOD = "scrypt:1024:8:1"
    holderkeys.SCRYPT_N = 2**10
    keyring.DURABLE = False
    holderkeys.ARGON2_TIME_COST, holderkeys.ARGON2_MEMORY_KIB, holderkeys.ARGON2_PARALLELISM = 1, 64, 1


MEMORY = "/dev/shm"  # tmpfs on Linux: the test databases, instance folders and blobs never wait for a disk
_OWN_TEMP = "trading-tests-"
_MEMORY_TEMP = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """Put the run's temporary folders (pytest's ``basetemp``: each worker's SQLite database, instance folders and
    blobs) in memory where the OS has a tmpfs, unless ``--basetemp`` was given; removed when the run ends, and
    those of runs that died are removed by the next. Workers inherit the controller's folder (pytest-xdist)."""
    import shutil
    import tempfile

    if hasattr(config, "workerinput") or config.option.basetemp or not os.access(MEMORY, os.W_OK):
        return
    for stale in os.scandir(MEMORY):
        pid = stale.name.removeprefix(_OWN_TEMP).split("-")[0]
        if stale.name.startswith(_OWN_TEMP) and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale.path, ignore_errors=True)
    config.option.basetemp = tempfile.mkdtemp(prefix=f"{_OWN_TEMP}{os.getpid()}-", dir=MEMORY)
    config.stash[_MEMORY_TEMP] = config.option.basetemp


def pytest_unconfigure(config):
    import shutil

    if _MEMORY_TEMP in config.stash:
        shutil.rmtree(config.stash[_MEMORY_TEMP], ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _share_url_builders() -> None:
    """Test-speed device: every test builds its own app, and werkzeug writes and compiles a Python function per URL
    rule to build its URLs (two per rule, some 750 rules: 0.2 s of each test's set-up). The function depends only
    on the rule's text, its parsed parts and its defaults, and is bound to each rule when used, so the test apps
    share them. The app itself is built as production builds it."""
    from werkzeug.routing.rules import Rule

    compile_builder, builders = Rule._compile_builder, {}

    def shared(rule, append_unknown=True):
        key = (rule.rule, rule.subdomain, rule.host, tuple(rule._trace), append_unknown,
               tuple(sorted((name, repr(value)) for name, value in (rule.defaults or {}).items())))
        if key not in builders:
            builders[key] = compile_builder(rule, append_unknown)
        return builders[key]

    Rule._compile_builder = shared


_share_url_builders()


class _TemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept in memory, by template and source checksum (Jinja checks the checksum on load)."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def _share_compiled_templates() -> None:
    """Test-speed device: each test app has its own Jinja environment, which compiled every template it rendered
    again (parsing, generating and compiling Python: some 40 ms for a page and its base). The test apps, built with
    the same template options, share the compiled code through Jinja's bytecode cache (keyed by the template and
    checked against its source)."""
    from flask import Flask

    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _TemplateCode()}


def _share_engines() -> None:
    """Test-speed device: SQLAlchemy keeps each statement's compiled SQL in its engine, and each test app made its
    own engine, so every test compiled again every statement its pages and services ran. Test apps with the same
    database and engine options share one engine (its pool is still emptied after each test, by ``make_app``)."""
    from flask_sqlalchemy import SQLAlchemy

    make_engine, engines = SQLAlchemy._make_engine, {}

    def shared(self, bind_key, options, app):
        key = (bind_key, sa.engine.make_url(options["url"]).render_as_string(hide_password=False),
               repr(sorted((name, value) for name, value in options.items() if name != "url")))
        if key not in engines:
            engines[key] = make_engine(self, bind_key, options, app)
        return engines[key]

    SQLAlchemy._make_engine = shared


_share_compiled_templates()
_share_engines()


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database beside the one named (``test`` becomes
    ``test_gw0``, ...), created on first use; SQLite files are per worker already (each has its own tmp_path)."""
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # a commit does not wait for the WAL to reach the disk (the tests' data need not survive a crash)
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """The test database, migrated to the latest schema once per session (per worker under pytest-xdist)."""
    url = os.environ.get("DATABASE_URL") or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    if _is_postgres(url) and worker_id != "master":
        url = _worker_database(url, worker_id)
    app = create_app(_config(url), instance_path=str(tmp_path_factory.mktemp("instance")))
    with app.app_context():
        if _is_postgres(app.config["SQLALCHEMY_DATABASE_URI"]):
            with db.engine.begin() as conn:  # each run starts from an empty schema
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _config(url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "KEK": TEST_KEK,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "CLOCK": "real",
        **extra,
    }


def _empty_tables() -> None:
    """Delete every row, restart the id sequences and restore the one-row tables as the migration leaves them.

    Rows are deleted, not truncated: PostgreSQL's TRUNCATE of some fifty tables costs a new file per table (0.1–0.8 s
    per test), a DELETE of the few rows a test leaves about 10 ms. A transaction rolled back after each test would be
    cheaper still, but the tests commit through the real services, from several threads and processes, and check
    what those commits leave."""
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(c.oid, 1, false) FROM pg_class c "
                                 "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"))
        conn.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64})
        conn.execute(sa.text("INSERT INTO clock_setting (id, offset_us) VALUES (1, 0)"))


ONE_ROW_TABLES = ("audit_head", "clock_setting")  # the migration leaves one row in each


@pytest.fixture(scope="session")
def demo_people_rows(database_url, cheap_password_hashing, tmp_path_factory):
    """Test-speed device: the demo's organisations, users, bank accounts and key holders, as ``demo.load`` writes
    them on an empty database at FIXED_NOW (the real function, once per worker), then given back to every later call
    of ``demo.load`` that would write the same (an empty database, FIXED_NOW, the demo actor) as those rows, in the
    caller's session and transaction: some 1,500 tests start from the demo's people, and writing them through the
    services (each user's password hash, key enrolment and audit entries) took a third of the suite's time. Any other
    call runs the real function."""
    from trading.simulate import demo as demo_data

    real_load = demo_data.load
    app = create_app(_config(database_url), instance_path=str(tmp_path_factory.mktemp("people") / "instance"))
    with app.app_context():
        assert _empty(db.session), "the demo's people are taken from an empty database"
        report = real_load(db.session, FIXED_NOW)
        db.session.commit()
        with db.engine.connect() as conn:
            rows = {table.name: [dict(row._mapping) for row in conn.execute(
                sa.select(table).order_by(*table.primary_key.columns))] for table in db.metadata.sorted_tables}
        db.session.remove()
        _empty_tables()
        db.engine.dispose()

    def load(session, now, actor="demo"):
        if now != FIXED_NOW or actor != "demo" or not _empty(session):
            return real_load(session, now, actor)
        _put_back(session.connection(), rows, ("audit_head",))  # the clock stays as the test set it
        return list(report)

    demo_data.load = load
    yield rows
    demo_data.load = real_load


def _empty(session) -> bool:
    """Nothing written yet but the one-row tables as the migration leaves them (the audit chain at its start)."""
    if session.execute(sa.text("SELECT seq FROM audit_head")).scalar() != 0:
        return False
    return all(session.execute(sa.select(1).select_from(table).limit(1)).first() is None
               for table in db.metadata.sorted_tables if table.name not in ONE_ROW_TABLES)


def _put_back(conn, rows, one_row: tuple[str, ...]) -> None:
    """Write snapshot ``rows`` (per table) into emptied tables: the one-row tables named in ``one_row`` take the
    snapshot's row, the others keep theirs; on PostgreSQL each id sequence moves past the ids put back."""
    for table in db.metadata.sorted_tables:
        if table.name in ONE_ROW_TABLES:
            if table.name in one_row:
                conn.execute(table.update(), rows[table.name][0])
        elif rows[table.name]:
            conn.execute(table.insert(), rows[table.name])
    if conn.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and rows[table.name] and isinstance(table.c.id.type, sa.Integer):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"(SELECT max(id) FROM {table.name}))"))


@pytest.fixture
def make_app(database_url, demo_people_rows, tmp_path):
    """Build an app on the test database with extra config; tables are emptied afterwards."""
    apps = []

    def factory(**extra):
        app = create_app(_config(database_url, **extra), instance_path=str(tmp_path / "instance"))
        if extra.get("CLOCK") != "simulated":
            app.extensions["trading"].clock = FixedClock(FIXED_NOW)
        apps.append(app)
        return app

    yield factory
    if apps:
        with apps[0].app_context():
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


@pytest.fixture(scope="session")
def demo_snapshot(database_url, tmp_path_factory):
    """The README's demo, loaded once per worker by the real command (`flask demo`) at the fixed clock: the folder
    it wrote (keys, blobs) and the rows of every table. ``restore_demo`` puts it back for a test in a fraction of the
    command's time (tests/web/test_cli.py runs the command itself)."""
    folder = tmp_path_factory.mktemp("demo") / "instance"
    app = create_app(_config(database_url), instance_path=str(folder))
    app.extensions["trading"].clock = FixedClock(FIXED_NOW)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            rows = {table.name: [dict(row._mapping) for row in conn.execute(
                sa.select(table).order_by(*table.primary_key.columns))] for table in db.metadata.sorted_tables}
        _empty_tables()
        db.engine.dispose()
    return folder, rows, result.output


@pytest.fixture
def restore_demo(make_app, demo_snapshot, tmp_path):
    """Build an app (extra config as ``make_app``) holding the README's demo as `flask demo` leaves it at the fixed
    clock: its instance folder copied first (the keys are read when the app is built), then its rows."""
    import shutil

    folder, rows, _ = demo_snapshot

    def factory(**extra):
        shutil.copytree(folder, tmp_path / "instance", dirs_exist_ok=True)
        app = make_app(**extra)
        with app.app_context(), db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # rows of a table that refers to itself (bank sub-accounts) go in
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))  # as they are: no FK triggers
            for table in db.metadata.sorted_tables:
                if table.name not in ONE_ROW_TABLES:
                    conn.execute(table.delete())
            _put_back(conn, rows, ONE_ROW_TABLES)
        return app

    return factory


@pytest.fixture
def app(make_app):
    """The app with a fixed clock at FIXED_NOW and CSRF off (one test turns it on)."""
    return make_app()


@pytest.fixture
def session(app):
    """The database session inside an app context."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def ctx(app, session):
    """The app's platform context (keyring, rules, clock, blob store, ...), inside the ``session`` fixture's app
    context: what services take first."""
    return app.extensions["trading"]


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo organisations and users (every role), committed."""
    from trading.simulate import demo as demo_data

    with app.app_context():
        demo_data.load(db.session, FIXED_NOW)
        db.session.commit()
    return demo_data


@pytest.fixture
def postgres(app):
    """Skip (with the reason printed) unless the suite runs on PostgreSQL; in CI it must."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            if os.environ.get("CI") == "true" and os.environ.get("DATABASE_URL", "").startswith("postgres"):
                pytest.fail("CI's PostgreSQL pass is not running on PostgreSQL")
            pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test")
    return app


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3 emulator (moto in server mode) on a free port, for the S3 blob store; skipped (with the reason)
    where moto is not installed, except in CI, where it must run."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("needs moto (pip install -r requirements.txt): the S3 blob store is not tested")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_config(s3_endpoint, monkeypatch) -> dict:
    """The configuration of an app on the S3 blob store: a fresh bucket on the emulator, credentials in the
    standard AWS environment variables (as production sets them)."""
    import secrets

    import boto3

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    bucket = f"blobs-{secrets.token_hex(6)}"
    boto3.session.Session().client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=bucket)
    return {"BLOB_URL": f"s3://{bucket}/trading", "S3_ENDPOINT_URL": s3_endpoint}


def login(client, username: str, password: str = "demo2026"):
    """Log a test client in through the login form."""
    return client.post("/auth/login", data={"username": username, "password": password})


@pytest.fixture
def production_set(tmp_path, monkeypatch):
    """The production set (`make serve`: gunicorn, the RQ worker and the scheduler, on PostgreSQL and Redis) on a
    database, job queue, instance folder and port of its own, the demo loaded: (an app with the same settings, for
    reading the database, the base address). Skipped without PostgreSQL or Redis, except in CI's PostgreSQL pass."""
    import socket

    import redis

    from trading import create_app, serve

    url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("TRADING_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(redis_url).ping()
        reachable = url.startswith("postgres")
    except redis.RedisError:
        reachable = False
    if not reachable:
        if os.environ.get("CI") == "true" and url.startswith("postgres"):
            pytest.fail("CI's PostgreSQL pass must run the tests of the production set")
        pytest.skip("the production set needs PostgreSQL (DATABASE_URL) and Redis (TRADING_REDIS_URL)")
    base = sa.engine.make_url(url)
    name = f"{base.database}_serve_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = serve.trial_environment(str(tmp_path / "serve-instance"), base.set(database=name).render_as_string(
        hide_password=False), redis_url, f"127.0.0.1:{port}")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = create_app()  # the same settings as the production set's processes
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "3份投标，专家已抽取" in result.output, result.output
    running = serve.Running(env, str(tmp_path / "serve.log"))
    try:
        yield app, running.wait_until_up()
    finally:
        running.stop()
        with app.app_context():
            from trading.extensions import db

            db.engine.dispose()
