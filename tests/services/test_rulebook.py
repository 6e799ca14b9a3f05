"""The rules in force (issue 16): the administrator makes a rule stricter with a reason, audited, never looser than
the law or the centre's configuration; the setting takes effect for lots announced afterwards, and a lot keeps the
rule set it was announced under."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain import calendar, schedule
from trading.domain.errors import DomainError, Forbidden
from trading.models import AuditEntry, User
from trading.services import announcements, objections, pledges, projects, registrations, rulebook
from trading.simulate import demo, lots as walk


@pytest.fixture
def people(session, now):
    demo.load(session, now)
    return walk.cast(session)


def admin(session) -> User:
    return session.scalar(sa.select(User).where(User.username == "admin"))


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def test_the_administrator_makes_a_rule_stricter_with_a_reason_and_it_is_audited(ctx, session, now, people):
    assert refusal(lambda: rulebook.set_rule(ctx, session, people.staff, now, "construction.bid_window", "25",
                                             "本中心要求更长的投标准备时间")).__class__ is Forbidden
    short = refusal(lambda: rulebook.set_rule(ctx, session, admin(session), now, "construction.bid_window", "25", ""))
    assert (short.field, short.rule) == ("reason", "construction.bid_window")
    looser = refusal(lambda: rulebook.set_rule(ctx, session, admin(session), now, "construction.bid_window", "19",
                                               "试一试更短的期限"))
    assert (looser.field, looser.rule) == ("value", "construction.bid_window")
    assert "招标投标法 第二十四条" in str(looser) and "20" in str(looser)
    cap = refusal(lambda: rulebook.set_rule(ctx, session, admin(session), now, "construction.deposit_cap", "2.5",
                                            "提高保证金上限"))
    assert cap.rule == "construction.deposit_cap"  # a cap moves only down
    row = rulebook.set_rule(ctx, session, admin(session), now, "construction.bid_window", "25",
                            "本中心要求更长的投标准备时间")
    assert row.value == "25" and rulebook.in_force(ctx, session).value("construction.bid_window") == 25
    assert rulebook.in_force(ctx, session).describe()[0]["set_by"] == "administrator"
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "rules.set"))
    assert entry.rule == "construction.bid_window" and entry.payload["reason"] == "本中心要求更长的投标准备时间"
    assert (entry.payload["previous"], entry.payload["value"], entry.payload["law"]) == ("20", "25", "20")
    assert ctx.rules.value("construction.bid_window") == 20  # the start-up set is untouched


def test_a_lot_keeps_the_rules_it_was_announced_under(ctx, session, now, people):
    """Lot A is announced under the law; then the administrator shortens the time to answer an objection to the
    documents to 2 days and lengthens the bid window to 25 days. Lot B, announced afterwards, is held to both; lot A
    keeps 3 days and its 20-day deadline."""
    first = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, first, "announced")
    second = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, second, "method_approved")
    for rule_id, value in (("construction.objection_answer", "2"), ("construction.bid_window", "25")):
        rulebook.set_rule(ctx, session, admin(session), now, rule_id, value, "本中心从严执行")
    assert first.rule_values == {} and rulebook.of_lot(ctx, session, first).value("construction.bid_window") == 20

    proposed = announcements.propose(ctx, second, now)
    assert calendar.local_date(proposed.bid_deadline) == calendar.add_days(calendar.local_date(now), 25)
    short = announcements.complete(ctx, second, schedule.Schedule(issued_at=now,
                                                                  bid_deadline=proposed.bid_deadline
                                                                  - timedelta(days=1)))
    assert refusal(lambda: announcements.publish(ctx, session, people.tenderee, now, second, short)).rule == \
        "construction.bid_window"
    announcements.publish(ctx, session, people.tenderee, now, second, proposed)
    assert second.rule_values == {"construction.objection_answer": "2", "construction.bid_window": "25"}

    at = now + timedelta(days=1)
    answered = {}
    for lot in (first, second):
        registrations.sign_up(session, people.bidders[0], now, lot,
                              pledge=pledges.accepted(session, lot, people.bidders[0]))
        row = objections.raise_objection(ctx, session, people.bidders[0], at, lot, "资格条件设置过高，请予修改。")
        answered[lot.id] = calendar.local_date(row.answer_due)
    day = calendar.local_date(at)
    assert answered == {first.id: calendar.add_days(day, 3), second.id: calendar.add_days(day, 2)}


def test_the_centres_configuration_is_the_floor_of_the_administrators_settings(make_app):
    app = make_app(RULE_OVERRIDES={"construction.bid_window": 25})
    from trading.extensions import db
    from trading.platform import current_platform

    with app.app_context():
        ctx, session = current_platform(), db.session
        demo.load(session, ctx.now())
        refused = refusal(lambda: rulebook.set_rule(ctx, session, admin(session), ctx.now(),
                                                    "construction.bid_window", "22", "恢复为较短期限"))
        assert refused.rule == "construction.bid_window" and "TRADING_RULE_OVERRIDES" in str(refused)
        rulebook.set_rule(ctx, session, admin(session), ctx.now(), "construction.bid_window", "30", "本中心从严执行")
        assert rulebook.in_force(ctx, session).value("construction.bid_window") == 30
        rulebook.set_rule(ctx, session, admin(session), ctx.now(), "construction.bid_window", "25", "回到中心的配置")
        found = rulebook.in_force(ctx, session)
        assert found.value("construction.bid_window") == 25 and found.origins["construction.bid_window"] == \
            "configuration"
        session.rollback()


def test_a_property_lot_filed_before_a_stricter_setting_is_held_to_it_when_announced(ctx, session, now, people):
    lot = walk.create(ctx, session, people, now, "property")  # filed with the law's 5 working days of publicity
    walk.advance(ctx, session, people, now, lot, "method_approved")
    rulebook.set_rule(ctx, session, admin(session), now, "property.result_publicity", "7", "本中心公示期7个工作日")
    refused = refusal(lambda: walk.advance(ctx, session, people, now, lot, "announced"))
    assert (refused.field, refused.rule) == ("result_publicity_days", "property.result_publicity")
    with pytest.raises(DomainError):  # the terms are changed in draft only
        projects.update_lot(ctx, session, people.land_tenderee, now, lot, projects.LotInput(name=lot.name))
