"""Land lots traded live (issue 18): paddle numbers (竞买号) per qualified registration, offers in one per-lot
sequence (accepted or refused with the reason), and each round's auction state with its sealed reserve price and
decision. No existing rows change.

Revision ID: 0021_auctions
Revises: 0020_rule_settings
Create Date: 2027-01-12 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_auctions'
down_revision = '0020_rule_settings'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('paddle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('bidder_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=8), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['bidder_id'], ['organisation.id'], name=op.f('fk_paddle_bidder_id_organisation')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_paddle_lot_id_lot')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_paddle_registration_id_registration')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paddle')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_paddle_registration_id')),
    sa.UniqueConstraint('lot_id', 'round', 'number', name='uq_paddle_lot_round_number'),
    sa.UniqueConstraint('lot_id', 'round', 'bidder_id', name='uq_paddle_lot_round_bidder')
    )
    with op.batch_alter_table('paddle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paddle_lot_id'), ['lot_id'], unique=False)
    op.create_table('offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('paddle_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('phase', sa.String(length=8), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_offer_lot_id_lot')),
    sa.ForeignKeyConstraint(['paddle_id'], ['paddle.id'], name=op.f('fk_offer_paddle_id_paddle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer')),
    sa.UniqueConstraint('lot_id', 'round', 'seq', name='uq_offer_lot_round_seq')
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_lot_id'), ['lot_id'], unique=False)
    op.create_table('auction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('countdown_end', sa.DateTime(), nullable=True),
    sa.Column('reserve_commitment', sa.String(length=64), nullable=True),
    sa.Column('reserve_set_at', sa.DateTime(), nullable=True),
    sa.Column('reserve_set_by_id', sa.Integer(), nullable=True),
    sa.Column('reserve', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('reserve_revealed_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('rule', sa.String(length=64), nullable=True),
    sa.Column('winner_paddle_id', sa.Integer(), nullable=True),
    sa.Column('price', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('confirmation', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_auction_lot_id_lot')),
    sa.ForeignKeyConstraint(['reserve_set_by_id'], ['user_account.id'], name=op.f('fk_auction_reserve_set_by_id_user_account')),
    sa.ForeignKeyConstraint(['winner_paddle_id'], ['paddle.id'], name=op.f('fk_auction_winner_paddle_id_paddle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auction')),
    sa.UniqueConstraint('lot_id', 'round', name='uq_auction_lot_round')
    )
    with op.batch_alter_table('auction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auction_phase'), ['phase'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_countdown_end'), ['countdown_end'], unique=False)


def downgrade():
    with op.batch_alter_table('auction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auction_countdown_end'))
        batch_op.drop_index(batch_op.f('ix_auction_phase'))
    op.drop_table('auction')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_lot_id'))
    op.drop_table('offer')
    with op.batch_alter_table('paddle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paddle_lot_id'))
    op.drop_table('paddle')
