"""The land deal's follow-up (issue 18): when the land contract (出让合同) is due, and a deal voided because the winner
refused, or failed in time, to sign it, with the reason;
a credit event the clock step finds has no user.

Revision ID: 0027_land_contract
Revises: 0026_corrections
Create Date: 2026-12-07 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_land_contract'
down_revision = '0026_corrections'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('auction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_due', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_auction_contract_due'), ['contract_due'], unique=False)
    with op.batch_alter_table('credit_event', schema=None) as batch_op:  # an event the clock step finds has no user
        batch_op.alter_column('recorded_by_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table('credit_event', schema=None) as batch_op:
        batch_op.alter_column('recorded_by_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('auction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auction_contract_due'))
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_at')
        batch_op.drop_column('contract_due')
