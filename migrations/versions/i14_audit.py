"""auditors' workspace: case integrity verdicts, access log, case search indexes

Revision ID: i14_audit
Revises: i13_bundles
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'i14_audit'
down_revision = 'i13_bundles'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'case_integrity',
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('verdict', sa.String(16), nullable=False),
        sa.Column('step', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(32), nullable=True),
        sa.Column('detail', JSON, nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('chain_head', sa.String(64), nullable=True),
        sa.Column('case_version', sa.Integer(), nullable=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_case_integrity_verdict', 'case_integrity', ['verdict', 'case_id'])
    op.create_index('ix_case_integrity_checked_at', 'case_integrity', ['checked_at'])
    op.create_table(
        'access_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id', ondelete='SET NULL'), nullable=True),
        sa.Column('case_number', sa.String(120), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
    )
    op.create_index('ix_access_log_at', 'access_log', ['at'])
    op.create_index('ix_access_log_case', 'access_log', ['case_id', 'at'])
    op.create_index('ix_access_log_user_id', 'access_log', ['user_id'])
    # case search: closed-date ranges, ID-number lookup, newest-first pages per unit
    op.create_index('ix_cases_closed_at', 'cases', ['closed_at'])
    op.create_index('ix_cases_unit_opened', 'cases', ['unit_id', 'opened_at', 'id'])
    op.create_index('ix_cases_opened_id', 'cases', ['opened_at', 'id'])
    op.create_index('ix_parties_id_number', 'parties', ['id_number'])


def downgrade() -> None:
    op.drop_index('ix_parties_id_number', 'parties')
    op.drop_index('ix_cases_opened_id', 'cases')
    op.drop_index('ix_cases_unit_opened', 'cases')
    op.drop_index('ix_cases_closed_at', 'cases')
    op.drop_table('access_log')
    op.drop_table('case_integrity')
