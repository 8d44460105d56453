"""moving running cases to another procedure version: plans, per-case moves, a task's own form version

Revision ID: s315_migrations
Revises: i14_audit
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 's315_migrations'
down_revision = 'i14_audit'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'migration_plans',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('process_key', sa.String(100), nullable=False),
        sa.Column('from_version_id', sa.Integer(), sa.ForeignKey(
            'process_versions.id', name='fk_migration_plans_from_version_id_process_versions'), nullable=False),
        sa.Column('to_version_id', sa.Integer(), sa.ForeignKey(
            'process_versions.id', name='fk_migration_plans_to_version_id_process_versions'), nullable=False),
        sa.Column('mapping', JSON, nullable=False),
        sa.Column('follow_target', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_by', sa.Integer(), sa.ForeignKey(
            'users.id', name='fk_migration_plans_created_by_users'), nullable=True),
        sa.Column('created_by_name', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_migration_plans'),
    )
    op.create_index('ix_migration_plans_process_key', 'migration_plans', ['process_key'])
    op.create_table(
        'case_migrations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('plan_id', sa.Integer(), sa.ForeignKey(
            'migration_plans.id', name='fk_case_migrations_plan_id_migration_plans'), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey(
            'cases.id', ondelete='CASCADE', name='fk_case_migrations_case_id_cases'), nullable=False),
        sa.Column('from_version_id', sa.Integer(), sa.ForeignKey(
            'process_versions.id', name='fk_case_migrations_from_version_id_process_versions'), nullable=False),
        sa.Column('to_version_id', sa.Integer(), sa.ForeignKey(
            'process_versions.id', name='fk_case_migrations_to_version_id_process_versions'), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('event_seq', sa.Integer(), nullable=False),
        sa.Column('after_seq', sa.Integer(), nullable=False),
        sa.Column('snapshot', JSON, nullable=False),
        sa.Column('changes', JSON, nullable=False),
        sa.Column('migrated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('migrated_by', sa.Integer(), sa.ForeignKey(
            'users.id', name='fk_case_migrations_migrated_by_users'), nullable=True),
        sa.Column('reverted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reverted_by', sa.Integer(), sa.ForeignKey(
            'users.id', name='fk_case_migrations_reverted_by_users'), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_case_migrations'),
    )
    op.create_index('ix_case_migrations_plan_id', 'case_migrations', ['plan_id'])
    op.create_index('ix_case_migrations_case_state', 'case_migrations', ['case_id', 'state'])
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('form_version_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_human_tasks_form_version_id_process_versions', 'process_versions',
                                 ['form_version_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_constraint('fk_human_tasks_form_version_id_process_versions', type_='foreignkey')
        batch.drop_column('form_version_id')
    op.drop_table('case_migrations')
    op.drop_table('migration_plans')
