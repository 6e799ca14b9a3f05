"""Configuration: defaults here, then ``instance/config.py``, then the environment.

Order of precedence (last wins): the defaults below; the instance folder's ``config.py``
(created on first start with a random ``SECRET_KEY``); ``TRADING_*`` environment variables
(``TRADING_CLOCK=simulated`` sets ``CLOCK``; values are parsed as JSON when they can be);
``DATABASE_URL``. Tests pass ``test_config`` instead of reading the instance file.

The key-encryption key (KEK) that wraps the platform's private keys never comes from the instance folder:
``TRADING_KEK`` (read as text, never as JSON), else ``TRADING_KEK_FILE``, else the file ``make run`` creates,
``~/.config/trading-platform/kek``, if it exists (trading/keyring.py). Tests pass ``KEK`` in ``test_config``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class Defaults:
    """Settings every deployment starts from."""

    SQLALCHEMY_DATABASE_URI = None  # filled in with instance/trading.db when not set
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # "real" reads UTC; "simulated" keeps an offset in the database that an admin advances.
    CLOCK = "real"

    # Background jobs (trading/jobs.py): "inline" runs each job at once in the process that asks for it (one process:
    # `make run`, tests); "rq" puts it on the RQ queue JOBS_QUEUE in Redis at REDIS_URL for `flask jobs worker`, and
    # `flask jobs scheduler` enqueues the clock step every CLOCK_STEP_SECONDS (`make serve`).
    JOBS = "inline"
    REDIS_URL = "redis://127.0.0.1:6379/0"
    JOBS_QUEUE = "trading"
    CLOCK_STEP_SECONDS = 60
    # The live channel (trading/live.py): pages that follow events (Server-Sent Events). LIVE "memory" (one process)
    # or "redis" (streams at REDIS_URL, shared by every process); None: "redis" when JOBS is "rq", else "memory".
    # LIVE_BACKLOG events per channel are kept for a browser that reconnects; an idle stream sends a keep-alive
    # comment every LIVE_KEEPALIVE_SECONDS and ends after LIVE_LIFETIME_SECONDS (the browser reconnects after
    # LIVE_RETRY_MS and carries on from its last event).
    LIVE = None
    LIVE_BACKLOG = 200
    LIVE_KEEPALIVE_SECONDS = 15
    LIVE_LIFETIME_SECONDS = 300
    LIVE_RETRY_MS = 3000
    # One reader per channel in each process, fanning its events out to that process's streams (live.Fanout): None
    # means on with "redis" (each watcher would otherwise make its own blocking XREAD), off in memory.
    LIVE_FANOUT = None
    # `make serve` (trading/serve.py): gunicorn's address, worker processes and threads per worker.
    SERVE_BIND = "127.0.0.1:8000"
    SERVE_WORKERS = 4
    SERVE_THREADS = 128  # an open live page (Server-Sent Events) holds one thread: README, "Live pages"

    # Open data (docs/OPEN_DATA.md): the prefix of every OCDS ocid. A centre registers its own with the Open
    # Contracting Partnership ("ocds-" and six characters); the default is this simulator's, registered by nobody.
    OCDS_OCID_PREFIX = "ocds-tpt000"

    # Key holders' keys: False (a real centre) means on the holders' own computers only (the server stores public
    # keys); True (training centres, on for `make run`) also lets a holder keep its key on the server, wrapped
    # under a separate key-holder passphrase with Argon2id. See docs/SECURITY.md, "Key holders".
    SERVER_KEPT_HOLDER_KEYS = False

    # Login throttling (rule auth.throttle; docs/SECURITY.md "Throttling"): failed logins count per client address
    # and login name (LOGIN_RATE_LIMIT), and per client address whatever the name (LOGIN_ADDRESS_RATE_LIMIT); the
    # web form and the bidder tool's API share the counts. No account is ever locked, so guesses from one address
    # never keep the user out from another. Limits are Flask-Limiter strings, several separated by ";".
    LOGIN_RATE_LIMIT = "5 per minute; 20 per hour; 100 per day"
    LOGIN_ADDRESS_RATE_LIMIT = "100 per hour"
    # Wrong second-factor codes of one user from every address (the typist knows the password already).
    SECOND_FACTOR_USER_RATE_LIMIT = "10 per hour"
    # The public report form (举报, rule report.throttle): reports saved per client address, and follow-up codes per
    # address that open no report.
    REPORT_RATE_LIMIT = "5 per hour; 20 per day"
    REPORT_LOOKUP_RATE_LIMIT = "20 per hour"
    # Where the counts live: memory:// for one process (development, tests, `make run`); several workers or servers
    # share one store, e.g. TRADING_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 (`make serve` sets it).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # the shared store down: count in memory, never a 500
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a refusal
    RATELIMIT_KEY_PREFIX = "trading"
    # The second factor (TOTP, docs/SECURITY.md "Second factor"): the name authenticator apps show, and the roles
    # that must turn it on before they can use the platform (e.g. ["supervisor", "staff"]; empty: nobody must).
    TOTP_ISSUER = "公共资源交易平台"
    REQUIRE_TOTP_FOR: list = []
    # Proxies in front of the app that set X-Forwarded-For/-Proto (0: none, the peer is the client). Throttling
    # and the audit log's addresses rely on it: behind a proxy left at 0 every client has the proxy's address.
    TRUSTED_PROXIES = 0

    # Session cookie flags. SECURE is on by default; `make run` serves plain http on the
    # loopback address and switches it off there (see the Makefile).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    WTF_CSRF_TIME_LIMIT = 8 * 3600

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    # Security headers (trading/web/headers.py, docs/SECURITY.md "Headers"): directives replacing the default
    # Content-Security-Policy's one by one ({"img-src": "'self' data: https://maps.example.cn"}; None drops one),
    # other headers replaced the same way, and the HSTS value sent when SESSION_COOKIE_SECURE is on.
    CONTENT_SECURITY_POLICY: dict = {}
    SECURITY_HEADERS: dict = {}
    HSTS = "max-age=31536000"

    # The blob store of sealed envelopes, filed documents and archives (trading/storage): the folder BLOB_DIR (None:
    # instance/blobs), or, for several machines sharing them, an S3-compatible bucket: BLOB_URL = "s3://bucket/prefix",
    # at S3_ENDPOINT_URL for a store other than AWS (MinIO, Ceph, a cloud's S3 service; path-style addressing).
    # Credentials and region come from the standard AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    # AWS_DEFAULT_REGION, or a profile or instance role), never from this file.
    BLOB_DIR = None
    BLOB_URL = None
    S3_ENDPOINT_URL = None

    # Annual interest paid on refunded deposits (the 活期 demand-deposit rate), actual days / 360.
    DEPOSIT_INTEREST_RATE = "0.0035"
    # The central bank's benchmark lending rate (中国人民银行同期贷款基准利率, one year: 4.35% since October 2015):
    # a procurement deposit refunded late also earns it plus procurement.late_refund_interest (87号令 Art. 38).
    CENTRAL_BANK_RATE = "0.0435"
    # Request sizes (bytes; docs/SECURITY.md, "Limits"). Every request is refused with 413 above
    # MAX_CONTENT_LENGTH, before its body is read; only the pages that take files raise it, for a logged-in
    # user: a filing document, a sealed bid (the upload page and the bidder tool's API), the bid the server
    # seals in memory, and the history and expert imports.
    MAX_CONTENT_LENGTH = 4 * 2**20
    MAX_ATTACHMENT_BYTES = 50 * 2**20
    MAX_ENVELOPE_BYTES = 2 * 2**30
    # Largest file of past deals, and of experts, imported (bytes): larger files are refused before they are
    # parsed, inside the request. 4 MiB of CSV holds about 34,000 deals, a large city centre's year; reading,
    # checking and storing them takes about 4 s of processor time (benchmarks/history_import.py; docs/STATISTICS.md,
    # "History and scenarios"). The command line takes the same setting.
    HISTORY_IMPORT_MAX_BYTES = 4 * 2**20
    EXPERT_IMPORT_MAX_BYTES = 4 * 2**20
    MAX_SEAL_BYTES = 64 * 2**20
    MAX_IMPORT_BYTES = 10 * 2**20  # the request that carries an import (the file itself: the two limits above)

    # How long the closed evaluation room stays open after the evaluation time (hours).
    EVALUATION_WINDOW_HOURS = 48

    # A centre may make legal numbers stricter: {"rule.id": value}. Looser is refused at start.
    RULE_OVERRIDES: dict = {}

    # The key-encryption key of instance/keys (see trading/keyring.py): the key itself (hex or base64 of
    # 32 bytes) or a file outside the instance folder that holds it. Never set them in instance/config.py.
    KEK = None
    KEK_FILE = None


INSTANCE_CONFIG_TEMPLATE = '''"""Configuration of this installation. Generated on first start; never commit it."""

SECRET_KEY = "{secret}"
'''


def ensure_instance_config(instance_path: str) -> Path:
    """Create ``instance/config.py`` with a random SECRET_KEY if it does not exist yet."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.py"
    if not path.exists():
        content = INSTANCE_CONFIG_TEMPLATE.format(secret=secrets.token_hex(32))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
    return path


def normalise_database_url(url: str) -> str:
    """Point plain ``postgres://`` / ``postgresql://`` URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(app, test_config: dict | None) -> None:
    """Fill ``app.config`` from defaults, the instance file or test config, and the environment."""
    app.config.from_object(Defaults)
    if test_config is None:
        ensure_instance_config(app.instance_path)
        app.config.from_pyfile("config.py")
        if app.config["KEK"] or app.config["KEK_FILE"]:
            raise RuntimeError("instance/config.py sets KEK or KEK_FILE: the key-encryption key must not travel with "
                               "the instance folder; set TRADING_KEK_FILE (or TRADING_KEK) in the environment.")
        app.config.from_prefixed_env(prefix="TRADING")
        app.config["KEK"] = os.environ.get("TRADING_KEK") or None  # hex or base64 text, not JSON
        if not app.config["KEK"] and not app.config["KEK_FILE"]:
            from .keyring import default_kek_file

            if default_kek_file().exists():
                app.config["KEK_FILE"] = str(default_kek_file())
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "trading.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["JOBS"] not in ("inline", "rq"):
        raise RuntimeError(f"TRADING_JOBS must be 'inline' or 'rq', not {app.config['JOBS']!r}")
    if app.config["CLOCK"] not in ("real", "simulated"):
        raise RuntimeError(f"TRADING_CLOCK must be 'real' or 'simulated', not {app.config['CLOCK']!r}")
