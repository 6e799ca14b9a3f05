"""The factory: test config, instance config created once, environment overrides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import TEST_KEK
from trading import create_app


def test_test_config_replaces_the_instance_file(app, tmp_path):
    assert app.testing and app.config["SECRET_KEY"] == "test-secret"
    assert not (tmp_path / "instance" / "config.py").exists()


def test_first_start_writes_a_random_secret_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TRADING_KEK", TEST_KEK)
    first = create_app(instance_path=str(tmp_path))
    written = (tmp_path / "config.py").read_text()
    second = create_app(instance_path=str(tmp_path))
    other = create_app(instance_path=str(tmp_path / "elsewhere"))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] != other.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    assert (tmp_path / "config.py").read_text() == written
    assert (tmp_path / "config.py").stat().st_mode & 0o077 == 0  # readable by the owner only
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/trading.db"


def test_environment_overrides_the_instance_file(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('SECRET_KEY = "from-file"\nEVALUATION_WINDOW_HOURS = 9\n')
    monkeypatch.setenv("TRADING_EVALUATION_WINDOW_HOURS", "3")
    monkeypatch.setenv("TRADING_LOGIN_RATE_LIMIT", "3 per minute")
    monkeypatch.setenv("TRADING_CLOCK", "simulated")
    monkeypatch.setenv("TRADING_KEK", TEST_KEK)
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@db.internal:5432/trading")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["EVALUATION_WINDOW_HOURS"] == 3
    assert app.config["LOGIN_RATE_LIMIT"] == "3 per minute"  # not JSON: kept as text
    assert app.extensions["trading"].clock.simulated
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@db.internal:5432/trading"


def test_an_unknown_clock_mode_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("TRADING_CLOCK", "sundial")
    try:
        create_app(instance_path=str(tmp_path))
    except RuntimeError as error:
        assert "TRADING_CLOCK" in str(error)
    else:
        raise AssertionError("the app started with TRADING_CLOCK=sundial")


def test_a_centre_may_tighten_a_rule_but_not_loosen_it(tmp_path, monkeypatch):
    """TRADING_RULE_OVERRIDES as a centre sets it: stricter is the rule in force; looser stops the start with a
    message naming the rule, the setting, the law's bound and its source."""
    monkeypatch.setenv("TRADING_KEK", TEST_KEK)
    monkeypatch.setenv("TRADING_RULE_OVERRIDES", '{"construction.bid_window": 25}')
    app = create_app(instance_path=str(tmp_path))
    assert app.extensions["trading"].rules.value("construction.bid_window") == 25
    assert app.extensions["trading"].rules.is_overridden("construction.bid_window")
    monkeypatch.setenv("TRADING_RULE_OVERRIDES", '{"construction.bid_window": 15}')
    with pytest.raises(RuntimeError) as refused:
        create_app(instance_path=str(tmp_path))
    assert str(refused.value) == ("RULE_OVERRIDES refused: The setting 15 for construction.bid_window is looser than "
                                  "the law's 20 (招标投标法 第二十四条).")


def test_the_context_carries_the_configured_interest_rate(make_app):
    """Refunded deposits earn the centre's DEPOSIT_INTEREST_RATE: the platform context carries it as a Decimal."""
    assert make_app().extensions["trading"].interest_rate == Decimal("0.0035")
    assert make_app(DEPOSIT_INTEREST_RATE="0.015").extensions["trading"].interest_rate == Decimal("0.015")
