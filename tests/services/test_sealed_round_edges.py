"""A property lot's one sealed round (一次报价) at its edges: the supervisor suspends it mid-round and resumes it (no
price while suspended, the clock step leaves it alone, its deadline moves on by the time suspended), and a key holder
is changed during its disclosure or its round (the same path as a tender's between its announcement and its
opening: the outgoing share revoked, the opening key kept, the opening made by the remaining holders; the incoming
holder holds its share from the lot's next round)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.security.sealed_lot import KEY_PASS
from tests.security.test_holder_custody import STRONG, new_account, user
from tests.services.property_lot import property_lot
from trading.domain.errors import DomainError
from trading.models import AuditEntry, Clarification, KeyShare
from trading.services import (
    auctions,
    cancellation,
    chronograph,
    holder_changes,
    holders,
    keys,
    opening,
    sealed_rounds,
    suspension,
)
from trading.simulate import lots as walk


def refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def in_round(ctx, session):
    """Two qualified buyers, the disclosure ended: the lot in its sealed round."""
    people, lot = property_lot(session, form="sealed")
    chronograph.tick(ctx, session, lot.listing_end)
    session.commit()
    assert lot.state == "auction" and auctions.auction_of(session, lot).phase == "sealed"
    return people, lot


def seal(ctx, session, people, lot, at, price, bidder):
    return walk.submit_bids(ctx, session, people, at, lot, [price], bidders=[bidder])


def release(ctx, session, lot, at, holders_):
    for holder in holders_:
        opening.release_share(ctx, session, holder, at, lot, KEY_PASS)


# --- suspended mid-round ---------------------------------------------------------------------------------------

def test_a_round_suspended_takes_no_price_stands_still_and_resumes_with_its_deadline_moved_on(ctx, session):
    people, lot = in_round(ctx, session)
    first, second = people.bidders[:2]
    seal(ctx, session, people, lot, lot.listing_end + timedelta(minutes=30), "26000000.00", first)
    session.commit()
    deadline, state = lot.bid_deadline, auctions.auction_of(session, lot)
    at = deadline - timedelta(hours=3)
    suspension.suspend(session, people.supervisor, at, lot, "收到异议，核查报价资格")
    session.commit()
    # a price while suspended is refused, naming the supervision, and nothing is kept
    paused = refused(lambda: seal(ctx, session, people, lot, at + timedelta(minutes=5), "26500000.00", second))
    assert (paused.rule, paused.field) == ("platform.supervision", "lot") and "suspended" in paused.message
    session.rollback()
    assert sealed_rounds.standing(session, lot) == 1
    # the deadline passes while suspended: the clock step neither opens nor fails the lot, however often it runs
    later = deadline + timedelta(days=1)
    for moment in (deadline, deadline + timedelta(hours=2), later):
        assert chronograph.tick(ctx, session, moment) == []
    assert lot.state == "suspended" and state.phase == "sealed" and state.outcome is None
    assert session.scalar(sa.select(AuditEntry.seq).where(AuditEntry.action.in_(
        ["lot.close_bidding", "lot.fail", "property.sealed_result"]))) is None
    # the resume moves the deadline, the opening and the round's own end on by the time suspended
    suspension.resume(session, people.supervisor, later, lot, "核查完毕，恢复报价")
    session.commit()
    moved = deadline + (later - at)
    assert lot.state == "auction" and lot.bid_deadline == moved == lot.opening_at == state.countdown_end
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "lot.resume"))
    assert set(entry.payload["moved"]) >= {"bid_deadline", "opening_at", "countdown_end"}
    assert chronograph.tick(ctx, session, later + timedelta(minutes=1)) == []  # three hours are left, as before
    # a price is taken until the new deadline, and not at it
    seal(ctx, session, people, lot, moved - timedelta(seconds=1), "26500000.00", second)
    session.commit()
    late = refused(lambda: seal(ctx, session, people, lot, moved, "27000000.00", first))
    assert late.rule == "property.sealed_period"
    session.rollback()
    assert sealed_rounds.standing(session, lot) == 2
    # at the new deadline the round closes once and opens; the highest price wins
    assert chronograph.tick(ctx, session, moved - timedelta(seconds=1)) == []
    assert [m.action for m in chronograph.tick(ctx, session, moved)] == ["close_bidding"]
    release(ctx, session, lot, moved, (people.staff, people.supervisor))
    session.commit()
    assert lot.state == "publicity" and state.price == Decimal("26500000.00")
    assert state.winner.bidder_id == second.organisation_id


def test_a_late_price_after_the_moved_deadline_is_refused_by_the_period_rule(ctx, session):
    people, lot = in_round(ctx, session)
    deadline = lot.bid_deadline
    at = deadline - timedelta(hours=1)
    suspension.suspend(session, people.supervisor, at, lot, "核查报价资格")
    suspension.resume(session, people.supervisor, at + timedelta(hours=2), lot, "核查完毕")
    session.commit()
    assert lot.bid_deadline == deadline + timedelta(hours=2)
    late = refused(lambda: seal(ctx, session, people, lot, lot.bid_deadline, "26000000.00", people.bidders[0]))
    assert (late.rule, late.field) == ("property.sealed_period", "envelope")
    session.rollback()
    assert [m.action for m in chronograph.tick(ctx, session, lot.bid_deadline)] == ["fail"]  # no price: 流拍


# --- a key holder changed during the disclosure or the round ---------------------------------------------------

def staff2(session, at):
    """A second member of staff with an approved holder key (the incoming opening host)."""
    admin, approver = user(session, "admin"), user(session, "supervisor2")
    incoming = new_account(session, at, admin, "staff2", user(session, "staff"))
    holders.enrol_server_key(session, incoming, at, STRONG, STRONG, allowed=True)
    holders.approve(session, approver, at, incoming.id)
    return incoming


def change_host(session, people, lot, at, incoming):
    change = holder_changes.request_change(session, people.staff, at, lot, "host", incoming.id, "原开标主持人调岗")
    return holder_changes.decide(session, user(session, "supervisor2"), at, change.id, True)


def holder_in(session, lot, role):
    return next(s.holder for s in keys.opening_key_of(session, lot).shares if s.role == role)


@pytest.mark.parametrize("during", ["disclosure", "round"])
def test_a_host_changed_during_the_disclosure_or_the_round_is_revoked_and_the_others_open_the_prices(
        ctx, session, during):
    people, lot = property_lot(session, form="sealed")
    at = lot.listing_start + timedelta(hours=2)
    if during == "round":
        chronograph.tick(ctx, session, lot.listing_end)
        at = lot.listing_end + timedelta(minutes=10)
        seal(ctx, session, people, lot, at, "26000000.00", people.bidders[0])
    before = keys.opening_key_of(session, lot)
    fingerprint, tenderee_holder = before.fingerprint, holder_in(session, lot, "tenderee")
    incoming = staff2(session, at)
    change = change_host(session, people, lot, at, incoming)
    session.commit()
    # the tender's path: the outgoing share revoked, the opening key kept, the change announced on the lot
    key = keys.opening_key_of(session, lot)
    host = next(s for s in key.shares if s.role == "host")
    assert change.outcome == "revoked" and key.fingerprint == fingerprint and host.revoked_at is not None
    notice = session.scalar(sa.select(Clarification).where(Clarification.lot_id == lot.id)).text
    assert fingerprint in notice and "作废" in notice and "报价均无需重新加密" in notice and "报价截止后" in notice
    assert "投标" not in notice  # a property lot takes prices, not tender bids
    if during == "disclosure":
        chronograph.tick(ctx, session, lot.listing_end)
        seal(ctx, session, people, lot, lot.listing_end + timedelta(minutes=10), "26000000.00", people.bidders[0])
    seal(ctx, session, people, lot, lot.listing_end + timedelta(minutes=20), "26800000.00", people.bidders[1])
    session.commit()
    deadline = lot.bid_deadline
    assert [m.action for m in chronograph.tick(ctx, session, deadline)] == ["close_bidding"]
    session.commit()
    # the outgoing host's share opens nothing; the incoming host holds none in this round
    revoked = refused(lambda: opening.release_share(ctx, session, people.staff, deadline, lot, KEY_PASS))
    assert "revoked" in revoked.message
    assert "no share" in refused(lambda: opening.release_share(ctx, session, incoming, deadline, lot, STRONG)).message
    session.rollback()
    # the two remaining holders open the round, and the highest price wins
    release(ctx, session, lot, deadline, (people.supervisor, tenderee_holder))
    session.commit()
    state = auctions.auction_of(session, lot)
    assert lot.state == "publicity" and state.price == Decimal("26800000.00")
    assert session.scalar(sa.select(KeyShare.released_at).where(KeyShare.id == host.id)) is None


def test_a_second_change_that_would_leave_fewer_than_k_shares_is_refused_naming_the_rule(ctx, session):
    people, lot = in_round(ctx, session)
    at = lot.listing_end + timedelta(minutes=10)
    change_host(session, people, lot, at, staff2(session, at))
    rep = new_account(session, at, user(session, "admin"), "tenderee_rep2", holder_in(session, lot, "tenderee"))
    holders.enrol_server_key(session, rep, at, STRONG, STRONG, allowed=True)
    holders.approve(session, user(session, "supervisor2"), at, rep.id)
    second = holder_changes.request_change(session, people.staff, at, lot, "tenderee", rep.id, "委托变更")
    error = refused(lambda: holder_changes.decide(session, user(session, "supervisor2"), at, second.id, True))
    assert error.rule == "electronic.no_early_decrypt" and "fewer than" in error.message
    assert sum(s.revoked_at is None for s in keys.opening_key_of(session, lot).shares) == 2


def test_the_incoming_holder_holds_the_share_of_the_next_round_and_the_outgoing_one_none(ctx, session):
    people, lot = in_round(ctx, session)
    at = lot.listing_end + timedelta(minutes=10)
    incoming = staff2(session, at)
    change_host(session, people, lot, at, incoming)
    assert "自下一轮交易起由staff2" in session.scalar(sa.select(Clarification.text).where(
        Clarification.lot_id == lot.id))
    assert [m.action for m in chronograph.tick(ctx, session, lot.bid_deadline)] == ["fail"]  # no price: 流拍
    later = lot.bid_deadline + timedelta(days=2)
    cancellation.retrade(session, people.land_tenderee, later, lot)
    walk.advance(ctx, session, people, later, lot, "announced")
    session.commit()
    key = keys.opening_key_of(session, lot)
    assert key.round == 2 and holder_in(session, lot, "host").id == incoming.id
    assert people.staff.id not in {s.holder_id for s in key.shares}


def test_a_multi_round_lot_has_no_key_holder_to_change_and_says_so(ctx, session):
    people, lot = property_lot(session)
    at = lot.listing_start + timedelta(hours=1)
    error = refused(lambda: holder_changes.request_change(session, people.staff, at, lot, "host",
                                                          staff2(session, at).id, "原开标主持人调岗"))
    assert (error.rule, error.field) == ("electronic.no_early_decrypt", "role") and "no opening key" in error.message
