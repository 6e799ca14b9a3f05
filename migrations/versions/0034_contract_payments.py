"""One way to pay a contract's price (issue 18): the payments towards a land contract (land_payment) and towards a
property transaction contract (contract_payment, recorded by staff) in one table, contract_payment. A property
contract's price now arrives through the simulated bank too, into a collection sub-account of the contract under the
centre's settlement account (32号令 第二十七条: settled through the exchange); a payment settled outside the centre is
the exception, recorded by staff with the approving body's written opinion.

Rows carried over: every land payment as it was (deposit or bank); every property payment staff recorded as
``outside`` (at the start of its day, Beijing time); each registered property contract gets its applied deposit as
its first row (on the day of the deal, as the schedule counted it) and its collection sub-account.

Revision ID: 0034_contract_payments
Revises: 0033_property_followup
Create Date: 2026-12-07 22:00:00

"""
import json
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0034_contract_payments'
down_revision = '0033_property_followup'
branch_labels = None
depends_on = None

COLLECTION_NAME = "产权交易价款结算子账号 {label}"
SUB_ACCOUNT_DIGITS = 12


def _day_start_utc(day) -> datetime:
    """The start of a day in Beijing time, as a naive UTC datetime (how the database keeps times)."""
    if isinstance(day, str):
        day = datetime.strptime(day[:10], "%Y-%m-%d").date()
    return datetime(day.year, day.month, day.day) - timedelta(hours=8)


def _local_day_sql(column: str) -> str:
    """SQL for the day, in Beijing time, of a UTC timestamp column."""
    if op.get_bind().dialect.name == "sqlite":
        return f"DATE({column}, '+8 hours')"
    return f"CAST({column} + INTERVAL '8 hours' AS DATE)"


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('contract_payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transfer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('payer_account', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approval', sa.String(length=200), nullable=True))
        batch_op.alter_column('reference', existing_type=sa.String(length=100), nullable=True)
        batch_op.alter_column('recorded_by_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('recorded_at', existing_type=sa.DateTime(), nullable=True)
    # a property payment staff recorded is kept as one settled outside the centre, at the start of its day
    for row_id, paid_on in bind.execute(sa.text("SELECT id, paid_on FROM contract_payment")).all():
        bind.execute(sa.text("UPDATE contract_payment SET source = 'outside', at = :at WHERE id = :id"),
                     {"at": _day_start_utc(paid_on), "id": row_id})
    with op.batch_alter_table('contract_payment', schema=None) as batch_op:
        batch_op.drop_column('paid_on')
        batch_op.alter_column('source', existing_type=sa.String(length=16), nullable=False)
        batch_op.alter_column('at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_contract_payment_transfer_id'), ['transfer_id'])
        batch_op.create_foreign_key(batch_op.f('fk_contract_payment_transfer_id_bank_transfer'), 'bank_transfer',
                                    ['transfer_id'], ['id'])
    op.execute("INSERT INTO contract_payment (contract_id, transfer_id, source, payer_account, amount, at) "
               "SELECT contract_id, transfer_id, source, payer_account, amount, at FROM land_payment ORDER BY id")
    payment = sa.table('contract_payment', sa.column('contract_id'), sa.column('source'), sa.column('amount'),
                       sa.column('at', sa.DateTime()))
    contracts = bind.execute(sa.text(
        "SELECT c.id, c.lot_id, c.round, c.buyer_id, c.price, c.signed_on, c.terms, l.deal_code "
        "FROM transfer_contract c LEFT JOIN lot l ON l.id = c.lot_id "
        "WHERE c.payment IN ('lump_sum', 'instalments', 'annual_rent') ORDER BY c.id"
    )).all()
    settlement = bind.execute(sa.text("SELECT id, number FROM bank_account WHERE kind = 'settlement'")).first()
    now = datetime.now(UTC).replace(tzinfo=None)
    accounts = sa.table('bank_account', sa.column('number'), sa.column('name'), sa.column('kind'),
                        sa.column('organisation_id'), sa.column('parent_id'), sa.column('lot_id'), sa.column('round'),
                        sa.column('balance'), sa.column('opened_at', sa.DateTime()))
    for cid, lot_id, round_, buyer_id, price, signed_on, terms, deal_code in contracts:
        deposit = bind.execute(sa.text(
            "SELECT received FROM deposit WHERE lot_id = :lot AND round = :round AND bidder_id = :buyer "
            "AND status = 'applied'"), {"lot": lot_id, "round": round_, "buyer": buyer_id}).first()
        if deposit is not None and deposit[0] and deposit[0] > 0:
            decided = bind.execute(sa.text("SELECT decided_at FROM auction WHERE lot_id = :lot AND round = :round"),
                                   {"lot": lot_id, "round": round_}).scalar()
            if isinstance(decided, str):  # SQLite hands a raw query's times back as text
                decided = datetime.fromisoformat(decided[:19])
            at = _day_start_utc(decided + timedelta(hours=8)) if decided is not None else _day_start_utc(signed_on)
            bind.execute(payment.insert().values(contract_id=cid, source="deposit", amount=min(deposit[0], price),
                                                 at=at))
        kept = terms if isinstance(terms, dict) else json.loads(terms or "{}")
        if settlement is not None and not kept.get("account"):
            while True:
                number = f"{settlement[1]}{secrets.randbelow(10**SUB_ACCOUNT_DIGITS):0{SUB_ACCOUNT_DIGITS}d}"
                if bind.execute(sa.text("SELECT 1 FROM bank_account WHERE number = :n"), {"n": number}).first() is None:
                    break
            bind.execute(accounts.insert().values(number=number, name=COLLECTION_NAME.format(label=deal_code or lot_id),
                                                  kind="virtual", organisation_id=buyer_id, parent_id=settlement[0],
                                                  lot_id=lot_id, round=round_, balance=0, opened_at=now))
            bind.execute(sa.text("UPDATE transfer_contract SET terms = :terms WHERE id = :id"),
                         {"terms": json.dumps({**kept, "account": number}, ensure_ascii=False), "id": cid})
    with op.batch_alter_table('land_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_payment_contract_id'))
    op.drop_table('land_payment')


def downgrade():
    op.create_table('land_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('payer_account', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['transfer_contract.id'], ),
    sa.ForeignKeyConstraint(['transfer_id'], ['bank_transfer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('transfer_id')
    )
    with op.batch_alter_table('land_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_payment_contract_id'), ['contract_id'], unique=False)
    op.execute("INSERT INTO land_payment (contract_id, transfer_id, source, payer_account, amount, at) "
               "SELECT p.contract_id, p.transfer_id, p.source, p.payer_account, p.amount, p.at FROM contract_payment p "
               "JOIN transfer_contract c ON c.id = p.contract_id WHERE c.payment = 'land_grant' ORDER BY p.id")
    # a property payment through the bank had no row of its own before: kept as a recorded one (its bank serial),
    # recorded by whoever registered the contract; the land rows and the deposit rows go (the property schedule read
    # the deposit itself)
    op.execute("DELETE FROM contract_payment WHERE source = 'deposit' OR contract_id IN "
               "(SELECT id FROM transfer_contract WHERE payment = 'land_grant')")
    with op.batch_alter_table('contract_payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_on', sa.Date(), nullable=True))
    op.execute(f"UPDATE contract_payment SET paid_on = {_local_day_sql('at')}, "
               "reference = COALESCE(reference, (SELECT t.serial FROM bank_transfer t WHERE t.id = transfer_id), ''), "
               "recorded_by_id = COALESCE(recorded_by_id, (SELECT c.recorded_by_id FROM transfer_contract c "
               "WHERE c.id = contract_id)), recorded_at = COALESCE(recorded_at, at)")
    with op.batch_alter_table('contract_payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contract_payment_transfer_id_bank_transfer'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_contract_payment_transfer_id'), type_='unique')
        batch_op.drop_column('approval')
        batch_op.drop_column('at')
        batch_op.drop_column('payer_account')
        batch_op.drop_column('source')
        batch_op.drop_column('transfer_id')
        batch_op.alter_column('paid_on', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('reference', existing_type=sa.String(length=100), nullable=False)
        batch_op.alter_column('recorded_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('recorded_at', existing_type=sa.DateTime(), nullable=False)
