"""Experts' marks reviewed (issue 19): the supervisor's decision on a flagged mark, confirmed as an expert_deviation
credit event or dismissed, with the reason and the working as it stood (mark, mean, deviation, threshold).

Revision ID: 0029_expert_marks
Revises: 0028_screen_signals
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_expert_marks'
down_revision = '0028_screen_signals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mark_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.String(length=100), nullable=False),
    sa.Column('mark', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('mean', sa.Numeric(precision=9, scale=2), nullable=False),
    sa.Column('deviation', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('threshold', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('credit_event_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], name=op.f('fk_mark_review_bid_id_bid')),
    sa.ForeignKeyConstraint(['credit_event_id'], ['credit_event.id'], name=op.f('fk_mark_review_credit_event_id_credit_event')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_mark_review_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_mark_review_evaluation_id_evaluation')),
    sa.ForeignKeyConstraint(['member_id'], ['committee_member.id'], name=op.f('fk_mark_review_member_id_committee_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mark_review')),
    sa.UniqueConstraint('member_id', 'bid_id', 'criterion', name='uq_mark_review')
    )
    with op.batch_alter_table('mark_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mark_review_evaluation_id'), ['evaluation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mark_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mark_review_evaluation_id'))
    op.drop_table('mark_review')
