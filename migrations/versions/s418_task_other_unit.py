"""human_tasks.other_unit: the task's unit is not its case's unit (the officer's "cases helped"), indexed

An officer's case list shows their units' cases plus the cases of other units they had a task on. Found through
every task of their units, that part cost seconds at a million cases once a unit had done 200,000 tasks on its own
cases; a flag set when the task is created (a case's unit never changes) and a partial index keep it to the few
tasks on other units' cases.

Revision ID: s418_task_other_unit
Revises: s415_migration_runs
"""
import sqlalchemy as sa
from alembic import op

revision = "s418_task_other_unit"
down_revision = "s415_migration_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks") as batch:
        batch.add_column(sa.Column("other_unit", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE human_tasks SET other_unit = (unit_id <> (SELECT cases.unit_id FROM cases "
               "WHERE cases.id = human_tasks.case_id))")
    op.create_index("ix_human_tasks_other_unit", "human_tasks", ["unit_id", "case_id"],
                    postgresql_where=sa.text("other_unit"), sqlite_where=sa.text("other_unit = 1"))


def downgrade() -> None:
    op.drop_index("ix_human_tasks_other_unit", table_name="human_tasks")
    with op.batch_alter_table("human_tasks") as batch:
        batch.drop_column("other_unit")
