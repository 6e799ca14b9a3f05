"""The trading platform: ``create_app`` wires configuration, extensions, blueprints and commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask is imported inside create_app, so the bidder tool (trading.domain.sealing) runs without it
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the Flask app; ``test_config`` replaces the instance file and the environment."""
    from flask import Flask

    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=instance_path or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from .config import load_config
    from .web import edge
    from .web.requests import TradingRequest

    app.request_class = TradingRequest
    load_config(app, test_config)
    edge.install(app)  # the bounded converters, before any rule is added; the control-character guard
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions, the clock, the rule set and the keyring to the app."""
    from . import keyring, models  # noqa: F401  (models registers the tables)
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
    app.extensions["trading_keyring"] = keyring.load_for_app(app)  # refuses to start without the KEK


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
    from .bank import service as bank
    from .services.chronograph import tick_listener
    from .services.deposits import on_payment
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
    for listener in (tick_listener, advance_draws):
        if listener not in admin.views.CLOCK_LISTENERS:
            admin.views.CLOCK_LISTENERS.append(listener)
    if on_payment not in bank.NOTIFY:
        bank.NOTIFY.append(on_payment)
    register_key_hooks()


def advance_draws(session, now) -> None:
    """Clock listener: move every running draw on (ranking at its beacon round, answers, next calls)."""
    import sqlalchemy as sa

    from .keyring import current_keyring
    from .models import Draw
    from .services import draws
    from .web.experts.draw_views import centre_name

    ring = current_keyring()
    for draw in session.scalars(sa.select(Draw).where(Draw.status.in_(["committed", "calling"]))):
        for _ in range(20):  # follow a chain of quick answers, one call at a time
            before = (draw.status, len(draw.calls))
            draws.advance(session, now, draw, beacon_key=ring.beacon_key, gateway_key=ring.gateway_key,
                          at_rest=ring.at_rest,
                          centre_name=centre_name())
            if (draw.status, len(draw.calls)) == before:
                break


def register_key_hooks() -> None:
    """The opening-key ceremony run at announcement (holder keys are enrolled and approved on their own pages,
    never made from the login password)."""
    from .services import announcements, keys

    if not any(getattr(h, "__name__", None) == "run_ceremony" for h in announcements.ANNOUNCE_HOOKS):
        announcements.ANNOUNCE_HOOKS.append(keys.run_ceremony)


def register_errorhandlers(app: Flask) -> None:
    """403/404/500 and refused-CSRF pages that say what to do next."""
    from .web.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    """Add the ``flask`` commands of cli.py."""
    from .cli import register

    register(app)
