"""The rules in force (issue 16): the administrator's rule settings (rule_setting, the newest per rule in force for
lots announced afterwards) and each lot's recorded rule numbers (lot.rule_values); what the remaining rules need to
be checked: a property lot's valuation and terms (payment, result publicity, approval of a low relisting price),
the performance bond of a contract, the overdue charge on a late procurement refund with its working, how long an
archive is kept, and an expert's past ties to organisations and penalties (recusal).

Existing rows: lots keep rule_values NULL (judged by the rules in force now), archives get no keep_until (the
archive service computes it as 15 years after created_at for them: see services.archive.retention).

Revision ID: 0020_rule_settings
Revises: 0019_methods
Create Date: 2027-01-05 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_rule_settings'
down_revision = '0019_methods'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rule_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_rule_setting_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_setting'))
    )
    with op.batch_alter_table('rule_setting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_setting_rule_id'), ['rule_id'], unique=False)
    op.create_table('expert_tie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_tie_expert_id_expert'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_expert_tie_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_tie'))
    )
    with op.batch_alter_table('expert_tie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_tie_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_tie_organisation_id'), ['organisation_id'], unique=False)
    op.create_table('expert_penalty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], name=op.f('fk_expert_penalty_expert_id_expert'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_expert_penalty_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_penalty'))
    )
    with op.batch_alter_table('expert_penalty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_penalty_expert_id'), ['expert_id'], unique=False)
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_values', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('valuation', sa.Numeric(precision=18, scale=2), nullable=True))
        batch_op.add_column(sa.Column('property_terms', sa.JSON(), nullable=True))
    op.execute("UPDATE lot SET property_terms = '{}'")
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.alter_column('property_terms', existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('performance_bond', sa.Numeric(precision=18, scale=2), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('deposit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_interest', sa.Numeric(precision=18, scale=2), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('interest_working', sa.JSON(), nullable=True))
    with op.batch_alter_table('archive_bundle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep_until', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('retention_rule', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('archive_bundle', schema=None) as batch_op:
        batch_op.drop_column('retention_rule')
        batch_op.drop_column('keep_until')
    with op.batch_alter_table('deposit', schema=None) as batch_op:
        batch_op.drop_column('interest_working')
        batch_op.drop_column('late_interest')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_column('performance_bond')
    with op.batch_alter_table('lot', schema=None) as batch_op:
        batch_op.drop_column('property_terms')
        batch_op.drop_column('valuation')
        batch_op.drop_column('rule_values')
    with op.batch_alter_table('expert_penalty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_penalty_expert_id'))
    op.drop_table('expert_penalty')
    with op.batch_alter_table('expert_tie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_tie_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_expert_tie_expert_id'))
    op.drop_table('expert_tie')
    with op.batch_alter_table('rule_setting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_setting_rule_id'))
    op.drop_table('rule_setting')
