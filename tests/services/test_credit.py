"""The blacklist bars a bidder from signing up and bidding and an expert from being drawn, each refusal naming the
rule; credit events need evidence and a decision; only the supervisor keeps them (信用, 行业自律)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain import drawing
from trading.domain.errors import DomainError, Forbidden
from trading.models import Expert, Registration
from trading.services import credit, experts, pledges, registrations
from trading.simulate import demo, experts as demo_experts, lots as walk

CODES = ["A0802", "A0601", "A04"]


@pytest.fixture
def lot(ctx, session, now):
    demo.load(session, now)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    return people, lot


def test_a_blacklisted_bidder_cannot_sign_up_until_its_entry_ends_or_is_lifted(ctx, session, now, lot):
    people, lot = lot
    bidder = people.bidders[0]
    entry = credit.add_to_blacklist(ctx, session, people.supervisor, now, "organisation", bidder.organisation_id,
                                    "串通投标情节严重", "咸公管罚〔2026〕1号", now, now + timedelta(days=365))
    with pytest.raises(Forbidden) as refused:
        registrations.sign_up(session, bidder, now + timedelta(hours=1), lot,
                              pledge=pledges.accepted(session, lot, bidder))
    assert refused.value.rule == "credit.blacklist_period" and "咸公管罚〔2026〕1号" in str(refused.value)
    credit.lift(session, people.supervisor, now + timedelta(hours=2), entry.id, "复议撤销原处理决定")
    assert registrations.sign_up(session, bidder, now + timedelta(hours=3), lot,
                                 pledge=pledges.accepted(session, lot, bidder)).bidder_id == bidder.organisation_id


def test_only_the_supervisor_keeps_the_blacklist_and_a_period_over_three_years_is_refused(ctx, session, now, lot):
    people, lot = lot
    org = people.bidders[1].organisation_id
    with pytest.raises(Forbidden):
        credit.add_to_blacklist(ctx, session, people.staff, now, "organisation", org, "串通投标情节严重", "X1号", now,
                                now + timedelta(days=30))
    with pytest.raises(DomainError) as refused:
        credit.add_to_blacklist(ctx, session, people.supervisor, now, "organisation", org, "串通投标情节严重", "X1号",
                                now, now + timedelta(days=365 * 3 + 2))
    assert (refused.value.field, refused.value.rule) == ("ends_at", "credit.blacklist_period")


def test_credit_events_lower_the_score_and_need_evidence(ctx, session, now, lot):
    people, lot = lot
    org = people.bidders[2].organisation_id
    credit.record_event(session, people.supervisor, now, "organisation", org, "refused_contract",
                        "中标后无正当理由拒签合同", "咸公管〔2026〕9号", lot.id)
    assert credit.score_of(session, "organisation", org, now) == 80
    with pytest.raises(DomainError) as refused:
        credit.record_event(session, people.supervisor, now, "organisation", org, "refused_contract", "", "X1号")
    assert refused.value.field == "evidence"


def test_a_blacklisted_expert_is_left_out_of_the_draw_with_the_reason(ctx, session, now, lot):
    people, lot = lot
    demo_experts.load(ctx, session, now)
    request = drawing.Request(lot.deal_code, ((CODES[0], 4, 1), (CODES[1], 1, 1), (CODES[2], 1, 0)), False,
                              now + timedelta(days=20), "3号评标室", 30, "2026.1")
    bidders = set(session.scalars(sa.select(Registration.bidder_id).where(Registration.lot_id == lot.id)))
    parties = {"tenderee_id": lot.project.tenderee_id, "bidder_ids": bidders,
               "tenderee_region": lot.project.region_code, "now": now}
    eligible = sorted(i for ids in drawing.recuse(experts.records(session, CODES), request, **parties)[0].values()
                      for i in ids)
    expert = session.get(Expert, eligible[0])
    credit.add_to_blacklist(ctx, session, people.supervisor, now, "expert", expert.id, "评标中收受财物",
                            "咸公管〔2026〕2号", now - timedelta(days=1), now + timedelta(days=300))
    parties["barred"] = frozenset(credit.barred_expert_ids(session, now))
    whole = drawing.recuse(experts.records(session, CODES), request, **parties)
    kept, cleared = experts.for_draw(session, CODES, drawing.screen(request, **parties))
    assert drawing.recuse(kept, request, cleared=cleared, **parties) == whole
    assert {e.expert_id: e.reason_code for e in whole[1]}[expert.id] == "blacklisted"


def test_the_supervisor_bars_a_bidder_on_the_credit_page_and_anyone_reads_the_public_blacklist(app, now):
    from tests.conftest import login
    from trading.extensions import db
    from trading.models import Organisation

    with app.app_context():
        demo.load(db.session, now)
        db.session.commit()
        name = db.session.scalar(sa.select(Organisation.name).where(Organisation.org_type == "bidder"))
    supervisor = app.test_client()
    assert login(supervisor, "supervisor").status_code == 302
    refused = supervisor.post("/supervision/credit/blacklist", data={
        "entry-subject_type": "organisation", "entry-subject": name, "entry-reason": "串通投标情节严重",
        "entry-decision": "咸公管罚〔2026〕1号", "entry-starts_on": "2026-03-01", "entry-ends_on": "2030-03-01"})
    assert refused.status_code == 422 and "3" in refused.get_data(as_text=True)  # longer than 3 years: refused
    sent = supervisor.post("/supervision/credit/blacklist", data={
        "entry-subject_type": "organisation", "entry-subject": name, "entry-reason": "串通投标情节严重",
        "entry-decision": "咸公管罚〔2026〕1号", "entry-starts_on": "2026-03-01", "entry-ends_on": "2027-03-01"})
    assert sent.status_code == 302
    unknown = supervisor.post("/supervision/credit/events", data={
        "event-subject_type": "organisation", "event-subject": "无此公司", "event-kind": "false_materials",
        "event-evidence": "伪造业绩证明", "event-decision": "咸公管〔2026〕3号"})
    assert unknown.status_code == 422 and "无此公司" in unknown.get_data(as_text=True)
    public = app.test_client().get("/public/blacklist").get_data(as_text=True)
    assert name in public and "咸公管罚〔2026〕1号" in public and "2027-03-01" in public
