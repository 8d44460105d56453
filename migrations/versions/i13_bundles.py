"""Versions as bundles (files, note, lane map, state/retirement) and designers' drafts

Revision ID: i13_bundles
Revises: i12_documents
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'i13_bundles'
down_revision = 'i12_documents'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bundle', JSON, nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('lane_map', JSON, server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='deployed', nullable=False))
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('retired_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('retire_note', sa.Text(), nullable=True))
    op.create_table(
        'process_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('content', JSON, nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('base_version_id', sa.Integer(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_process_drafts')),
    )
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_drafts_process_key'), ['process_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_drafts_process_key'))
    op.drop_table('process_drafts')
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        for column in ('retire_note', 'retired_by', 'retired_at', 'state', 'lane_map', 'note', 'bundle'):
            batch_op.drop_column(column)
