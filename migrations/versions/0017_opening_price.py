"""The opening record's price is Decimal yuan: opening_entry.price becomes Numeric(18, 2), parsed once at the
opening, and the price as read from the bid is kept in opening_entry.price_text.

Existing rows: the old text column is copied to price_text unchanged, and parsed into price. The price forms
the platform wrote always hold the canonical yuan text ("36880000.00"); older or hand-made text is parsed too:
full-width digits and signs, thousands commas, ¥ and 元, a 万元 or 亿元 unit ("3,688万元" is 36,880,000.00).
Text that does not parse (no number, a negative amount, more than 2 decimals once in yuan, 10^16 yuan or more)
leaves price NULL and only price_text set: the record still shows what was read, and the evaluation refuses
such a bid by name ("The price of bid N must be an amount above zero") instead of guessing. A NULL text stays
NULL in both columns.

Downgrade: the text column comes back from price_text.

Revision ID: 0017_opening_price
Revises: 0014_holder_custody
Create Date: 2026-12-20 12:00:00

"""
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_opening_price'
down_revision = '0015_sessions'
branch_labels = None
depends_on = None

_AMOUNT = re.compile(r"¥?\s*(?P<number>[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>万|亿)?\s*元?", re.ASCII)
_UNITS = {None: Decimal(1), "万": Decimal(10) ** 4, "亿": Decimal(10) ** 8}


def parse_price(text):
    """The Decimal yuan of a price as read from a bid, or None when it does not parse (see the module notes).
    Self-contained on purpose: a migration imports no app code."""
    if text is None:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        return None
    try:
        value = Decimal(match["number"].replace(",", "")) * _UNITS[match["unit"]]
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value >= Decimal(10) ** 16 or value != value.quantize(Decimal("0.01")):
        return None
    return value.quantize(Decimal("0.01"))


def upgrade():
    with op.batch_alter_table('opening_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_text', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('price_value', sa.Numeric(precision=18, scale=2), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, price FROM opening_entry WHERE price IS NOT NULL")).all()
    if rows:
        update = sa.text("UPDATE opening_entry SET price_text = :text, price_value = :value WHERE id = :id")
        update = update.bindparams(sa.bindparam("value", type_=sa.Numeric(precision=18, scale=2)))
        connection.execute(update, [{"id": row.id, "text": row.price, "value": parse_price(row.price)}
                                    for row in rows])
    with op.batch_alter_table('opening_entry', schema=None) as batch_op:
        batch_op.drop_column('price')
    with op.batch_alter_table('opening_entry', schema=None) as batch_op:
        batch_op.alter_column('price_value', new_column_name='price', existing_type=sa.Numeric(precision=18, scale=2),
                              existing_nullable=True)


def downgrade():
    with op.batch_alter_table('opening_entry', schema=None) as batch_op:
        batch_op.drop_column('price')
    with op.batch_alter_table('opening_entry', schema=None) as batch_op:
        batch_op.alter_column('price_text', new_column_name='price', existing_type=sa.String(length=30),
                              existing_nullable=True)
