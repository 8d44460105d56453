"""migration runs in the background: a stored run with its progress; each case's move names its run

Revision ID: s415_migration_runs
Revises: s317_complaint_subjects
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "s415_migration_runs"
down_revision = "s317_complaint_subjects"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "migration_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(), sa.ForeignKey(
            "migration_plans.id", name="fk_migration_runs_plan_id_migration_plans"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("case_ids", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("problems", JSON, nullable=False),
        sa.Column("error", JSON, nullable=True),
        sa.Column("lease", sa.String(64), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey(
            "users.id", name="fk_migration_runs_created_by_users"), nullable=True),
        sa.Column("created_by_name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_migration_runs"),
    )
    op.create_index("ix_migration_runs_plan_id", "migration_runs", ["plan_id"])
    op.create_index("ix_migration_runs_state", "migration_runs", ["state"])
    with op.batch_alter_table("case_migrations") as batch:
        batch.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_case_migrations_run_id_migration_runs", "migration_runs", ["run_id"], ["id"])
        batch.create_index("ix_case_migrations_run_id", ["run_id"])


def downgrade() -> None:
    with op.batch_alter_table("case_migrations") as batch:
        batch.drop_index("ix_case_migrations_run_id")
        batch.drop_constraint("fk_case_migrations_run_id_migration_runs", type_="foreignkey")
        batch.drop_column("run_id")
    op.drop_table("migration_runs")
