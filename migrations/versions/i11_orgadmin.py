"""organisation administration: unit closing, forced password change, role validity dates, admin change log

Revision ID: i11_orgadmin
Revises: i11_runtime
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'i11_orgadmin'
down_revision = 'i11_runtime'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
    op.create_table(
        'admin_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_name', sa.String(length=100), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_changes_actor_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_changes')))
    op.create_index(op.f('ix_admin_changes_at'), 'admin_changes', ['at'], unique=False)
    op.create_index(op.f('ix_admin_changes_action'), 'admin_changes', ['action'], unique=False)
    op.create_index(op.f('ix_admin_changes_target'), 'admin_changes', ['target'], unique=False)


def downgrade() -> None:
    op.drop_table('admin_changes')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
