"""Why a bid was not opened, in the reader's language (issue 17): the opening record keeps its reason as a message
id (``opening_entry.reason``) with its parameters (``reason_params``), as the audit's recorded messages do.

Existing rows keep their reason as the English text they were written with (no parameters), shown as stored.

Revision ID: 0024_opening_reason
Revises: 0023_complaints
Create Date: 2026-12-07 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_opening_reason'
down_revision = '0023_complaints'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opening_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('opening_entry', schema=None) as batch_op:
        batch_op.drop_column('reason_params')
