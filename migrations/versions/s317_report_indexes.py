"""履职评估 report indexes: covering partial indexes for step times, closed clocks and closed cases

Revision ID: s317_report_indexes
Revises: s315_migrations
"""
import sqlalchemy as sa
from alembic import op

revision = "s317_report_indexes"
down_revision = "s315_migrations"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_human_tasks_done_steps", "human_tasks", ["unit_id", "process_key", "task_spec", "completed_at"],
     ["created_at", "title"], "state = 'completed'"),
    ("ix_clocks_unit_closed", "clocks", ["unit_id", "closed_at"], ["kind", "label", "state", "due_on", "due_at"],
     "closed_at IS NOT NULL"),
    ("ix_cases_unit_closed", "cases", ["unit_id", "closed_at"], ["process_key"], "state = 'completed'"),
)


def upgrade() -> None:
    for name, table, columns, include, where in INDEXES:
        op.create_index(name, table, columns, postgresql_include=include, postgresql_where=sa.text(where),
                        sqlite_where=sa.text(where))


def downgrade() -> None:
    for name, table, _columns, _include, _where in INDEXES:
        op.drop_index(name, table_name=table)
