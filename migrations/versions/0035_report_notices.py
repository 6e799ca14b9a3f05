"""Public reports on the dashboard and in the warnings, and the reporter told (issue 19): an early warning may be on
no lot (a public report's, kept under the report); the outbox of SMS and e-mail sent through the message gateway.

Revision ID: 0035_report_notices
Revises: 0034_contract_payments
Create Date: 2026-12-07 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_report_notices'
down_revision = '0034_contract_payments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('tried_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('gateway', sa.String(length=32), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_message_key'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_queued_at'), ['queued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_status'), ['status'], unique=False)

    with op.batch_alter_table('early_warning', schema=None) as batch_op:
        batch_op.alter_column('lot_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM early_warning WHERE lot_id IS NULL")  # a public report's warnings have no lot to keep
    with op.batch_alter_table('early_warning', schema=None) as batch_op:
        batch_op.alter_column('lot_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_queued_at'))

    op.drop_table('outbox_message')
