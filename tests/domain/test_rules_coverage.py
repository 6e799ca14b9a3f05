"""docs/RULES.md lists every rule of the law's table with where it is checked and the test at its edge, or why it is
not enforced; it is what ``flask rules show --markdown`` prints (regenerate it with that command when this fails)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trading.domain.rules import DEFAULT_RULES, RULES
from trading.domain.rules_coverage import COVERAGE, markdown

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_is_covered_once():
    assert sorted(COVERAGE) == sorted(RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_each_rule_names_an_existing_test_or_says_why_it_is_not_enforced(rule_id):
    cover = COVERAGE[rule_id]
    if cover.checked is None:
        assert cover.note and cover.test is None
        return
    path, _, name = cover.test.partition("::")
    source = (ROOT / path).read_text()
    assert re.search(rf"^def {re.escape(name)}\(", source, re.M), f"{cover.test} does not exist"


def test_the_committed_docs_rules_md_is_what_the_command_prints():
    committed = (ROOT / "docs" / "RULES.md").read_text()
    stale = "docs/RULES.md is stale: run flask rules show --markdown > docs/RULES.md"
    assert committed == markdown(DEFAULT_RULES), stale
