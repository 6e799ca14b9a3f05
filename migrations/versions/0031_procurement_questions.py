"""Government procurement questions (质疑, 政府采购法 第五十二、五十三条; 财政部令第94号): a supplier's question to the
purchaser or its agency, answered within the legal working days, before any complaint to the supervisor.

Revision ID: 0031_procurement_questions
Revises: 0030_pledges_reports
Create Date: 2026-12-07 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_procurement_questions'
down_revision = '0030_pledges_reports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('procurement_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('matter', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('known_on', sa.Date(), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.Column('answer_due', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['asked_by_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], ),
    sa.ForeignKeyConstraint(['supplier_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('procurement_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_question_lot_id'), ['lot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('procurement_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_question_lot_id'))
    op.drop_table('procurement_question')
