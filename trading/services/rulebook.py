"""The rules in force (issue 16): the law's table, made stricter by the centre's start-up configuration
(``ctx.rules``, TRADING_RULE_OVERRIDES) and by the administrator's settings on the rules page, and the set each lot
was announced under.

An administrator's setting takes effect for lots announced afterwards: a lot records the numbers in force when it
is announced (``lot.rule_values``, only those that differ from the law's table) and is judged by them to the end
of that round; a lot not yet announced (or announced before the record existed) is judged by the rules in force
now. Every service that judges a lot reads ``of_lot``; checks that come before any lot (the expert pool) read
``in_force``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..domain import lifecycle, rules
from ..domain.errors import N_, DomainError, Forbidden
from ..models import Lot, RuleSetting
from . import audit


def latest(session) -> dict[str, RuleSetting]:
    """The administrator's newest setting of each rule it has set."""
    newest = sa.select(sa.func.max(RuleSetting.id)).group_by(RuleSetting.rule_id)
    return {row.rule_id: row for row in session.scalars(sa.select(RuleSetting).where(RuleSetting.id.in_(newest)))}


def in_force(ctx, session) -> rules.RuleSet:
    """The rules in force now: the start-up set (``ctx.rules``) with the administrator's newest settings on top.
    A setting that the configuration has since overtaken (it is no longer stricter) gives way to it."""
    found = ctx.rules
    for rule_id, row in latest(session).items():
        try:
            found = found.with_settings({rule_id: row.value}, rules.ADMINISTRATOR)
        except DomainError:  # looser than the configuration as it stands now: the configuration wins
            continue
    return found


def of_lot(ctx, session, lot: Lot) -> rules.RuleSet:
    """The rules a lot is judged by: those recorded when it was announced, else (not yet announced, or announced
    before the record existed) the rules in force now."""
    if lot.rule_values is not None and lifecycle.published(lot.state, lot.previous_state):
        return rules.RuleSet.from_overrides(lot.rule_values, rules.RECORDED)
    return in_force(ctx, session)


def record(ctx, session, lot: Lot) -> rules.RuleSet:
    """At the announcement: keep the numbers in force with the lot (its round is judged by them to the end)."""
    found = in_force(ctx, session)
    lot.rule_values = found.settings()
    return found


def set_rule(ctx, session, actor, now: datetime, rule_id: str, value: str, reason: str) -> RuleSetting:
    """The administrator sets a rule's number, with a reason: never looser than the law's bound nor the centre's
    configuration (refused naming the rule and the bound); lots announced from now on take it. Setting the number
    the configuration (or the law) gives takes the administrator's setting back."""
    if actor is None or not actor.has_role("admin"):
        raise Forbidden(N_("Only the administrator sets the rules."), field="value")
    if rule_id not in rules.RULES:
        raise DomainError(N_("Unknown rule %(rule_id)s in the centre's settings."), field="rule_id", rule_id=rule_id)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise DomainError(N_("Write why the rule is changed (at least 4 characters)."), field="reason",
                          rule=rule_id)
    value = (value or "").strip()
    before = in_force(ctx, session)
    try:
        after = ctx.rules.with_settings({rule_id: value}, rules.ADMINISTRATOR)
    except DomainError as error:
        error.field = "value"
        raise
    row = RuleSetting(rule_id=rule_id, value=rules.value_text(after.value(rule_id)), reason=reason[:2000],
                      set_by_id=actor.id, set_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, now, "rules.set", object_type="rule", object_id=rule_id, rule=rule_id,
                 payload={"rule_id": rule_id, "value": row.value,
                          "previous": rules.value_text(before.value(rule_id)),
                          "law": rules.value_text(rules.RULES[rule_id].value), "reason": row.reason})
    return row


def history(session, limit: int = 200) -> list[RuleSetting]:
    """The administrator's settings, newest first."""
    return list(session.scalars(sa.select(RuleSetting).order_by(RuleSetting.id.desc()).limit(limit)))
