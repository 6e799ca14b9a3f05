"""Plain words instead of code names (issue 17): every audited action, lifecycle action, deadline and state has a
name in both languages, and a refusal names the action, the deadline and the law in the user's words, with the
rule id only in the tooltip."""

from __future__ import annotations

import ast
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape

from trading import ROOT
from trading.domain import lifecycle
from trading.domain.errors import DomainError
from trading.domain.experts import STATUSES
from trading.web import labels
from trading.web.i18n import error_text

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def recorded_actions() -> set[str]:
    """Every action code a service passes to audit.record, read from the source (the lifecycle's lot.<action>,
    the expert statuses and the two objection answers are built at run time)."""
    found = {f"lot.{action}" for action in lifecycle.ACTIONS} | {f"expert.{s}" for s in STATUSES}
    found |= {"objection.answer", "publicity.answer"}
    for path in (ROOT / "trading").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and len(node.args) >= 4):
                choices = [node.args[3]]
                if isinstance(node.args[3], ast.IfExp):
                    choices = [node.args[3].body, node.args[3].orelse]
                found |= {c.value for c in choices if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return found


def test_every_audited_action_has_a_name():
    actions = recorded_actions()
    assert len(actions) > 90
    assert actions - set(labels.AUDIT_ACTIONS) == set()


def test_everything_an_audit_entry_is_about_has_a_name():
    """The audit log names what an entry is about (标段 5, 串通投标预警信号 3), never its code (screen_signal 3)."""
    found = {"organisation", "expert"}  # credit events name their subject's type at run time
    for path in (ROOT / "trading").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "object_type" and isinstance(node.value, ast.Constant):
                found.add(node.value.value)
    assert len(found) >= 12
    assert found - set(labels.OBJECT_TYPES) == set()


def test_every_lifecycle_action_state_and_deadline_has_a_name_in_both_languages(app):
    for locale in ("zh_CN", "en"):
        with app.test_request_context(), _locale(app, locale):
            assert all(labels.lot_action_name(action) != action for action in lifecycle.ACTIONS)
            names = {labels.state_name(state) for state in lifecycle.STATES}
            assert len(names) == len(lifecycle.STATES) and "" not in names
            assert all(labels.deadline_name(d) != d for d in lifecycle.DEADLINES)
        assert ("method_approved" in names) is False and ("交易方式已核准" in names) == (locale == "zh_CN")


@contextmanager
def _locale(app, code):
    """Render as if the user chose ``code``."""
    from flask import session
    from flask_babel import refresh

    session["lang"] = code
    refresh()
    yield


def _too_early() -> DomainError:
    deadlines = {"publicity_end": NOW + timedelta(days=2)}
    with pytest.raises(DomainError) as refused:
        lifecycle.apply("publicity", "award", "tenderee", NOW, deadlines, "construction")
    return refused.value


def test_a_refusal_names_the_action_the_deadline_and_the_law_in_words(app):
    error = _too_early()
    with app.test_request_context(), _locale(app, "zh_CN"):
        text = error_text(error)
        html = str(escape(text))
        seen = re.sub(r"<[^>]+>", "", html)  # what the page shows
        assert "确定中标人" in seen and "公示期满" in seen and "招标投标法实施条例 第五十四条" in seen
        assert "award" not in seen and "publicity_end" not in seen and "construction." not in seen
        assert 'title="construction.publicity_period' in html  # the id, in the tooltip
        assert "construction.publicity_period" in str(text)  # and in the plain text JSON callers get
    with app.test_request_context(), _locale(app, "en"):
        text = error_text(error)
        assert "Too early to award the lot: wait until the end of the publicity" in text
        assert "Bidding Law Regulations, Art. 54" in text and "publicity_end" not in text


def test_a_rule_badge_shows_the_law_and_keeps_the_id_in_the_tooltip(app):
    with app.test_request_context(), _locale(app, "zh_CN"):
        badge = str(labels.rule_badge("construction.bidders_confidential"))
    assert ">招标投标法 第二十二条</span>" in badge and 'title="construction.bidders_confidential · ' in badge


def test_an_organisation_type_in_an_audit_payload_reads_as_its_name(app):
    """The full crawl found the demo's organisation types (supervisory_body, ...) as codes on the audit log."""
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("en"):
            assert labels.code_label("supervisory_body") == "Supervisory body"
        with force_locale("zh_CN"):
            names = [labels.code_label(code) for code in ("trading_centre", "supervisory_body", "expert_employer")]
    assert all(name and "_" not in name for name in names), names
