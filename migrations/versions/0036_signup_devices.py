"""Where a sign-up (报名) came from, for the collusion screens (招标投标法实施条例 第四十条): the request's address
and the browser's device fingerprint, kept with the registration as a download's are.

Revision ID: 0036_signup_devices
Revises: 0035_report_notices
Create Date: 2026-12-07 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036_signup_devices'
down_revision = '0035_report_notices'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('address')
