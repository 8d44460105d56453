"""login_failures: failed sign-ins per account and address, for login throttling

Revision ID: i09_login_failures
Revises: i16_intake
"""
from alembic import op
import sqlalchemy as sa

revision = 'i09_login_failures'
down_revision = 'i16_intake'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=150), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    op.create_index('ix_login_failures_username_at', 'login_failures', ['username', 'at'])
    op.create_index('ix_login_failures_address_at', 'login_failures', ['address', 'at'])


def downgrade() -> None:
    op.drop_index('ix_login_failures_address_at', table_name='login_failures')
    op.drop_index('ix_login_failures_username_at', table_name='login_failures')
    op.drop_table('login_failures')
