"""Every procurement method completes (issue 16): a lot's "complex" mark with its reason (87号令 Art. 47), the
bidders a method request names (invited tender, single source), and the single-source negotiation record
(协商情况记录) that takes the place of the evaluation.

Existing rows: no lot is complex, no request names anyone.

Revision ID: 0019_methods
Revises: 0018_api_tokens
Create Date: 2026-12-22 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_methods'
down_revision = '0018_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complex', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('complex_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('method_approval', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitees', sa.JSON(), nullable=False, server_default='[]'))
    op.create_table('negotiation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('negotiated_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('negotiators', sa.JSON(), nullable=False),
    sa.Column('cost_note', sa.Text(), nullable=False),
    sa.Column('quoted', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('price', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_negotiation_bid_id_bid')),
    sa.ForeignKeyConstraint(['bidder_id'], ['organisation.id'], name=op.f('fk_negotiation_bidder_id_organisation')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_negotiation_lot_id_lot')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_negotiation_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_negotiation')),
    sa.UniqueConstraint('lot_id', 'round', name='uq_negotiation_lot_round')
    )
    with op.batch_alter_table('negotiation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_negotiation_lot_id'), ['lot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('negotiation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_negotiation_lot_id'))
    op.drop_table('negotiation')
    with op.batch_alter_table('method_approval', schema=None) as batch_op:
        batch_op.drop_column('invitees')
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_column('complex_reason')
        batch_op.drop_column('complex')
