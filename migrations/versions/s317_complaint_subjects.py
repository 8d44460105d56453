"""Complaints matched to entities by USCC / ID number, then by a normalised name, with the officer's decision

Revision ID: s317_complaint_subjects
Revises: s314_trigram_search
"""
import sqlalchemy as sa
from alembic import op

from engine.names import name_key

revision = "s317_complaint_subjects"
down_revision = "s314_trigram_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("name_key", sa.String(length=200), nullable=True))
        batch.create_index("ix_parties_name_key", ["name_key"], unique=False)
    op.create_table(
        "complaint_subjects",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("name_key", sa.String(length=200), nullable=True),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["intake_leads.id"], name=op.f("fk_complaint_subjects_lead_id_intake_leads"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], name=op.f("fk_complaint_subjects_party_id_parties"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_complaint_subjects_decided_by_users")),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_complaint_subjects")),
    )
    op.create_index("ix_complaint_subjects_id_number", "complaint_subjects", ["id_number"])
    op.create_index("ix_complaint_subjects_name_key", "complaint_subjects", ["name_key"])
    op.create_index("ix_complaint_subjects_party_id", "complaint_subjects", ["party_id"])
    conn = op.get_bind()
    parties = sa.table("parties", sa.column("id", sa.Integer), sa.column("name", sa.String),
                       sa.column("name_key", sa.String))
    for pid, name in conn.execute(sa.select(parties.c.id, parties.c.name)).all():
        conn.execute(parties.update().where(parties.c.id == pid).values(name_key=name_key(name)))
    leads = sa.table("intake_leads", sa.column("id", sa.Integer), sa.column("party", sa.JSON))
    subjects = sa.table("complaint_subjects", sa.column("lead_id", sa.Integer), sa.column("id_number", sa.String),
                        sa.column("name_key", sa.String))
    for lead_id, party in conn.execute(sa.select(leads.c.id, leads.c.party)).all():
        party = party if isinstance(party, dict) else {}
        number = party.get("id_number")
        number = (number.strip().upper()[:18] or None) if isinstance(number, str) else None
        conn.execute(subjects.insert().values(lead_id=lead_id, id_number=number, name_key=name_key(party.get("name"))))


def downgrade() -> None:
    op.drop_table("complaint_subjects")
    with op.batch_alter_table("parties") as batch:
        batch.drop_index("ix_parties_name_key")
        batch.drop_column("name_key")
