"""三色赋码: a colour change records its cause in words (复议/诉讼 outcome, look-back window passed)

Revision ID: s317_colour_cause
Revises: s317_report_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "s317_colour_cause"
down_revision = "s317_report_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entity_colours") as batch:
        batch.add_column(sa.Column("cause", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entity_colours") as batch:
        batch.drop_column("cause")
