"""The trading platform: ``create_app`` wires configuration, extensions, blueprints and commands."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the Flask app; ``test_config`` replaces the instance file and the environment."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config

    load_config(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions, the clock and the rule set to the app."""
    from . import models  # noqa: F401  (registers the tables)
    from .clock import make_clock
    from .extensions import babel, bootstrap, csrf, db, login_manager, migrate
    from .web.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone,
                   default_translation_directories=str(ROOT / "trading" / "translations"))
    login_manager.init_app(app)
    app.extensions["trading_clock"] = make_clock(app.config["CLOCK"])
    app.extensions["trading_rules"] = load_rules(app.config["RULE_OVERRIDES"])


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
    from .services.chronograph import tick_listener
    from .web import admin, auth, filters, lots, main, public, supervision

    for module in (main, auth, admin, supervision, lots, public):
        app.register_blueprint(module.bp)
    filters.register(app)
    if tick_listener not in admin.views.CLOCK_LISTENERS:
        admin.views.CLOCK_LISTENERS.append(tick_listener)


def register_errorhandlers(app: Flask) -> None:
    """403/404/500 and refused-CSRF pages that say what to do next."""
    from .web.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """Add the ``flask`` commands of cli.py."""
    from .cli import register

    register(app)
