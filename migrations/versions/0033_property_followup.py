"""State property follow-up (issue 18): the pre-disclosure of a transfer that changes control (32号令 第十三条), the
first formal disclosure under the current valuation (第十九条: re-valued after 12 months without a buyer), and the
buyer's payments under the transaction contract.

Revision ID: 0033_property_followup
Revises: 0032_land_payments
Create Date: 2026-12-07 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033_property_followup'
down_revision = '0032_land_payments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pre_disclosure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('formal_from', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], ),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lot_id')
    )
    with op.batch_alter_table('pre_disclosure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pre_disclosure_published_at'), ['published_at'], unique=False)
    op.create_table('contract_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['transfer_contract.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contract_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_payment_contract_id'), ['contract_id'], unique=False)
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_disclosure_at', sa.DateTime(), nullable=True))
    # a property lot announced before this migration: its first formal disclosure is taken as its first announcement's
    # publication (the listing start of earlier rounds is not kept on the lot)
    op.execute("UPDATE lot SET first_disclosure_at = (SELECT MIN(a.published_at) FROM announcement a "
               "WHERE a.lot_id = lot.id) WHERE project_id IN (SELECT id FROM project WHERE trade_type = 'property') "
               "AND EXISTS (SELECT 1 FROM announcement a WHERE a.lot_id = lot.id)")


def downgrade():
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_column('first_disclosure_at')
    with op.batch_alter_table('contract_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_payment_contract_id'))
    op.drop_table('contract_payment')
    with op.batch_alter_table('pre_disclosure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pre_disclosure_published_at'))
    op.drop_table('pre_disclosure')
