"""Each draw call keeps the calling gateway's Ed25519 signature over its outcome and time (issue 13); calls made
before this have none, and the draw verifier says they are unauthenticated

Revision ID: 0012_call_signatures
Revises: 0011_bank_privacy
Create Date: 2026-12-06 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_call_signatures'
down_revision = '0011_bank_privacy'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('draw_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.LargeBinary(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('draw_call', schema=None) as batch_op:
        batch_op.drop_column('signature')
