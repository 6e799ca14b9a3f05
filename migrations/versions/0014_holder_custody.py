"""Key custody: holder keys approved by a second person, kept on the holder's computer (public key only) or
wrapped under a key-holder passphrase with Argon2id; revocable shares; holder-change requests. Existing holder
keys (scrypt under the login password) become 'legacy': they are never chosen for new lots.

Revision ID: 0014_holder_custody
Revises: 0013_opening_integrity
Create Date: 2026-12-06 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_holder_custody'
down_revision = '0013_opening_integrity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('holder_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=8), nullable=False, server_default='legacy'))
        batch_op.add_column(sa.Column('status', sa.String(length=8), nullable=False, server_default='legacy'))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column('argon2_time_cost', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('argon2_memory_kib', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('argon2_parallelism', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approved_roles', sa.String(length=120), nullable=True))
        batch_op.alter_column('encrypted_private_key', existing_type=sa.LargeBinary(length=64), nullable=True)
        batch_op.alter_column('salt', existing_type=sa.LargeBinary(length=32), nullable=True)
        batch_op.alter_column('nonce', existing_type=sa.LargeBinary(length=16), nullable=True)
        batch_op.alter_column('scrypt_n', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('scrypt_r', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('scrypt_p', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_holder_key_approved_by_id_user_account'), 'user_account',
                                    ['approved_by_id'], ['id'])
    with op.batch_alter_table('key_share', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
    op.create_table('holder_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('old_holder_id', sa.Integer(), nullable=False),
    sa.Column('new_holder_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['lot_id'], ['lot.id'], name=op.f('fk_holder_change_lot_id_lot')),
    sa.ForeignKeyConstraint(['old_holder_id'], ['user_account.id'], name=op.f('fk_holder_change_old_holder_id_user_account')),
    sa.ForeignKeyConstraint(['new_holder_id'], ['user_account.id'], name=op.f('fk_holder_change_new_holder_id_user_account')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_holder_change_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_holder_change_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holder_change'))
    )
    with op.batch_alter_table('holder_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holder_change_lot_id'), ['lot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('holder_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holder_change_lot_id'))
    op.drop_table('holder_change')
    with op.batch_alter_table('key_share', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
    op.execute("DELETE FROM holder_key WHERE mode <> 'legacy'")
    with op.batch_alter_table('holder_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_holder_key_approved_by_id_user_account'), type_='foreignkey')
        for name in ('approved_roles', 'approved_at', 'approved_by_id', 'argon2_parallelism', 'argon2_memory_kib',
                     'argon2_time_cost', 'fingerprint', 'status', 'mode'):
            batch_op.drop_column(name)
        batch_op.alter_column('encrypted_private_key', existing_type=sa.LargeBinary(length=64), nullable=False)
        batch_op.alter_column('salt', existing_type=sa.LargeBinary(length=32), nullable=False)
        batch_op.alter_column('nonce', existing_type=sa.LargeBinary(length=16), nullable=False)
        batch_op.alter_column('scrypt_n', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('scrypt_r', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('scrypt_p', existing_type=sa.Integer(), nullable=False)
