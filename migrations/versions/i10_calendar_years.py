"""calendar_years: a year of the working-day calendar counts as configured only once marked complete

Revision ID: i10_calendar_years
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = 'i10_calendar_years'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_calendar_years_updated_by_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years')),
    )


def downgrade() -> None:
    op.drop_table('calendar_years')
