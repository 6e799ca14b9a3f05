"""Early warnings kept as rows (rule, inputs, threshold, legal basis, the supervisor's decision) and the correction
orders (整改通知) that follow them, with the addressee's answer and evidence (issue 19).

Revision ID: 0026_corrections
Revises: 0025_property
Create Date: 2026-12-07 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_corrections'
down_revision = '0025_property'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('early_warning',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('threshold', sa.JSON(), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_early_warning_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_early_warning_lot_id_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_early_warning')),
    sa.UniqueConstraint('key', name=op.f('uq_early_warning_key'))
    )
    with op.batch_alter_table('early_warning', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_early_warning_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_early_warning_raised_at'), ['raised_at'], unique=False)

    op.create_table('correction_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('warning_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('addressee', sa.String(length=16), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('evidence_key', sa.String(length=64), nullable=True),
    sa.Column('evidence_name', sa.String(length=200), nullable=False),
    sa.Column('evidence_size', sa.BigInteger(), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_correction_order_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_correction_order_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_correction_order_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_correction_order_lot_id_lot')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_correction_order_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['warning_id'], ['early_warning.id'], name=op.f('fk_correction_order_warning_id_early_warning')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_order')),
    sa.UniqueConstraint('evidence_key', name=op.f('uq_correction_order_evidence_key'))
    )
    with op.batch_alter_table('correction_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_order_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_order_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_order_warning_id'), ['warning_id'], unique=False)


def downgrade():
    with op.batch_alter_table('correction_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_order_warning_id'))
        batch_op.drop_index(batch_op.f('ix_correction_order_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_correction_order_lot_id'))
    op.drop_table('correction_order')
    with op.batch_alter_table('early_warning', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_early_warning_raised_at'))
        batch_op.drop_index(batch_op.f('ix_early_warning_lot_id'))
    op.drop_table('early_warning')
