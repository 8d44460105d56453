"""case search by a part of a party name or case number at a million rows: trigram indexes (PostgreSQL, pg_trgm)

Three or more characters of a name (a full Chinese name, a company name) or of a case number are answered from
a GIN trigram index; one or two characters of a name match its start, which the same index answers. On
PostgreSQL the plain name index is replaced (a trigram index answers equality too); SQLite gets a plain index
on the case number (the unique one serves as well) and keeps its plain name index.

Revision ID: s314_trigram_search
Revises: s316_intake
"""
from alembic import op

revision = 's314_trigram_search'
down_revision = 's316_intake'
branch_labels = None
depends_on = None

TRGM = {'postgresql_using': 'gin'}


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        op.create_index('ix_cases_number_part', 'cases', ['number'])
        return
    # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database owner may create it
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.drop_index('ix_parties_name', 'parties')
    op.create_index('ix_parties_name', 'parties', ['name'], postgresql_ops={'name': 'gin_trgm_ops'}, **TRGM)
    op.create_index('ix_cases_number_part', 'cases', ['number'], postgresql_ops={'number': 'gin_trgm_ops'}, **TRGM)


def downgrade() -> None:
    op.drop_index('ix_cases_number_part', 'cases')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_parties_name', 'parties')
        op.create_index('ix_parties_name', 'parties', ['name'])
