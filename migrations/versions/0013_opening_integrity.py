"""A bid's blob_key may be empty: withdrawn and replaced envelopes are deleted (receipts, hash and size stay)

Revision ID: 0013_opening_integrity
Revises: 0012_call_signatures
Create Date: 2026-12-06 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_opening_integrity'
down_revision = '0012_call_signatures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.alter_column('blob_key', existing_type=sa.String(length=64), nullable=True)


def downgrade():
    # Bids whose envelope was deleted cannot name one again: a placeholder key keeps the column NOT NULL and unique.
    op.execute("UPDATE bid SET blob_key = 'deleted-' || CAST(id AS VARCHAR(20)) WHERE blob_key IS NULL")
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.alter_column('blob_key', existing_type=sa.String(length=64), nullable=False)
