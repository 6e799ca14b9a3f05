"""Credit scores and blacklist periods (domain.credit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trading.domain import credit
from trading.domain.errors import DomainError

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_the_score_counts_the_events_of_the_last_three_years_and_never_goes_below_zero():
    events = [credit.Event("false_materials", NOW - timedelta(days=10)),
              credit.Event("refused_contract", NOW - timedelta(days=365 * 3 - 1)),
              credit.Event("collusion_finding", NOW - timedelta(days=365 * 3 + 1))]  # too old to count
    assert credit.score(events, NOW) == 100 - 40 - 20
    assert credit.score([credit.Event("collusion_finding", NOW)] * 3, NOW) == 0


def test_an_event_needs_its_kind_for_the_right_subject_its_evidence_and_its_decision():
    credit.check_event("organisation", "false_materials", "伪造业绩证明", "咸建罚〔2026〕3号")
    for args, field in ((("expert", "false_materials", "伪造业绩证明", "X1"), "kind"),
                        (("organisation", "unknown", "伪造业绩证明", "X1"), "kind"),
                        (("organisation", "false_materials", "", "X1"), "evidence"),
                        (("organisation", "false_materials", "伪造业绩证明", ""), "decision")):
        with pytest.raises(DomainError) as refused:
            credit.check_event(*args)
        assert refused.value.field == field


def test_a_blacklist_period_lasts_at_most_the_rules_years_and_bars_only_while_it_runs():
    credit.check_period(NOW, NOW + timedelta(days=365 * 3), max_years=3)
    with pytest.raises(DomainError) as refused:
        credit.check_period(NOW, NOW + timedelta(days=365 * 3 + 2), max_years=3)
    assert refused.value.rule == "credit.blacklist_period"
    entry = credit.Entry(NOW, NOW + timedelta(days=365))
    assert credit.barred([entry], NOW) is entry and credit.barred([entry], NOW - timedelta(seconds=1)) is None
    assert credit.barred([entry], NOW + timedelta(days=365)) is None
    lifted = credit.Entry(NOW, NOW + timedelta(days=365), lifted_at=NOW + timedelta(days=30))
    assert credit.barred([lifted], NOW + timedelta(days=29)) and not credit.barred([lifted], NOW + timedelta(days=30))
