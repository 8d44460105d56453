"""case search at a million cases: indexes that end in the page order (opened_at, id) for the common filters

The single-column indexes on unit_id, state, process_key and opened_at are prefixes of the composite ones and
are dropped (one index less to maintain on every case write).

Revision ID: s314_case_search
Revises: s317_colour_cause
"""
from alembic import op

revision = 's314_case_search'
down_revision = 's317_colour_cause'
branch_labels = None
depends_on = None

NEW = {
    'ix_cases_unit_state_opened': ['unit_id', 'state', 'opened_at', 'id'],
    'ix_cases_state_opened': ['state', 'opened_at', 'id'],
    'ix_cases_process_opened': ['process_key', 'opened_at', 'id'],
}
OLD = {'ix_cases_unit_id': ['unit_id'], 'ix_cases_state': ['state'], 'ix_cases_process_key': ['process_key'],
       'ix_cases_opened_at': ['opened_at']}


def upgrade() -> None:
    for name, columns in NEW.items():
        op.create_index(name, 'cases', columns)
    for name in OLD:
        op.drop_index(name, 'cases')


def downgrade() -> None:
    for name, columns in OLD.items():
        op.create_index(name, 'cases', columns)
    for name in NEW:
        op.drop_index(name, 'cases')
