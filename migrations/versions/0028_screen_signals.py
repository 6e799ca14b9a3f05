"""Collusion screen signals kept as rows (screen, rule, bidders, inputs, working, threshold, legal basis) with the
supervisor's decision (dismissed with a reason, or referred) (issue 19).

Revision ID: 0028_screen_signals
Revises: 0027_land_contract
Create Date: 2026-12-07 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_screen_signals'
down_revision = '0027_land_contract'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('screen_signal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('screen', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('bidders', sa.JSON(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('working', sa.JSON(), nullable=False),
    sa.Column('threshold', sa.String(length=200), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('credit_events', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_screen_signal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_screen_signal_lot_id_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screen_signal')),
    sa.UniqueConstraint('key', name=op.f('uq_screen_signal_key'))
    )
    with op.batch_alter_table('screen_signal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screen_signal_lot_id'), ['lot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('screen_signal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screen_signal_lot_id'))

    op.drop_table('screen_signal')
