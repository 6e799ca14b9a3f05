"""The land price's payment schedule and the payments towards it (出让价款缴纳, 国土资发〔2010〕34号): the instalments
a land contract records and the money received (the deposit applied, payments through the simulated bank).

Revision ID: 0032_land_payments
Revises: 0031_procurement_questions
Create Date: 2026-12-07 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032_land_payments'
down_revision = '0031_procurement_questions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('land_instalment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('credit_event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['transfer_contract.id'], ),
    sa.ForeignKeyConstraint(['credit_event_id'], ['credit_event.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contract_id', 'seq', name='uq_land_instalment_contract_seq')
    )
    with op.batch_alter_table('land_instalment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_land_instalment_contract_id'), ['contract_id'], unique=False)
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


def downgrade():
    with op.batch_alter_table('land_payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_payment_contract_id'))
    op.drop_table('land_payment')
    with op.batch_alter_table('land_instalment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_land_instalment_contract_id'))
    op.drop_table('land_instalment')
