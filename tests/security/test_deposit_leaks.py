"""Issue 13, item 3: a bidder must not learn through the simulated bank who signed up for a lot. Each test plays
the attacker (a logged-in bidder on the online-bank page, or the services it calls) and checks it learns nothing:
sub-account numbers are random, every refused payment gets one answer that does not depend on the number,
only the bidder's own account can pay its sub-account, and statements name no other company."""

from __future__ import annotations

import html
import importlib.util
import re
import secrets
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW, login
from trading.bank import service as bank
from trading.clock import FixedClock
from trading.domain.errors import DomainError
from trading.extensions import db
from trading.models import AuditEntry, BankAccount, BankTransfer, DepositPayment, Lot, Organisation, User
from trading.platform import current_platform
from trading.services import deposits, pledges, registrations
from trading.simulate import lots as walk

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0011_bank_privacy.py"


@pytest.fixture
def lot_id(app, demo, tmp_path):
    """The sample construction lot, announced (deposit 700,000.00); bidder1 and bidder2 signed up."""
    with app.app_context():
        people, ctx = walk.cast(db.session), current_platform()
        lot = walk.create(ctx, db.session, people, FIXED_NOW, "construction")
        walk.advance(ctx, db.session, people, FIXED_NOW, lot, "announced")
        for bidder in people.bidders[:2]:
            registrations.sign_up(db.session, bidder, FIXED_NOW, lot, pledge=pledges.accepted(db.session, lot, bidder))
        db.session.commit()
        return lot.id


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def sub_account_of(lot_id: int, username: str) -> BankAccount:
    lot = db.session.get(Lot, lot_id)
    return deposits.deposit_of(db.session, lot, user(username).organisation_id).sub_account


def written() -> tuple[int, int, int]:
    """Rows an accepted payment would add: transfers, matched deposit payments, audit entries."""
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (BankTransfer, DepositPayment, AuditEntry))


def balances() -> dict[str, Decimal]:
    return {a.number: a.balance for a in db.session.scalars(sa.select(BankAccount))}


def pay_page(client, target: str, amount: str = "1") -> tuple[str, str]:
    """Post a payment on the online-bank page; the refusal shown on the form, and the page with the typed number
    (which the form echoes back) and the time-signed form tokens taken out."""
    response = client.post("/bank/", data={"target": target, "amount": amount, "memo": ""})
    assert response.status_code == 200  # refused: the form comes back
    page = response.get_data(as_text=True)
    errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>\s*(.*?)\s*</div>', page, re.S)
    assert errors, "the page shows no refusal"
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", page.replace(target, "NUMBER"))  # signed with the time
    return " | ".join(html.unescape(e) for e in errors), page


def test_sub_account_numbers_are_random_and_carry_no_ids(app, lot_id):
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        parent = bank.settlement_account(db.session, FIXED_NOW).number
        mine, theirs = sub_account_of(lot_id, "bidder1"), sub_account_of(lot_id, "bidder2")
        tails = []
        for account, username in ((mine, "bidder1"), (theirs, "bidder2")):
            org_id = user(username).organisation_id
            assert account.number.startswith(parent) and len(account.number) == len(mine.number)
            tail = account.number[len(parent):]
            assert tail != f"{lot.id:06d}{lot.round:02d}{org_id:05d}"[-len(tail):]  # the old derivation
            assert f"{lot.id:06d}{lot.round:02d}{org_id:05d}" not in account.number
            tails.append(int(tail))
        assert abs(tails[0] - tails[1]) > 1000  # not sequential (a 1 in 10^9 chance of a false alarm)
        # the same (lot, round, bidder) gets a different number each time: nothing derives it from ids
        again = [bank.open_sub_account(db.session, FIXED_NOW, lot_id=lot.id, round=lot.round,
                                       organisation=user("bidder1").organisation, label=lot.deal_code).number
                 for _ in range(3)]
        assert len({mine.number, *again}) == 4
        db.session.rollback()


def test_enumerating_numbers_near_ones_own_finds_no_rival(app, lot_id):
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        mine, theirs = sub_account_of(lot_id, "bidder1").number, sub_account_of(lot_id, "bidder2").number
        parent = bank.settlement_account(db.session, FIXED_NOW).number
        rival_id = user("bidder2").organisation_id
    width = len(mine) - len(parent)
    guesses = [f"{parent}{(int(mine[len(parent):]) + step) % 10**width:0{width}d}" for step in range(-10, 11) if step]
    guesses.append(f"{parent}{lot.id:06d}{lot.round:02d}{rival_id:05d}")  # the old derived number
    assert theirs not in guesses
    client = app.test_client()
    login(client, "bidder1")
    with app.app_context():
        before_rows, before_money = written(), balances()
    answers = {pay_page(client, number)[0] for number in guesses}
    assert len(answers) == 1  # one answer for every probe
    with app.app_context():
        assert written() == before_rows and balances() == before_money


def test_a_random_number_and_a_rivals_real_sub_account_get_the_same_answer(app, lot_id):
    with app.app_context():
        theirs = sub_account_of(lot_id, "bidder2").number
        parent = bank.settlement_account(db.session, FIXED_NOW).number
    unknown = f"{parent}{secrets.randbelow(10**bank.SUB_ACCOUNT_DIGITS):0{bank.SUB_ACCOUNT_DIGITS}d}"
    assert unknown != theirs
    client = app.test_client()
    login(client, "bidder1")
    with app.app_context():
        before_rows, before_money = written(), balances()
    refused_unknown, page_unknown = pay_page(client, unknown)
    refused_rival, page_rival = pay_page(client, theirs)
    assert refused_unknown == refused_rival and "收款账户" in refused_rival
    assert page_unknown == page_rival  # byte for byte, once the number typed is taken out
    for other in (parent, "6217000", "not a number"):  # the settlement account, a short number, rubbish
        assert pay_page(client, other)[0] == refused_rival
    with app.app_context():
        assert written() == before_rows and balances() == before_money


def test_a_closed_lots_sub_account_gets_the_same_answer_as_an_unknown_number(app, lot_id):
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        bidder = user("bidder1")
        answers = set()
        for number in (sub_account_of(lot_id, "bidder1").number, sub_account_of(lot_id, "bidder2").number,
                       "621790000001999999999999"):
            with pytest.raises(DomainError) as refused:
                deposits.pay(db.session, bidder, lot.bid_deadline, target_number=number, amount="700000")
            answers.add((type(refused.value), refused.value.field, refused.value.render()))
        assert len(answers) == 1
        assert written()[0] == 0


def test_a_huge_amount_gets_the_same_balance_answer_whatever_the_target(app, lot_id):
    with app.app_context():
        mine, theirs = sub_account_of(lot_id, "bidder1").number, sub_account_of(lot_id, "bidder2").number
    client = app.test_client()
    login(client, "bidder1")
    with app.app_context():
        before_rows = written()
    answers = {pay_page(client, number, amount="900000000000")[0]
               for number in (mine, theirs, "621790000001123456789012", "6217000")}
    assert len(answers) == 1 and "余额" in answers.pop()  # about the payer's own balance, for every target
    with app.app_context():
        assert written() == before_rows


def test_paying_into_a_rivals_sub_account_is_refused_and_its_deposit_is_unchanged(app, lot_id):
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        theirs = sub_account_of(lot_id, "bidder2")
        rival = deposits.deposit_of(db.session, lot, user("bidder2").organisation_id)
        before = (rival.received, rival.status, theirs.balance)
        with pytest.raises(DomainError) as refused:  # the service the page calls, with a real balance
            deposits.pay(db.session, user("bidder1"), FIXED_NOW, target_number=theirs.number, amount="700000")
        assert refused.value.message == bank.REFUSED
        number = theirs.number
        db.session.rollback()
    client = app.test_client()
    login(client, "bidder1")
    pay_page(client, number, amount="700000")
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        rival = deposits.deposit_of(db.session, lot, user("bidder2").organisation_id)
        assert (rival.received, rival.status, rival.sub_account.balance) == before
        assert not rival.payments and not deposits.is_covered(db.session, lot, rival.bidder_id)


def test_statements_name_no_other_company(app, lot_id):
    """Both pay their own deposits in the browser and get them back; neither statement names the other."""
    numbers = {}
    with app.app_context():
        for username in ("bidder1", "bidder2"):
            numbers[username] = sub_account_of(lot_id, username).number
        names = {username: user(username).organisation.name for username in ("bidder1", "bidder2")}
    for username in ("bidder1", "bidder2"):
        client = app.test_client()
        login(client, username)
        response = client.post("/bank/", data={"target": numbers[username], "amount": "700000", "memo": "投标保证金"})
        assert response.status_code == 302
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        for deposit in (deposits.deposit_of(db.session, lot, user(u).organisation_id) for u in names):
            assert deposit.status == "paid"
            deposits.refund(current_platform(), db.session, None, FIXED_NOW, deposit, reason="未中标")
        db.session.commit()
    for username, other in (("bidder1", "bidder2"), ("bidder2", "bidder1")):
        client = app.test_client()
        login(client, username)
        page = client.get("/bank/").get_data(as_text=True)
        assert "投标保证金虚拟子账号" in page and numbers[username] in page
        assert names[other] not in page and numbers[other] not in page


def load_migration():
    spec = importlib.util.spec_from_file_location("bank_privacy_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_renumbers_old_sub_accounts_and_takes_the_company_out_of_their_names(app, lot_id):
    """Sub-accounts as the bank opened them before 0011_bank_privacy (derived number, company in the name),
    with a rival's payment into one of them: after the migration's step the numbers are random, the names
    carry only the deal code, the transfers still point at the same accounts, and the rival's statement no
    longer names the company whose deposit it paid."""
    migration = load_migration()
    assert (migration.revision, migration.down_revision) == ("0011_bank_privacy", "0010_deal_cells")
    with app.app_context():
        lot = db.session.get(Lot, lot_id)
        parent = bank.settlement_account(db.session, FIXED_NOW).number
        old = {}
        for username in ("bidder1", "bidder2"):
            account = sub_account_of(lot_id, username)
            org = user(username).organisation
            account.number = f"{parent}{lot.id:06d}{lot.round:02d}{org.id:05d}"
            account.name = f"{lot.deal_code}·{org.name}"
            old[username] = (account.id, account.number)
        victim = sub_account_of(lot_id, "bidder1")
        payer = bank.own_account(db.session, user("bidder2").organisation)
        payer.balance -= Decimal("1000")
        victim.balance += Decimal("1000")
        db.session.add(BankTransfer(serial="legacy-1", from_account_id=payer.id, to_account_id=victim.id,
                                    amount=Decimal("1000"), at=FIXED_NOW, kind="payment", memo=""))
        db.session.commit()

        assert migration.renumber(db.session.connection()) == 2
        db.session.commit()
        db.session.expire_all()
        renumbered = {}
        for username, (account_id, number) in old.items():
            account = db.session.get(BankAccount, account_id)
            assert account.number != number and account.number.startswith(parent)
            assert len(account.number) == len(parent) + bank.SUB_ACCOUNT_DIGITS
            assert account.name == f"投标保证金虚拟子账号 {lot.deal_code}"
            renumbered[username] = account.number
        assert db.session.scalar(sa.select(BankTransfer).where(BankTransfer.serial == "legacy-1")).to_account_id \
            == old["bidder1"][0]
        victim_name = db.session.get(Organisation, user("bidder1").organisation_id).name
    client = app.test_client()
    login(client, "bidder2")
    page = client.get("/bank/").get_data(as_text=True)
    assert renumbered["bidder1"] in page and victim_name not in page


def test_the_result_page_names_no_depositor_before_the_deadline(app, lot_id):
    """Tenderee and staff see no deposit list until the bid deadline; after it, staff see who paid."""
    with app.app_context():
        number = sub_account_of(lot_id, "bidder1").number
        name = user("bidder1").organisation.name
        deadline = db.session.get(Lot, lot_id).bid_deadline
    bidder = app.test_client()
    login(bidder, "bidder1")
    assert bidder.post("/bank/", data={"target": number, "amount": "700000", "memo": ""}).status_code == 302
    for username in ("tenderee1", "staff"):
        client = app.test_client()
        login(client, username)
        response = client.get(f"/lots/{lot_id}/result")
        assert response.status_code == 200 and name not in response.get_data(as_text=True)
    app.extensions["trading"].clock = FixedClock(deadline)
    client = app.test_client()
    login(client, "staff")
    assert name in client.get(f"/lots/{lot_id}/result").get_data(as_text=True)


def test_an_old_transfer_between_two_companies_shows_neither_name_on_the_statements(app, lot_id):
    """Before 0011_bank_privacy a company could pay another company's own account; such rows stay in the
    history, but each side's statement masks the other company's name and number."""
    with app.app_context():
        payer = bank.own_account(db.session, user("bidder1").organisation)
        payee = bank.own_account(db.session, user("bidder2").organisation)
        names = {"bidder1": payer.name, "bidder2": payee.name}
        numbers = {"bidder1": payer.number, "bidder2": payee.number}
        payer.balance -= Decimal("5000")
        payee.balance += Decimal("5000")
        db.session.add(BankTransfer(serial="legacy-2", from_account_id=payer.id, to_account_id=payee.id,
                                    amount=Decimal("5000"), at=FIXED_NOW, kind="payment", memo=""))
        db.session.commit()
    for username, other in (("bidder1", "bidder2"), ("bidder2", "bidder1")):
        client = app.test_client()
        login(client, username)
        page = client.get("/bank/").get_data(as_text=True)
        assert "legacy-2" in page and "其他单位账户" in page
        assert names[other] not in page and numbers[other] not in page
