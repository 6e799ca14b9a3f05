"""Virtual sub-accounts get random numbers and names without the bidder's company: the old numbers were the
settlement account's number plus lot id, round and organisation id (anyone could enumerate them) and the old
names were "<deal code>·<company>". Transfers refer to accounts by id, so the history stays whole. Downgrade
keeps the new numbers and names (the old ones leaked; nothing needs them back).

Revision ID: 0011_bank_privacy
Revises: 0010_deal_cells
Create Date: 2026-12-06 22:45:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_bank_privacy'
down_revision = '0010_deal_cells'
branch_labels = None
depends_on = None

DIGITS = 12  # as trading.bank.service.SUB_ACCOUNT_DIGITS when this migration was written
NAME = "投标保证金虚拟子账号 {label}"  # as trading.bank.service.SUB_ACCOUNT_NAME

account = sa.table('bank_account', sa.column('id', sa.Integer), sa.column('number', sa.String),
                   sa.column('name', sa.String), sa.column('kind', sa.String), sa.column('parent_id', sa.Integer),
                   sa.column('lot_id', sa.Integer))
lot = sa.table('lot', sa.column('id', sa.Integer), sa.column('deal_code', sa.String))


def renumber(connection) -> int:
    """Give every virtual sub-account a fresh random number (its parent's number plus DIGITS random digits)
    and a name carrying only the deal code; returns how many were changed."""
    parent = account.alias('parent')
    rows = connection.execute(
        sa.select(account.c.id, parent.c.number, account.c.lot_id, lot.c.deal_code)
        .select_from(account.join(parent, parent.c.id == account.c.parent_id)
                     .outerjoin(lot, lot.c.id == account.c.lot_id))
        .where(account.c.kind == 'virtual').order_by(account.c.id)).all()
    taken = set(connection.scalars(sa.select(account.c.number)))
    for account_id, prefix, lot_id, deal_code in rows:
        number = None
        while number is None or number in taken:
            number = f"{prefix}{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
        taken.add(number)
        label = deal_code or (f"标段{lot_id}" if lot_id is not None else "")
        connection.execute(account.update().where(account.c.id == account_id).values(
            number=number, name=NAME.format(label=label).strip()))
    return len(rows)


def upgrade():
    renumber(op.get_bind())


def downgrade():
    pass
