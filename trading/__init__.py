"""The trading platform: ``create_app`` wires configuration, extensions, blueprints and commands."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask is imported inside create_app, so the bidder tool (trading.domain.sealing) runs without it
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the Flask app; ``test_config`` replaces the instance file and the environment. The instance folder is
    ``instance_path``, else ``TRADING_INSTANCE_PATH``, else ``instance/`` in the project."""
    import os

    from flask import Flask

    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path or os.environ.get("TRADING_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config
    from .web import edge, static_files
    from .web.requests import TradingRequest

    app.request_class = TradingRequest
    load_config(app, test_config)
    edge.install(app)  # the bounded converters, before any rule is added; the control-character guard
    register_extensions(app)
    register_blueprints(app)
    static_files.install(app)  # versioned static URLs, kept by browsers
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions and the platform context (keyring, rules, clock, blob store, jobs, live channel, interest
    rate) to the app."""
    from . import keyring, models  # noqa: F401  (models registers the tables)
    from .clock import make_clock
    from .extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
    from .web.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(ROOT / "trading" / "translations"))
    login_manager.init_app(app)
    limiter.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from .jobs import JobQueue
    from .live import make_live
    from .notify.messages import SimulatedMessageGateway
    from .platform import Platform
    from .storage import make_store

    app.extensions["trading"] = Platform(
        keyring=keyring.load_for_app(app),  # refuses to start without the KEK
        rules=load_rules(app.config["RULE_OVERRIDES"]),
        clock=make_clock(app.config["CLOCK"]),
        store=make_store(app.config, app.instance_path),
        jobs=JobQueue(app.config["JOBS"], app.config["REDIS_URL"], app.config["JOBS_QUEUE"]),
        live=make_live(app.config),
        messages=SimulatedMessageGateway(),  # no real SMS or mail gateway is wired: each notice is recorded
        interest_rate=Decimal(str(app.config["DEPOSIT_INTEREST_RATE"])),
        central_bank_rate=Decimal(str(app.config["CENTRAL_BANK_RATE"])),
        lock_dir=str(Path(app.instance_path) / "locks"))


def load_rules(overrides: dict):
    """The centre's effective rules; a setting looser than the law stops the start with the reason."""
    from .domain.errors import DomainError
    from .domain.rules import RuleSet

    try:
        return RuleSet.from_overrides(overrides)
    except DomainError as error:
        raise RuntimeError(f"RULE_OVERRIDES refused: {error}") from None


def register_blueprints(app: Flask) -> None:
    """Mount every blueprint and the template filters."""
    from .web import (
        admin,
        auth,
        bank as bank_pages,
        bids,
        evaluation,
        experts,
        filters,
        holders,
        keys as published_keys,
        labels,
        lots,
        main,
        opening,
        public,
        result,
        statistics,
        supervision,
    )

    for module in (main, auth, admin, supervision, lots, public, published_keys, bank_pages, bids, experts, opening,
                   evaluation, result, statistics, holders):
        app.register_blueprint(module.bp)
    filters.register(app)
    labels.register(app)
    from .web import api

    api.register(app)


def register_errorhandlers(app: Flask) -> None:
    """403/404/500 and refused-CSRF pages that say what to do next."""
    from .web.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    """Content-Security-Policy, framing, sniffing, referrer and HSTS headers on every response."""
    from .web.headers import register

    register(app)


def register_commands(app: Flask) -> None:
    """Add the ``flask`` commands of cli.py."""
    from .cli import register

    register(app)
