"""The integrity pledge (诚信承诺书) at each sign-up: refused without it, or with the digest of another text; kept with
its exact text, SHA-256, signer and time; audited; read by its bidder, and by staff and the supervisor only once they
may know who signed up; part of the lot's archive."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.services.walked_lot import announced_lot
from trading.domain import pledges as rule_pledges
from trading.domain.errors import DomainError
from trading.models import AuditEntry, Deposit, IntegrityPledge, Registration
from trading.services import archive, pledges, registrations

RULE = "credit.integrity_pledge"


@pytest.fixture
def announced(ctx, session, now):
    return announced_lot(ctx, session, now, "construction")


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value


def test_a_sign_up_without_the_pledge_is_refused_naming_the_field_and_rule(session, now, announced):
    people, lot = announced
    bidder = people.bidders[0]
    for missing in (None, "", "   "):
        error = refusal(lambda missing=missing: registrations.sign_up(session, bidder, now, lot, pledge=missing))
        assert (error.field, error.rule) == ("pledge", RULE)
    assert session.scalar(sa.select(sa.func.count(Registration.id))) == 0  # nothing half-saved
    assert session.scalar(sa.select(sa.func.count(Deposit.id))) == 0
    assert session.scalar(sa.select(sa.func.count(IntegrityPledge.id))) == 0


def test_the_pledge_names_the_lot_and_company_and_its_exact_text_and_digest_are_kept_and_audited(session, now,
                                                                                                announced):
    people, lot = announced
    bidder = people.bidders[0]
    shown = pledges.shown(session, lot, bidder.organisation, "zh")
    for named in (lot.name, lot.deal_code, lot.project.name, bidder.organisation.name,
                  bidder.organisation.credit_code, "第四十条", "第六十七条", "串通", "弄虚作假", "失信名单"):
        assert named in shown
    digest = hashlib.sha256(shown.encode("utf-8")).hexdigest()
    row = registrations.sign_up(session, bidder, now, lot, pledge=digest.upper())  # hex in either case
    kept = pledges.of_registration(session, row.id)
    assert (kept.text, kept.sha256, kept.language) == (shown, digest, "zh")
    assert (kept.user_id, kept.bidder_id, kept.signed_at, kept.round) == (bidder.id, bidder.organisation_id, now,
                                                                          lot.round)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "registration.pledge"))
    assert entry.rule == RULE and entry.actor_id == bidder.id and entry.object_id == str(lot.id)
    assert entry.payload["sha256"] == digest and entry.payload["registration_id"] == row.id


def test_the_digest_of_another_text_is_refused_and_the_english_translation_is_kept_as_shown(session, now, announced):
    people, lot = announced
    first, second = people.bidders[0], people.bidders[1]
    english = pledges.shown(session, lot, first.organisation, "en")
    assert "Integrity pledge" in english and lot.deal_code in english and "Art. 40" in english
    for wrong, language in ((pledges.accepted(session, lot, first, "en"), "zh"),  # the translation's, said zh
                            (pledges.accepted(session, lot, second), "zh"),  # another company's
                            ("0" * 64, "zh"), (pledges.accepted(session, lot, first), "fr"),
                            ("x" * 5000, "zh")):
        error = refusal(lambda wrong=wrong, language=language: registrations.sign_up(
            session, first, now, lot, pledge=wrong, language=language))
        assert (error.field, error.rule) == ("pledge", RULE)
    row = registrations.sign_up(session, first, now, lot, pledge=rule_pledges.digest(english), language="en")
    assert pledges.of_registration(session, row.id).text == english


def test_a_bidder_reads_its_own_pledge_and_staff_every_one_only_after_the_deadline(session, now, announced):
    people, lot = announced
    first, second = people.bidders[0], people.bidders[1]
    for bidder in (first, second):
        registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    assert [p.bidder_id for p in pledges.visible(session, first, lot, now)] == [first.organisation_id]
    assert pledges.visible(session, people.bidders[2], lot, now) == []
    for insider in (people.staff, people.supervisor, people.tenderee):
        assert pledges.visible(session, insider, lot, now) == []  # who signed up is secret before the deadline
    after = lot.bid_deadline + timedelta(minutes=1)
    for insider in (people.staff, people.supervisor):
        assert len(pledges.visible(session, insider, lot, after)) == 2
    assert pledges.visible(session, people.tenderee, lot, after) == []


def test_the_lots_archive_keeps_every_pledge_as_signed(ctx, session, now, announced):
    people, lot = announced
    for bidder in people.bidders[:2]:
        registrations.sign_up(session, bidder, now, lot, pledge=pledges.accepted(session, lot, bidder))
    info = {"keep_until": "2041-03-02", "retention_rule": archive.RETENTION_RULE}
    items = {item.name: item for item in archive.items(ctx, session, lot, now, info) if item.category == "other"}
    index = json.loads(items["other/pledges.json"].source)
    assert [row["bidder"] for row in index] == [b.organisation.name for b in people.bidders[:2]]
    for row in index:
        text = items[f"other/{row['file']}"].source
        assert hashlib.sha256(text).hexdigest() == row["sha256"] and row["rule"] == RULE
