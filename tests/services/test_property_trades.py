"""A state property lot (32号令) traded live, on each path: the centre qualifies intending buyers; at the end of the
disclosure one buyer agrees a price, two or more bid online on the land's machinery, none fails the lot; the result
publicity, the transaction contract with its payment terms, the deposits and the statistics; and a relisting below
90% of the valuation refused without the recorded approval."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.services.property_lot import apply, property_lot, qualify, refused, statuses
from trading.domain import auction as rules_of_auction, calendar
from trading.domain.errors import DomainError, Forbidden
from trading.domain.property_trade import ContractInput
from trading.models import AuditEntry, Deal, Deposit, Offer
from trading.services import (
    auctions,
    cancellation,
    chronograph,
    pledges,
    projects,
    property_trades,
    registrations,
    statistics,
)
from trading.simulate import lots as walk

LISTING = Decimal("25800000.00")
STEP = Decimal("100000.00")




def test_staff_qualify_a_buyer_only_once_its_deposit_is_in_and_refuse_another_with_its_deposit_refunded(ctx, session):
    people, lot = property_lot(session, applicants=0)
    first, second, third = people.bidders[:3]
    apply(session, first, lot)
    apply(session, second, lot)
    registrations.sign_up(session, third, lot.listing_start, lot,
                          pledge=pledges.accepted(session, lot, third))  # signed up, deposit not paid
    at = lot.listing_start + timedelta(days=1)
    third_registration = registrations.registration_of(session, lot, third.organisation_id)
    assert refused(lambda: property_trades.qualify(ctx, session, people.staff, at, lot.id,
                                                   third_registration.id)).rule == "property.qualification"
    # a bidder cannot qualify itself, nor can the transferor or the supervisor qualify anyone
    assert refused(lambda: auctions.qualify(ctx, session, first, at, lot)).rule == "property.qualification"
    for actor in (first, people.land_tenderee, people.supervisor):
        with pytest.raises(Forbidden):
            qualify(ctx, session, people, lot, first, at) if actor is None else property_trades.qualify(
                ctx, session, actor, at, lot.id, registrations.registration_of(session, lot, first.organisation_id).id)
    decision = qualify(ctx, session, people, lot, first, at)
    assert decision.decision == "qualified" and auctions.paddle_of(session, lot, first.organisation_id) is not None
    assert refused(lambda: qualify(ctx, session, people, lot, first, at)).field == "registration"  # decided already
    second_registration = registrations.registration_of(session, lot, second.organisation_id)
    blank = refused(lambda: property_trades.refuse(ctx, session, people.staff, at, lot.id, second_registration.id, ""))
    assert blank.field == "reason"
    property_trades.refuse(ctx, session, people.staff, at, lot.id, second_registration.id, "未提供国有资产受让资格证明")
    assert statuses(session, lot)[second.organisation_id] == "refunded"
    assert property_trades.decision_of(session, lot, second.organisation_id).reason == "未提供国有资产受让资格证明"
    assert auctions.paddle_of(session, lot, second.organisation_id) is None
    # an application from another lot's registration is refused
    assert refused(lambda: property_trades.qualify(ctx, session, people.staff, at, lot.id, 999_999)).field == \
        "registration"


def test_no_offer_is_taken_during_the_disclosure(ctx, session):
    people, lot = property_lot(session)
    row = auctions.place_offer(ctx, session, people.bidders[0], lot.listing_start + timedelta(days=2), lot.id,
                               str(LISTING))
    assert not row.accepted and row.rule == "property.competitive_bidding"


def test_two_buyers_bid_online_and_the_highest_offer_when_the_countdown_runs_out_wins(ctx, session):
    people, lot = property_lot(session)
    first, second = people.bidders[:2]
    moved = chronograph.tick(ctx, session, lot.listing_end)
    assert [m.action for m in moved] == ["end_listing", "start_auction"] and lot.state == "auction"
    state = auctions.auction_of(session, lot)
    opens = state.bidding_start
    assert opens == lot.listing_end + timedelta(minutes=30) and state.countdown_end == opens + timedelta(minutes=5)
    early = auctions.place_offer(ctx, session, first, opens - timedelta(seconds=1), lot.id, str(LISTING))
    assert not early.accepted and early.rule == "property.competitive_bidding"
    assert auctions.place_offer(ctx, session, first, opens + timedelta(minutes=1), lot.id, str(LISTING)).accepted
    off_grid = auctions.place_offer(ctx, session, second, opens + timedelta(minutes=2), lot.id, str(LISTING + 1))
    assert not off_grid.accepted and off_grid.rule == "property.increments"
    own = auctions.place_offer(ctx, session, first, opens + timedelta(minutes=3), lot.id, str(LISTING + STEP))
    assert not own.accepted and own.rule == "property.own_highest"
    last = opens + timedelta(minutes=5)
    assert auctions.place_offer(ctx, session, second, last, lot.id, str(LISTING + 3 * STEP)).accepted
    # the offer restarted the countdown: nothing happens a second before its end
    assert chronograph.tick(ctx, session, last + timedelta(minutes=4, seconds=59)) == []
    late = auctions.place_offer(ctx, session, first, last + timedelta(minutes=5), lot.id, str(LISTING + 4 * STEP))
    assert not late.accepted and late.rule == "property.countdown" and "arrived" in late.reason
    moved = chronograph.tick(ctx, session, last + timedelta(minutes=5))
    assert [m.action for m in moved] == ["end_bidding", "deal"]
    session.commit()
    state = auctions.auction_of(session, lot)
    assert lot.state == "publicity" and state.price == LISTING + 3 * STEP
    assert state.winner.bidder_id == second.organisation_id and state.confirmation["trade_type"] == "property"
    assert rules_of_auction.verify_confirmation(state.confirmation, ctx.keyring.platform.signing_key.public_key())
    assert statuses(session, lot) == {first.organisation_id: "refunded", second.organisation_id: "applied"}
    refunded = session.scalar(sa.select(Deposit).where(Deposit.lot_id == lot.id,
                                                       Deposit.bidder_id == first.organisation_id))
    assert refunded.refund_rule == "property.deposit_refund" and refunded.interest >= 0
    applied = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "deposit.applied"))
    assert applied.rule == "property.deposit_to_price"
    # the deal is in the statistics at once, as a property deal, its premium with its working
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == lot.id))
    assert deal.trade_type == "property" and deal.price == LISTING + 3 * STEP and deal.starting_price == LISTING
    report = statistics.report(session, statistics.Filters())
    row = next(b for b in report.by_trade_type if b.key == "property")
    assert row.lots == 1 and report.premium["premium_rate"].numerator == 3 * STEP
    # the result publicity: the lot's 5 working days from the deal's day
    deal_day = calendar.local_date(state.decided_at)
    assert lot.publicity_end == calendar.start_of_local_day(calendar.add_days(calendar.add_working_days(deal_day, 5),
                                                                              1))


def test_two_qualified_buyers_who_never_offer_fail_the_lot_and_get_their_deposits_back(ctx, session):
    _, lot = property_lot(session)
    chronograph.tick(ctx, session, lot.listing_end)
    state = auctions.auction_of(session, lot)
    chronograph.tick(ctx, session, state.countdown_end)
    assert lot.state == "failed" and state.outcome == "no_offer"
    assert set(statuses(session, lot).values()) == {"refunded"}
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.fail"))
    assert entry.rule == "property.competitive_bidding"


def test_one_buyer_agrees_at_the_listing_price_or_more_and_the_contract_follows_the_publicity(ctx, session):
    people, lot = property_lot(session, applicants=1)
    buyer, transferor = people.bidders[0], people.land_tenderee
    moved = chronograph.tick(ctx, session, lot.listing_end)
    assert [m.action for m in moved] == ["end_listing", "await_agreement"] and lot.state == "listing"
    at = lot.listing_end + timedelta(hours=1)
    low = refused(lambda: property_trades.record_agreement(ctx, session, transferor, at, lot.id, str(LISTING - 1)))
    assert (low.field, low.rule) == ("price", "property.agreement_price")
    for outsider in (buyer, people.tenderee, people.supervisor):  # the buyer, another authority, the supervisor
        with pytest.raises(Forbidden):
            property_trades.record_agreement(ctx, session, outsider, at, lot.id, str(LISTING))
    state = property_trades.record_agreement(ctx, session, transferor, at, lot.id, "25,900,000")
    assert lot.state == "publicity" and state.outcome == "deal" and state.price == Decimal("25900000")
    agreed = session.scalar(sa.select(Offer).where(Offer.lot_id == lot.id))
    assert agreed.phase == "agreed" and agreed.rule == "property.agreement_price"
    assert state.confirmation["phase"] == "agreed" and statuses(session, lot) == {buyer.organisation_id: "applied"}
    assert refused(lambda: property_trades.record_agreement(ctx, session, transferor, at, lot.id,
                                                            str(LISTING))).rule == "property.agreement_price"
    # the contract waits for the end of the result publicity
    signed = calendar.local_date(lot.publicity_end)
    lump = ContractInput(number="XN-CQ-2026-001", signed_on=signed, payment="lump_sum")
    early = refused(lambda: property_trades.register_contract(ctx, session, transferor,
                                                              lot.publicity_end - timedelta(seconds=1), lot.id, lump))
    assert early.rule == "property.result_publicity"
    with pytest.raises(Forbidden):
        property_trades.register_contract(ctx, session, buyer, lot.publicity_end, lot.id, lump)
    # the demo lot was disclosed with instalments: 30% up front, the rest within 12 months, guaranteed, with interest
    bare = ContractInput(number="XN-CQ-2026-001", signed_on=signed, payment="instalments", upfront="7770000",
                         balance_due=date(signed.year + 1, signed.month, signed.day), interest_rate="3.45")
    unsecured = refused(lambda: property_trades.register_contract(ctx, session, transferor, lot.publicity_end,
                                                                  lot.id, bare))
    assert (unsecured.field, unsecured.rule) == ("guarantee", "property.instalment_guarantee")
    assert lot.state == "publicity"  # nothing half-saved
    secured = ContractInput(**{**bare.__dict__, "guarantee": "湖北银行咸宁分行见索即付保函 XN2026-08"})
    row = property_trades.register_contract(ctx, session, transferor, lot.publicity_end, lot.id, secured)
    session.commit()
    assert lot.state == "contracted" and row.payment == "instalments" and row.terms["balance"] == "18130000.00"
    assert session.scalar(sa.select(Deal.contracted_on).where(Deal.lot_id == lot.id)) == signed
    rules = [e.rule for e in session.scalars(sa.select(AuditEntry).where(AuditEntry.object_id == str(lot.id),
                                                                         AuditEntry.action.like("lot.%")))]
    assert rules[-3:] == ["property.agreement_price", "property.result_publicity", "property.instalment_upfront"]


def test_undecided_applications_hold_the_routing_until_the_last_is_decided(ctx, session):
    people, lot = property_lot(session, applicants=2, qualified=1)
    moved = chronograph.tick(ctx, session, lot.listing_end)
    assert [m.action for m in moved] == ["end_listing", "await_qualification"]
    assert auctions.auction_of(session, lot).phase == "qualifying"
    assert chronograph.tick(ctx, session, lot.listing_end + timedelta(hours=1)) == []  # still waiting
    decided = lot.listing_end + timedelta(hours=2)
    qualify(ctx, session, people, lot, people.bidders[1], decided)
    state = auctions.auction_of(session, lot)
    assert lot.state == "auction" and state.bidding_start == decided + timedelta(minutes=30)
    # late applications cannot slip in: the deposit window closed with the disclosure
    late = people.bidders[2]
    with pytest.raises(DomainError):
        apply(session, late, lot, decided)


def test_no_qualified_buyer_fails_the_lot_and_a_relisting_below_90_percent_needs_the_recorded_approval(ctx, session):
    people, lot = property_lot(session, applicants=1, qualified=0)
    registration = registrations.registration_of(session, lot, people.bidders[0].organisation_id)
    property_trades.refuse(ctx, session, people.staff, lot.listing_start, lot.id, registration.id, "资格条件不符")
    chronograph.tick(ctx, session, lot.listing_end)
    state = auctions.auction_of(session, lot)
    assert lot.state == "failed" and state.outcome == "no_bidder"
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.fail"))
    assert entry.rule == "property.no_buyer_revalue"
    later = lot.listing_end + timedelta(days=1)
    cancellation.retrade(session, people.land_tenderee, later, lot)
    assert lot.round == 2 and lot.state == "draft"
    sample = dict(walk.SAMPLES["property"].lot)
    eighty_nine = str(Decimal(sample["valuation"]) * Decimal("0.89"))
    number_only = {"price_approval": "咸国资产权〔2026〕12号"}
    for changes, field in [({}, "price_approval"), (number_only, "price_approval_body")]:
        error = refused(lambda changes=changes: projects.update_lot(
            ctx, session, people.land_tenderee, later, lot,
            projects.LotInput(**{**sample, "starting_price": eighty_nine, **changes})))
        assert (error.field, error.rule) == (field, "property.relist_approval")
    projects.update_lot(ctx, session, people.land_tenderee, later, lot, projects.LotInput(
        **{**sample, "starting_price": eighty_nine, "price_approval": "咸国资产权〔2026〕12号",
           "price_approval_body": "咸宁市人民政府国有资产监督管理委员会"}))
    assert lot.property_terms["price_approval_body"] == "咸宁市人民政府国有资产监督管理委员会"


def test_a_first_listing_below_the_valuation_is_refused(ctx, session):
    from tests.conftest import FIXED_NOW
    from trading.simulate import demo

    demo.load(session, FIXED_NOW)
    people = walk.cast(session)
    project = walk.create(ctx, session, people, FIXED_NOW, "property").project
    sample = dict(walk.SAMPLES["property"].lot)
    error = refused(lambda: projects.add_lot(ctx, session, people.land_tenderee, FIXED_NOW, project, projects.LotInput(
        **{**sample, "starting_price": "25799999.99"})))
    assert (error.field, error.rule) == ("starting_price", "property.listing_price_floor")


def test_a_village_collective_lease_trades_the_same_way_with_the_annual_rent_as_its_price(ctx, session):
    """The Badong seed's trade: a village's shop fronts leased publicly for two years (五里堆社区), the rent bid up."""
    from datetime import date as day

    from tests.conftest import FIXED_NOW
    from trading.simulate import demo

    demo.load(session, FIXED_NOW)
    people = walk.cast(session)
    owner = people.land_tenderee
    project = projects.register_project(session, owner, FIXED_NOW, projects.ProjectInput(
        name="官渡口镇五里堆社区办公楼底层及二楼门面经营权公开租赁", trade_type="property", region_code="422823",
        approval_number="五里堆社区居委会〔2026〕2号", approving_body="官渡口镇人民政府",
        approval_date=day(2026, 2, 20),
        funding_source="村集体资产", state_funded=False, contact_name="刘芳", contact_phone="0718-4321234"))
    lot = projects.add_lot(ctx, session, owner, FIXED_NOW, project, projects.LotInput(
        name="办公楼底层及二楼门面经营权（两年）", starting_price="120000.00", deposit="10000.00", increment="2000.00",
        location="巴东县官渡口镇五里堆社区", scope="办公楼底层及二楼门面", qualification="依法登记的经营主体",
        asset="collective_lease", lease_years="2", resolution="五里堆社区村民代表大会决议（2026年2月18日）"))
    assert lot.valuation is None and lot.property_terms["lease_years"] == 2
    walk.advance(ctx, session, people, FIXED_NOW, lot, "announced")
    chronograph.tick(ctx, session, FIXED_NOW)
    for bidder in people.bidders[:2]:
        apply(session, bidder, lot)
        qualify(ctx, session, people, lot, bidder)
    chronograph.tick(ctx, session, lot.listing_end)
    opens = auctions.auction_of(session, lot).bidding_start
    assert auctions.place_offer(ctx, session, people.bidders[0], opens, lot.id, "120000").accepted
    second = auctions.place_offer(ctx, session, people.bidders[1], opens + timedelta(minutes=1), lot.id, "234000")
    assert second.accepted
    chronograph.tick(ctx, session, opens + timedelta(minutes=6))
    state = auctions.auction_of(session, lot)
    assert lot.state == "publicity" and state.price == Decimal("234000") and state.confirmation["asset"] == \
        "collective_lease"
    signed = calendar.local_date(lot.publicity_end)
    no_start = refused(lambda: property_trades.register_contract(ctx, session, owner, lot.publicity_end, lot.id,
                                                                 ContractInput(number="WLD-2026-01", signed_on=signed)))
    assert (no_start.field, no_start.rule) == ("lease_start", "property.lease_term")
    row = property_trades.register_contract(ctx, session, owner, lot.publicity_end, lot.id, ContractInput(
        number="WLD-2026-01", signed_on=signed, lease_start=signed + timedelta(days=10)))
    assert row.payment == "annual_rent" and row.terms["total_rent"] == "468000.00" and lot.state == "contracted"
    deal = session.scalar(sa.select(Deal).where(Deal.lot_id == lot.id))
    assert deal.trade_type == "property" and deal.price - deal.starting_price == Decimal("114000")
