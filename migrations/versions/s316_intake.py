"""intake leftovers: channel key issue/last-use times, the 催办/督办 chain on a lead's 核查 clock

Revision ID: s316_intake
Revises: s314_case_search
"""
from alembic import op
import sqlalchemy as sa

revision = 's316_intake'
down_revision = 's314_case_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('intake_channels') as batch:
        batch.add_column(sa.Column('key_issued_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('intake_leads') as batch:
        batch.add_column(sa.Column('escalation_level', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('next_escalation_on', sa.Date(), nullable=True))
    op.create_index('ix_intake_leads_escalation', 'intake_leads', ['verify_state', 'next_escalation_on'])


def downgrade() -> None:
    op.drop_index('ix_intake_leads_escalation', table_name='intake_leads')
    with op.batch_alter_table('intake_leads') as batch:
        batch.drop_column('next_escalation_on')
        batch.drop_column('escalation_level')
    with op.batch_alter_table('intake_channels') as batch:
        batch.drop_column('last_used_at')
        batch.drop_column('key_issued_at')
