"""The draw reads full rows only for the experts its recusal screen keeps: whatever the pool holds (removed,
suspended, recently drawn, working for or related to a party, in the tenderee's region), the experts left out
and those eligible are the ones the recusal rules give over every expert's full record."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from trading.domain import drawing
from trading.models import Expert, ExpertRelative, Registration
from trading.services import experts
from trading.simulate import demo, experts as demo_experts, lots as walk

CODES = ["A0802", "A0601", "A04"]


@pytest.fixture
def lot(ctx, session, now):
    """The construction lot announced, bidders 1 and 2 signed up, the demo pool with one expert per condition."""
    demo.load(session, now)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "announced")
    walk.sign_up(session, people, now, lot, 2)
    demo_experts.load(ctx, session, now)
    pool = session.scalars(sa.select(Expert).order_by(Expert.id)).all()
    pool[5].status = "removed"  # the first three work for a bidder or are related to one (the demo's)
    pool[6].status, pool[6].suspended_until = "suspended", now + timedelta(days=3)
    pool[7].status, pool[7].suspended_until = "suspended", now - timedelta(days=1)  # its suspension is over
    pool[16].last_drawn_at = now - timedelta(days=10)
    pool[17].last_drawn_at = now - timedelta(days=40)
    pool[22].employer_id = lot.project.tenderee_id
    session.add(ExpertRelative(expert_id=pool[23].id, organisation_id=lot.project.tenderee_id, relation="兄弟"))
    pool[24].region_code = lot.project.region_code
    session.flush()
    return lot


@pytest.mark.parametrize("same_region", [False, True])
def test_the_screened_pool_leaves_out_exactly_whom_the_full_records_do(session, now, lot, same_region):
    bidders = set(session.scalars(sa.select(Registration.bidder_id).where(Registration.lot_id == lot.id)))
    request = drawing.Request(lot.deal_code, ((CODES[0], 4, 1), (CODES[1], 1, 1), (CODES[2], 1, 0)), same_region,
                              now + timedelta(days=20), "3号评标室", 30, "2026.1")
    parties = {"tenderee_id": lot.project.tenderee_id, "bidder_ids": bidders,
               "tenderee_region": lot.project.region_code, "now": now}
    whole = drawing.recuse(experts.records(session, CODES), request, **parties)
    kept, cleared = experts.for_draw(session, CODES, drawing.screen(request, **parties))
    assert drawing.recuse(kept, request, cleared=cleared, **parties) == whole
    reasons = {e.reason_code for e in whole[1]}
    assert {"removed", "suspended", "recently_drawn", "works_for_tenderee", "works_for_bidder",
            "relative_of_bidder"} <= reasons
    assert ("same_region" in reasons) == same_region
    assert len(kept) < len(cleared)  # most of the pool is read as ids only


def test_the_screen_also_keeps_the_penalised_the_regulators_staff_and_those_tied_to_a_bidder(session, now, lot):
    """评标规定 Art. 12 and 采购条例 Art. 9 through the same screen: of five experts eligible so far, one penalised,
    one working for the supervisory body, one who left a bidder 3 years ago to the day (procurement: recused) and
    one who left a day before that (not recused) are read as the full records say; a tie that still holds recuses
    whatever the years."""
    from trading.models import Organisation, User

    bidders = set(session.scalars(sa.select(Registration.bidder_id).where(Registration.lot_id == lot.id)))
    regulator = session.scalar(sa.select(Organisation.id).where(Organisation.org_type == "supervisory_body"))
    admin = session.scalar(sa.select(User).where(User.username == "admin"))
    request = drawing.Request(lot.deal_code, ((CODES[0], 4, 1), (CODES[1], 1, 1), (CODES[2], 1, 0)), False,
                              now + timedelta(days=20), "3号评标室", 30, "2026.1")
    parties = {"tenderee_id": lot.project.tenderee_id, "bidder_ids": bidders,
               "tenderee_region": lot.project.region_code, "now": now, "regulator_ids": frozenset({regulator}),
               "recusal_years": 3}
    eligible = sorted(i for ids in drawing.recuse(experts.records(session, CODES), request, **parties)[0].values()
                      for i in ids)
    penalised, official, recent, earlier, current = (session.get(Expert, i) for i in eligible[:5])
    bidder, today = min(bidders), now.date()  # 2 March 2026
    experts.record_penalty(session, admin, now, penalised, today.replace(year=2023), "咸宁市住房和城乡建设局",
                           "咸建罚〔2023〕5号：评标中收受投标人财物")
    official.employer_id = regulator
    experts.declare_tie(session, admin, now, recent, bidder, "employee", today.replace(year=2023))
    experts.declare_tie(session, admin, now, earlier, bidder, "director", today.replace(year=2023, day=1))
    experts.declare_tie(session, admin, now, current, bidder, "controller", None)
    session.flush()
    whole = drawing.recuse(experts.records(session, CODES), request, **parties)
    kept, cleared = experts.for_draw(session, CODES, drawing.screen(request, **parties))
    assert drawing.recuse(kept, request, cleared=cleared, **parties) == whole
    reason = {e.expert_id: e.reason_code for e in whole[1]}
    assert [reason.get(e.id) for e in (penalised, official, recent, earlier, current)] == [
        "penalised", "works_for_regulator", "tie_to_bidder", None, "tie_to_bidder"]
    construction = drawing.recuse(experts.records(session, CODES), request, **{**parties, "recusal_years": None})
    assert {e.expert_id for e in construction[1]} >= {penalised.id, official.id, current.id}
    assert recent.id not in {e.expert_id for e in construction[1]}  # past ties count for procurement only
