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

    # Key holders' keys: False (a real centre) means on the holders' own computers only (the server stores public
    # keys); True (training centres, on for `make run`) also lets a holder keep its key on the server, wrapped
    # under a separate key-holder passphrase with Argon2id. See docs/SECURITY.md, "Key holders".
    SERVER_KEPT_HOLDER_KEYS = False

    # Login lockout: this many failures in a row lock the login for LOGIN_LOCK_MINUTES.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15

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

    # Annual interest paid on refunded deposits (the 活期 demand-deposit rate), actual days / 360.
    DEPOSIT_INTEREST_RATE = "0.0035"
    # Request sizes (bytes; docs/SECURITY.md, "Limits"). Every request is refused with 413 above
    # MAX_CONTENT_LENGTH, before its body is read; only the pages that take files raise it, for a logged-in
    # user: a filing document, a sealed bid (the upload page and the bidder tool's API), the bid the server
    # seals in memory, and the history and expert imports.
    MAX_CONTENT_LENGTH = 4 * 2**20
    MAX_ATTACHMENT_BYTES = 50 * 2**20
    MAX_ENVELOPE_BYTES = 2 * 2**30
    MAX_SEAL_BYTES = 64 * 2**20
    MAX_IMPORT_BYTES = 10 * 2**20

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
    if app.config["CLOCK"] not in ("real", "simulated"):
        raise RuntimeError(f"TRADING_CLOCK must be 'real' or 'simulated', not {app.config['CLOCK']!r}")
