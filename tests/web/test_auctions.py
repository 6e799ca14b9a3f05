"""A land parcel's live trade through the web: the price board for each role, an offer, the sealed reserve, the
board's JSON (paddle numbers, never names) and the signed 成交确认书."""

from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import login
from tests.services.auction_lot import land_lot, open_listing
from trading.domain import auction
from trading.extensions import db
from trading.services import auctions, chronograph


def _listing(app):
    """The demo land parcel in its listing with bidder1 and bidder2 qualified; the clock an hour into it."""
    with app.app_context():
        ctx = app.extensions["trading"]
        people, lot, paddles = land_lot(db.session)
        open_listing(ctx, db.session, lot)
        db.session.commit()
        ctx.clock.move_to(lot.listing_start + timedelta(hours=1))
        return lot.id, [p.number for p in paddles], [b.organisation.name for b in people.bidders[:2]]


def test_a_bidder_offers_on_the_board_and_every_watcher_sees_the_paddle_number_only(app):
    lot_id, numbers, names = _listing(app)
    bidder, staff = app.test_client(), app.test_client()
    login(bidder, "bidder1"), login(staff, "staff")
    page = bidder.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="price-board"' in page and numbers[0] in page and 'id="offer-form"' in page
    response = bidder.post(f"/lots/{lot_id}/offers", data={"amount": "61,200,000"})
    assert response.status_code == 302
    off_grid = bidder.post(f"/lots/{lot_id}/offers", data={"amount": "61300000"}, follow_redirects=True)
    assert "land.own_highest" in off_grid.get_data(as_text=True) or "最高" in off_grid.get_data(as_text=True)
    for client in (bidder, staff):
        board = client.get(f"/lots/{lot_id}/board.json").get_json()
        assert board["current_price"] == "61200000.00" and board["current_paddle"] == numbers[0]
        assert board["next_minimum"] == "61700000.00" and [o["seq"] for o in board["offers"]] == [1]
        assert not any(name in str(board) for name in names)
    answer = bidder.post(f"/lots/{lot_id}/offers", data={"amount": "61700000"},
                         headers={"Accept": "application/json"})  # a bidder's tool reads the answer
    assert answer.status_code == 422 and answer.get_json()["rule"] == "land.own_highest"
    assert answer.get_json()["seq"] == 3 and not answer.get_json()["accepted"]
    staff_page = staff.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="offer-audit"' in staff_page and not any(name in staff_page for name in names)


def test_the_land_authority_seals_its_reserve_and_the_platform_keeps_only_the_seal(app):
    lot_id, _, _ = _listing(app)
    tenderee = app.test_client()
    login(tenderee, "tenderee2")
    page = tenderee.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="reserve-form"' in page and 'id="reserve-price"' in page and 'name="reserve' not in page
    with app.app_context():
        code = auctions.commitment_code(db.session.get(auctions.Lot, lot_id))
    seal = auction.commit(code, auction.Decimal("62000000"), "f" * 32)
    assert tenderee.post(f"/lots/{lot_id}/reserve", data={"commitment": seal}).status_code == 302
    with app.app_context():
        stored = auctions.auction_of(db.session, db.session.get(auctions.Lot, lot_id))
        assert stored.reserve_commitment == seal and stored.reserve is None


def test_the_deal_confirmation_is_signed_and_printable_once_the_result_is_out(app):
    lot_id, numbers, names = _listing(app)
    bidder = app.test_client()
    login(bidder, "bidder1")
    bidder.post(f"/lots/{lot_id}/offers", data={"amount": "61700000"})
    assert bidder.get(f"/lots/{lot_id}/confirmation").status_code == 404
    with app.app_context():
        ctx = app.extensions["trading"]
        lot = db.session.get(auctions.Lot, lot_id)
        chronograph.tick(ctx, db.session, lot.listing_end)
        db.session.commit()
        ctx.clock.move_to(lot.listing_end + timedelta(minutes=1))
    page = bidder.get(f"/lots/{lot_id}/confirmation").get_data(as_text=True)
    assert "成交确认书" in page and 'id="signature-valid"' in page and names[0] in page and numbers[0] in page
    board = bidder.get(f"/lots/{lot_id}/board.json").get_json()
    assert board["outcome"] == "deal" and board["winner_paddle"] == numbers[0]


def test_an_accepted_offer_is_announced_on_the_boards_live_channel_to_every_watcher(app):
    import re

    from tests.web.test_live import read

    lot_id, numbers, names = _listing(app)
    bidder, watcher = app.test_client(), app.test_client()
    login(bidder, "bidder1"), login(watcher, "bidder2")
    page = watcher.get(f"/lots/{lot_id}").get_data(as_text=True)
    url = re.search(r'data-live-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert url.startswith(f"/lots/{lot_id}/board/live") and "js/live.js" in page  # from the page's render on
    assert bidder.post(f"/lots/{lot_id}/offers", data={"amount": "61300000"}).status_code == 302  # off the grid
    assert bidder.post(f"/lots/{lot_id}/offers", data={"amount": "61,200,000"}).status_code == 302
    stream = watcher.get(url, buffered=False)
    assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
    text = read(stream, 1)
    assert text.count("event: board") == 1 and not any(name in text for name in names)
    board = watcher.get(f"/lots/{lot_id}/board.json").get_json()
    assert [o["seq"] for o in board["offers"]] == [2], "the refused offer (seq 1) announced nothing"
    # the event carries the board's public figures, each as board.json shows them, and nothing more
    import json

    event = json.loads(next(line[6:] for line in text.splitlines() if line.startswith("data: ")))
    assert set(event) == set(auctions.EVENT_FIELDS) | {"offer"}
    assert {name: event[name] for name in auctions.EVENT_FIELDS if name != "now"} == \
        {name: board[name] for name in auctions.EVENT_FIELDS if name != "now"}
    assert event["offer"] == {k: v for k, v in board["offers"][0].items() if k != "amount_shown"}
    assert event["current_paddle"] == numbers[0] and event["current_price"] == "61200000.00"


def _dealt(app):
    """The demo land parcel sold at the listing's end to bidder1; the clock a day after the deal."""
    lot_id, numbers, names = _listing(app)
    bidder = app.test_client()
    login(bidder, "bidder1")
    bidder.post(f"/lots/{lot_id}/offers", data={"amount": "61700000"})
    with app.app_context():
        ctx = app.extensions["trading"]
        lot = db.session.get(auctions.Lot, lot_id)
        chronograph.tick(ctx, db.session, lot.listing_end)
        db.session.commit()
        ctx.clock.move_to(lot.listing_end + timedelta(days=1))
        return lot_id, numbers, names, auctions.auction_of(db.session, lot).contract_due


def test_the_land_authority_registers_the_land_contract_on_the_board(app):
    from trading.domain import calendar

    lot_id, _, _, due = _dealt(app)
    tenderee, staff = app.test_client(), app.test_client()
    login(tenderee, "tenderee2"), login(staff, "staff")
    page = tenderee.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="land-contract-form"' in page and 'id="land-refusal-form"' not in page
    assert 'id="land-refusal-form"' in staff.get(f"/lots/{lot_id}").get_data(as_text=True)
    with app.app_context():
        today = calendar.local_date(app.extensions["trading"].clock.now()).isoformat()
    form = {"number": "咸土出〔2026〕7号", "signed_on": today}
    # a schedule below half within the month is refused naming the rule, and nothing is registered
    low = tenderee.post(f"/lots/{lot_id}/land-contract", data={**form, "amount_1": "20000000", "due_1": today,
                                                               "amount_2": "41700000", "due_2": today[:4] + "-12-01"},
                        follow_redirects=True).get_data(as_text=True)
    assert "land.first_payment" in low or "50%" in low
    assert 'id="land-contract-form"' in low and 'id="land-schedule"' not in low
    first_day = date.fromisoformat(today) + timedelta(days=20)
    done = tenderee.post(f"/lots/{lot_id}/land-contract",
                         data={**form, "amount_1": "30850000", "due_1": first_day.isoformat(),
                               "amount_2": "30850000", "due_2": (first_day + timedelta(days=100)).isoformat()},
                         follow_redirects=True).get_data(as_text=True)
    assert "咸土出〔2026〕7号" in done and 'id="land-contract-form"' not in done
    assert 'id="land-schedule"' in done and 'id="land-account"' in done
    with app.app_context():
        assert db.session.get(auctions.Lot, lot_id).state == "contracted"
    # the buyer reads its collection account and pays in the online bank; another bidder sees the schedule only
    buyer, other = app.test_client(), app.test_client()
    login(buyer, "bidder1"), login(other, "bidder2")
    mine = buyer.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="land-account"' in mine and "/bank/?to=" in mine
    theirs = other.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="land-schedule"' in theirs and 'id="land-account"' not in theirs


def test_staff_record_a_refusal_and_every_watcher_reads_the_reason(app):
    lot_id, numbers, names, _ = _dealt(app)
    staff, watcher = app.test_client(), app.test_client()
    login(staff, "staff"), login(watcher, "bidder2")
    refused = staff.post(f"/lots/{lot_id}/land-contract/refused", data={"reason": "竞得人书面放弃竞得宗地"})
    assert refused.status_code == 302
    page = watcher.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="board-void-reason"' in page and "竞得人书面放弃竞得宗地" in page
    board = watcher.get(f"/lots/{lot_id}/board.json").get_json()
    assert board["outcome"] == "void" and board["void_reason"] == "竞得人书面放弃竞得宗地"


def test_staff_refund_the_unsuccessful_deposit_from_the_lot_page_and_an_overdue_one_is_on_the_dashboard(app):
    lot_id, _, _, _ = _dealt(app)
    staff, loser, supervisor, tenderee = (app.test_client() for _ in range(4))
    login(staff, "staff"), login(loser, "bidder2"), login(supervisor, "supervisor"), login(tenderee, "tenderee2")
    with app.app_context():
        ctx = app.extensions["trading"]
        lot = db.session.get(auctions.Lot, lot_id)
        (deposit,) = [d for d in auctions.deposits_of(db.session, lot) if d.status == "refund_due"]
        due, deposit_id = deposit.refund_due, deposit.id
    page = staff.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="land-refunds"' in page and 'id="refund-all"' in page and "39号令" in page
    assert 'id="land-refunds"' in tenderee.get(f"/lots/{lot_id}").get_data(as_text=True)  # read, no button
    assert 'id="refund-all"' not in tenderee.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert 'id="land-refunds"' not in loser.get(f"/lots/{lot_id}").get_data(as_text=True)  # its own note only
    # past its due date it is overdue on the supervisor's dashboard, linked to the lot's board
    with app.app_context():
        ctx.clock.move_to(due + timedelta(hours=1))
    board = supervisor.get("/supervision/").get_data(as_text=True)
    overdue = board.split('id="overdue"')[1].split("</table>")[0]
    assert f"/lots/{lot_id}#land-refunds" in overdue
    assert loser.post(f"/lots/{lot_id}/land-refunds").status_code == 403
    done = staff.post(f"/lots/{lot_id}/land-refunds", data={"deposit": str(deposit_id)}, follow_redirects=True)
    assert done.status_code == 200
    with app.app_context():
        refunded = db.session.get(auctions.Deposit, deposit_id)
        assert refunded.status == "refunded" and refunded.interest == 0 and refunded.refund_late
    again = staff.post(f"/lots/{lot_id}/land-refunds", follow_redirects=True).get_data(as_text=True)
    assert "land.deposit_refund" in again or "each is refunded once" in again or "每笔" in again
    note = loser.get(f"/lots/{lot_id}").get_data(as_text=True)
    assert "39号令" in note
