"""case_incidents (runaway work the scheduler stopped) and idempotency_keys (replayed answers)

Revision ID: i11_runtime
Revises: i09_login_failures
"""
from alembic import op
import sqlalchemy as sa

revision = 'i11_runtime'
down_revision = 'i09_login_failures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_incidents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('element', sa.String(length=100), nullable=True),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_incidents_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_incidents')))
    op.create_index(op.f('ix_case_incidents_case_id'), 'case_incidents', ['case_id'], unique=False)
    op.create_table(
        'idempotency_keys',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('mimetype', sa.String(length=100), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('location', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_idempotency_keys')))
    op.create_index(op.f('ix_idempotency_keys_created_at'), 'idempotency_keys', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_idempotency_keys_created_at'), table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_case_incidents_case_id'), table_name='case_incidents')
    op.drop_table('case_incidents')
